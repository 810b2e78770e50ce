import {
  partitionKey,
  type CommitLogRead,
  type CommittedOffset,
  type GroupDescription,
  type PartitionOffset,
  type PartitionWatermarks,
  type SharePartitionOffset,
} from '../protocol/cluster-state';
import { type ClusterSource } from './cluster-source';
import { mapWithConcurrency } from './concurrency';
import { isCollectedGroup } from './group-mapping';

/** A group with committed offsets (classic, consumer or streams) and those offsets, as read in one cycle. */
export interface ObservedGroup {
  readonly description: GroupDescription;
  readonly commits: readonly CommittedOffset[];
}

/**
 * A share group and its share-partition offsets. Share groups acknowledge records one by
 * one and commit no offsets, so they are kept apart from groups whose lag is measured
 * from commits.
 */
export interface ObservedShareGroup {
  readonly description: GroupDescription;
  readonly offsets: readonly SharePartitionOffset[];
}

/** Everything read from one cluster in one collection cycle. */
export interface ClusterObservation {
  readonly observedAtMs: number;
  /**
   * When the watermarks' answers had all arrived: every log end was measured by then, so the
   * log end at this time is at least the one read (the lower bound lag at commit relies on).
   * Defaults to `observedAtMs`, which is later.
   */
  readonly watermarksAtMs?: number;
  readonly groups: readonly ObservedGroup[];
  readonly shareGroups: readonly ObservedShareGroup[];
  readonly watermarks: readonly PartitionWatermarks[];
  /**
   * Timestamp (ms) of the record each lagging group waits on, keyed by {@link recordKey} of
   * max(committed offset, log start offset).
   */
  readonly recordTimestamps: ReadonlyMap<string, number>;
  /**
   * Commits read from `__consumer_offsets` this cycle, for the groups and topics collected;
   * null when the source cannot read them (the store then evaluates polled offsets).
   */
  readonly commitLog: CommitLogRead | null;
}

/** Settings of one collection cycle. */
export interface CollectCycleOptions {
  readonly includeGroup: (group: string) => boolean;
  readonly includeTopic: (topic: string) => boolean;
  readonly concurrency: number;
  readonly nowMs: () => number;
  /**
   * Where commits come from (`collection.commitSource`): `polling` never reads
   * `__consumer_offsets`; `auto` and `offsets-topic` read it when the source can. Default auto.
   */
  readonly commitSource?: CommitSourceSetting;
}

/** The `collection.commitSource` setting. */
export type CommitSourceSetting = 'auto' | 'offsets-topic' | 'polling';

/**
 * Reads the commit log, filtered to the collected groups and topics. Its failure is no
 * cycle's failure: it comes back as `available: false` with the reason.
 */
async function readCommitLog(
  source: ClusterSource,
  options: CollectCycleOptions,
): Promise<CommitLogRead | null> {
  if (options.commitSource === 'polling' || !source.readCommitLog) return null;
  let read: CommitLogRead;
  try {
    read = await source.readCommitLog();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { available: false, reason: `reading __consumer_offsets failed: ${reason}` };
  }
  if (!read.available) return read;
  return {
    available: true,
    events: read.events.filter(
      (event) => options.includeGroup(event.group) && options.includeTopic(event.topic),
    ),
    backlogRecords: read.backlogRecords,
  };
}

/** Key of the record at an offset; records are immutable, so timestamps are cached by it. */
export function recordKey(topic: string, partition: number, offset: number): string {
  return `${partitionKey(topic, partition)}\u0000${offset}`;
}

/** Splits positions into rounds that name each partition once, as one Fetch request requires. */
export function roundsWithDistinctPartitions(positions: readonly PartitionOffset[]): PartitionOffset[][] {
  const rounds: PartitionOffset[][] = [];
  const roundKeys: Set<string>[] = [];
  for (const position of positions) {
    const key = partitionKey(position.topic, position.partition);
    let index = roundKeys.findIndex((keys) => !keys.has(key));
    if (index === -1) {
      index = rounds.length;
      rounds.push([]);
      roundKeys.push(new Set());
    }
    rounds[index]?.push(position);
    roundKeys[index]?.add(key);
  }
  return rounds;
}

/**
 * Reads one cluster: the commits written to `__consumer_offsets` since the last cycle (when
 * the source reads them), groups of every collected type, their descriptions and commits (of
 * share groups: their share-partition offsets), the watermarks of every committed
 * partition, and the timestamps of the records at committed offsets where the group is
 * behind. Timestamps come from `timestampCache` when the offset was read
 * before; the cache is pruned to what this cycle used. Any failure rejects the cycle, so
 * a snapshot is always whole; only the commit log's is reported in the observation instead.
 */
export async function collectCycle(
  source: ClusterSource,
  options: CollectCycleOptions,
  timestampCache: Map<string, number>,
): Promise<ClusterObservation> {
  // First: every commit read here happened before the offsets and watermarks read below.
  const commitLog = await readCommitLog(source, options);
  const listed = await source.listGroups();
  const collected = listed
    .filter((listing) => isCollectedGroup(listing) && options.includeGroup(listing.group))
    .sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
  const descriptions = (await source.describeGroups(collected)).filter(
    (description) => description.state !== 'Dead',
  );
  const committing = descriptions.filter((description) => description.groupType !== 'share');
  const sharing = descriptions.filter((description) => description.groupType === 'share');
  const commitLists = await mapWithConcurrency(committing, options.concurrency, (description) =>
    source.fetchCommittedOffsets(description.group),
  );
  const groups: ObservedGroup[] = committing.map((description, index) => ({
    description,
    commits: (commitLists[index] ?? []).filter((commit) => options.includeTopic(commit.topic)),
  }));
  const fetchShareOffsets = source.fetchShareGroupOffsets?.bind(source);
  const shareOffsetLists = await mapWithConcurrency(sharing, options.concurrency, (description) =>
    fetchShareOffsets ? fetchShareOffsets(description.group) : Promise.resolve([]),
  );
  const shareGroups: ObservedShareGroup[] = sharing.map((description, index) => ({
    description,
    offsets: (shareOffsetLists[index] ?? []).filter((offset) => options.includeTopic(offset.topic)),
  }));

  const topics = new Set<string>();
  for (const group of groups) for (const commit of group.commits) topics.add(commit.topic);
  const watermarks = await source.fetchWatermarks([...topics].sort());
  const watermarksAtMs = options.nowMs();
  const watermarkByPartition = new Map(
    watermarks.map((mark) => [partitionKey(mark.topic, mark.partition), mark]),
  );

  const wanted = new Map<string, PartitionOffset>();
  for (const group of groups) {
    for (const { topic, partition, offset } of group.commits) {
      const mark = watermarkByPartition.get(partitionKey(topic, partition));
      if (offset === null || mark === undefined || offset >= mark.logEndOffset) continue;
      // Behind the log start the oldest unread record that still exists is the first one.
      const readable = Math.max(offset, mark.logStartOffset);
      wanted.set(recordKey(topic, partition, readable), { topic, partition, offset: readable });
    }
  }
  const recordTimestamps = new Map<string, number>();
  const missing: PartitionOffset[] = [];
  for (const [key, position] of wanted) {
    const cached = timestampCache.get(key);
    if (cached === undefined) missing.push(position);
    else recordTimestamps.set(key, cached);
  }
  for (const round of roundsWithDistinctPartitions(missing)) {
    const fetched = await source.fetchRecordTimestamps(round);
    for (const { topic, partition, offset } of round) {
      const timestamp = fetched.get(partitionKey(topic, partition));
      // Kafka sends -1 for records without a timestamp (old message formats): unknown, not 1969.
      if (timestamp !== undefined && Number.isFinite(timestamp) && timestamp >= 0) {
        recordTimestamps.set(recordKey(topic, partition, offset), timestamp);
      }
    }
  }
  timestampCache.clear();
  for (const [key, timestamp] of recordTimestamps) timestampCache.set(key, timestamp);

  return {
    observedAtMs: options.nowMs(),
    watermarksAtMs,
    groups,
    shareGroups,
    watermarks,
    recordTimestamps,
    commitLog,
  };
}
