import { type WireReader } from './wire';

/** The TopicPartitions struct ConsumerGroupDescribe and ShareGroupDescribe share. */
export interface TopicPartitions {
  /** Kafka's printed form of the topic UUID. */
  readonly topicId: string;
  readonly topicName: string;
  readonly partitions: readonly number[];
}

function readTopicPartitions(reader: WireReader): TopicPartitions {
  const topicId = reader.uuid('TopicId');
  const topicName = reader.compactString('TopicName');
  const partitions = reader.compactArray('Partitions', (partition) => partition.int32('Partitions[]'));
  reader.taggedFields('TopicPartitions');
  return { topicId, topicName, partitions };
}

/** Reads the Assignment struct: `TopicPartitions` and the struct's own tagged fields. */
export function readAssignment(reader: WireReader, field: string): TopicPartitions[] {
  const topics = reader.compactArray(`${field}.TopicPartitions`, readTopicPartitions);
  reader.taggedFields(field);
  return topics;
}
