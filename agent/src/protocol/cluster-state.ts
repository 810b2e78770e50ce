/** Kafka facts the collector reads in one cycle; shared by collection, storage and evaluation. */

/** A consumer group as listed by the brokers. */
export interface GroupListing {
  readonly group: string;
  /** `consumer` for kafkajs/Java consumer groups; Connect and others use their own types. */
  readonly protocolType: string;
}

/** Partitions of one topic assigned to a member. */
export interface TopicAssignment {
  readonly topic: string;
  readonly partitions: readonly number[];
}

/** One member of a group, from DescribeGroups. */
export interface GroupMember {
  readonly memberId: string;
  readonly clientId: string;
  readonly clientHost: string;
  readonly assignment: readonly TopicAssignment[];
}

/** A described group. `state` is Kafka's: Stable, Empty, PreparingRebalance, CompletingRebalance, Dead. */
export interface GroupDescription {
  readonly group: string;
  readonly state: string;
  readonly protocolType: string;
  readonly members: readonly GroupMember[];
}

/** A group's committed offset on one partition; null when it has none. */
export interface CommittedOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number | null;
}

/** Log start and end offsets of one partition. */
export interface PartitionWatermarks {
  readonly topic: string;
  readonly partition: number;
  readonly logStartOffset: number;
  readonly logEndOffset: number;
}

/** A partition and an offset in it. */
export interface PartitionOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

/** Key of a topic partition in maps. */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
