import {
  type CommittedOffset,
  type GroupDescription,
  type GroupListing,
  type PartitionOffset,
  type PartitionWatermarks,
} from '../protocol/cluster-state';

/**
 * Everything the collector reads from one Kafka cluster. The kafkajs implementation is
 * the production edge; tests drive the collector through fakes of this interface.
 */
export interface ClusterSource {
  listGroups(): Promise<GroupListing[]>;
  /** Batched per group coordinator. */
  describeGroups(groups: readonly string[]): Promise<GroupDescription[]>;
  /** Committed offsets of one group, on every partition it committed to. */
  fetchCommittedOffsets(group: string): Promise<CommittedOffset[]>;
  /** Batched per partition leader. Unknown topics are left out of the result. */
  fetchWatermarks(topics: readonly string[]): Promise<PartitionWatermarks[]>;
  /**
   * Timestamps (ms) of the records at the given offsets, batched per leader, keyed by
   * partitionKey(); each partition appears at most once. A missing entry means the record
   * could not be read (deleted by retention, or not yet written).
   */
  fetchRecordTimestamps(positions: readonly PartitionOffset[]): Promise<Map<string, number>>;
  close(): Promise<void>;
}
