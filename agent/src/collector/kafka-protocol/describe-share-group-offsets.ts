/**
 * DescribeShareGroupOffsets (API key 90) v0 and v1: each share-partition's start offset
 * (the first record not yet acknowledged for good), and from v1 Kafka's own share lag (KIP-1226).
 */
import { assertCodecVersion, type KafkaApi } from './api';
import { WireReader, WireWriter } from './wire';

export const describeShareGroupOffsetsApi: KafkaApi = {
  key: 90,
  name: 'DescribeShareGroupOffsets',
  minVersion: 0,
  maxVersion: 1,
};

export interface DescribeShareGroupOffsetsRequestGroup {
  readonly groupId: string;
  /** Null asks for every topic-partition the group has state for. */
  readonly topics: readonly { readonly topicName: string; readonly partitions: readonly number[] }[] | null;
}

export interface DescribeShareGroupOffsetsRequest {
  readonly groups: readonly DescribeShareGroupOffsetsRequestGroup[];
}

export interface SharePartitionOffsets {
  readonly partitionIndex: number;
  /** -1 when the share-partition has no state yet. */
  readonly startOffset: number;
  readonly leaderEpoch: number;
  /** Kafka's share lag; -1 when unknown, and always -1 before v1. */
  readonly lag: number;
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

export interface ShareGroupOffsetsTopic {
  readonly topicName: string;
  readonly topicId: string;
  readonly partitions: readonly SharePartitionOffsets[];
}

export interface ShareGroupOffsetsGroup {
  readonly groupId: string;
  readonly topics: readonly ShareGroupOffsetsTopic[];
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

export interface DescribeShareGroupOffsetsResponse {
  readonly throttleTimeMs: number;
  readonly groups: readonly ShareGroupOffsetsGroup[];
}

/** The request body (without the request header's tagged fields). */
export function encodeDescribeShareGroupOffsetsRequest(
  request: DescribeShareGroupOffsetsRequest,
  version: number,
): Buffer {
  assertCodecVersion(describeShareGroupOffsetsApi, version, 'request');
  return new WireWriter()
    .compactArray(request.groups, (writer, group) => {
      writer
        .compactString(group.groupId)
        .compactArray(group.topics, (topicWriter, topic) => {
          topicWriter
            .compactString(topic.topicName)
            .compactArray(topic.partitions, (partitionWriter, partition) => partitionWriter.int32(partition))
            .emptyTaggedFields();
        })
        .emptyTaggedFields();
    })
    .emptyTaggedFields()
    .bytes();
}

function readPartition(reader: WireReader, version: number): SharePartitionOffsets {
  const partitionIndex = reader.int32('PartitionIndex');
  const startOffset = reader.int64('StartOffset');
  const leaderEpoch = reader.int32('LeaderEpoch');
  const lag = version >= 1 ? reader.int64('Lag') : -1;
  const errorCode = reader.int16('ErrorCode');
  const errorMessage = reader.compactNullableString('ErrorMessage');
  reader.taggedFields('Partition');
  return { partitionIndex, startOffset, leaderEpoch, lag, errorCode, errorMessage };
}

function readTopic(reader: WireReader, version: number): ShareGroupOffsetsTopic {
  const topicName = reader.compactString('TopicName');
  const topicId = reader.uuid('TopicId');
  const partitions = reader.compactArray('Partitions', (partition) => readPartition(partition, version));
  reader.taggedFields('Topic');
  return { topicName, topicId, partitions };
}

function readGroup(reader: WireReader, version: number): ShareGroupOffsetsGroup {
  const groupId = reader.compactString('GroupId');
  const topics = reader.compactArray('Topics', (topic) => readTopic(topic, version));
  const errorCode = reader.int16('ErrorCode');
  const errorMessage = reader.compactNullableString('ErrorMessage');
  reader.taggedFields('Group');
  return { groupId, topics, errorCode, errorMessage };
}

/** Decodes the response body (after the response header). */
export function decodeDescribeShareGroupOffsetsResponse(
  body: Buffer,
  version: number,
): DescribeShareGroupOffsetsResponse {
  assertCodecVersion(describeShareGroupOffsetsApi, version, 'response');
  const reader = new WireReader(body, `DescribeShareGroupOffsets v${version} response`);
  const throttleTimeMs = reader.int32('ThrottleTimeMs');
  const groups = reader.compactArray('Groups', (group) => readGroup(group, version));
  reader.taggedFields('DescribeShareGroupOffsetsResponse');
  reader.end();
  return { throttleTimeMs, groups };
}
