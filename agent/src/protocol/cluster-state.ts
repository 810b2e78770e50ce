/** Kafka facts the collector reads in one cycle; shared by collection, storage and evaluation. */

/**
 * Which group protocol a group uses, from ListGroups v5 (Kafka 3.7+): `classic` (JoinGroup
 * and SyncGroup), `consumer` (KIP-848), `share` (KIP-932 share groups) or `streams`
 * (KIP-1071). Brokers without ListGroups v5 have classic groups only. `unknown` is a type
 * newer than this agent.
 */
export type GroupType = 'classic' | 'consumer' | 'share' | 'streams' | 'unknown';

/** A group as listed by the brokers. */
export interface GroupListing {
  readonly group: string;
  /**
   * `consumer` for consumer groups of either protocol, `share` and `streams` for those
   * types; Connect and other classic protocols use their own names.
   */
  readonly protocolType: string;
  readonly groupType: GroupType;
  /** Kafka's state from ListGroups v4+, in the vocabulary of the group's type; null when not listed. */
  readonly state: string | null;
}

/** Partitions of one topic assigned to a member. */
export interface TopicAssignment {
  readonly topic: string;
  readonly partitions: readonly number[];
}

/** One member of a group, from DescribeGroups, ConsumerGroupDescribe or ShareGroupDescribe. */
export interface GroupMember {
  readonly memberId: string;
  readonly clientId: string;
  readonly clientHost: string;
  /** What the member owns now (for consumer groups the current, not the target, assignment). */
  readonly assignment: readonly TopicAssignment[];
}

/** A described group. */
export interface GroupDescription {
  readonly group: string;
  readonly groupType: GroupType;
  /**
   * The state in the classic vocabulary every type shares here: Stable, Empty,
   * PreparingRebalance, CompletingRebalance or Dead (see {@link GroupDescription.kafkaState}
   * and `classicGroupState`).
   */
  readonly state: string;
  /** The state exactly as Kafka reported it for the group's type (e.g. Assigning, Reconciling, NotReady). */
  readonly kafkaState: string;
  readonly protocolType: string;
  readonly members: readonly GroupMember[];
}

/**
 * A share group's progress on one partition, from DescribeShareGroupOffsets. Share groups
 * commit no consumer offsets: records are acknowledged one by one.
 */
export interface SharePartitionOffset {
  readonly topic: string;
  readonly partition: number;
  /** The share-partition start offset: records below it are all acknowledged; null before the group has state there. */
  readonly startOffset: number | null;
  /** Kafka's share lag (KIP-1226, DescribeShareGroupOffsets v1); null when the broker does not compute it. */
  readonly lag: number | null;
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

/**
 * One offset commit as the group coordinator recorded it in `__consumer_offsets`: what was
 * committed and when (the coordinator's clock, mapped to the agent's). Commits of classic and
 * consumer (KIP-848) groups alike; share and streams groups keep other records.
 */
export interface CommitEvent {
  readonly group: string;
  readonly topic: string;
  readonly partition: number;
  /** The committed offset; null for a tombstone (the group's offset was deleted or expired). */
  readonly offset: number | null;
  /** When the coordinator took the commit, epoch ms on the agent's clock. */
  readonly commitTimeMs: number;
}

/**
 * What one read of the commit log gave. `available: false` means the cluster's commits
 * cannot be read this way (no READ on `__consumer_offsets`, a managed service that hides it):
 * the agent then evaluates from polled offsets only, and says why in `reason`.
 */
export type CommitLogRead =
  | {
      readonly available: true;
      /** In log order within each `__consumer_offsets` partition. */
      readonly events: readonly CommitEvent[];
      /** Records known to be written but not read yet (read next cycle: a byte cap per cycle). */
      readonly backlogRecords: number;
    }
  | { readonly available: false; readonly reason: string };

/** Key of a topic partition in maps. */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
