import {
  type CommitLogRead,
  type CommittedOffset,
  type GroupDescription,
  type GroupListing,
  type PartitionOffset,
  type PartitionWatermarks,
  type SharePartitionOffset,
} from '../protocol/cluster-state';

/**
 * Everything the collector reads from one Kafka cluster. The kafkajs implementation is
 * the production edge; tests drive the collector through fakes of this interface.
 */
export interface ClusterSource {
  /** Every group of every type, each once. */
  listGroups(): Promise<GroupListing[]>;
  /**
   * Describes groups with the API of their type, batched per group coordinator; a group
   * the cluster no longer knows comes back Dead.
   */
  describeGroups(groups: readonly GroupListing[]): Promise<GroupDescription[]>;
  /** Committed offsets of one group, on every partition it committed to. */
  fetchCommittedOffsets(group: string): Promise<CommittedOffset[]>;
  /**
   * A share group's start offsets and share lag per partition. Optional: a source without
   * it reports share groups without progress.
   */
  fetchShareGroupOffsets?(group: string): Promise<SharePartitionOffset[]>;
  /** Batched per partition leader. Unknown topics are left out of the result. */
  fetchWatermarks(topics: readonly string[]): Promise<PartitionWatermarks[]>;
  /**
   * Timestamps (ms) of the records at the given offsets, batched per leader, keyed by
   * partitionKey(); each partition appears at most once. A missing entry means the record
   * could not be read (deleted by retention, or not yet written).
   */
  fetchRecordTimestamps(positions: readonly PartitionOffset[]): Promise<Map<string, number>>;
  /**
   * The commits recorded in `__consumer_offsets` since the last call (the first call starts a
   * window's worth back). Optional: a source without it is evaluated from polled offsets.
   */
  readCommitLog?(): Promise<CommitLogRead>;
  close(): Promise<void>;
}
