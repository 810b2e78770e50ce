/**
 * Reads the offset commits of every group, with the time each was taken, from
 * `__consumer_offsets`, as Burrow does. No group is joined: the reader keeps its own
 * position per partition and sends Fetch to each partition leader through kafkajs's
 * internal cluster, READ_COMMITTED, so commits of aborted transactions (TxnOffsetCommit)
 * never show, and control records are skipped. A byte cap bounds each read; what is left is
 * read on the next call, and counted as backlog meanwhile.
 */
import { type CommitEvent, type CommitLogRead } from '../protocol/cluster-state';
import { kafkaErrorTypes } from './connection-error';
import { decodeOffsetsTopicRecord } from './kafka-protocol/offsets-topic-codec';
import {
  type KafkajsBroker,
  type KafkajsCluster,
  type KafkajsFetchedPartition,
  type KafkajsFetchedRecord,
} from './kafkajs-internals';

export const OFFSETS_TOPIC = '__consumer_offsets';

const READ_COMMITTED = 1;
const EARLIEST_OFFSET = -2;
const LATEST_OFFSET = -1;
/** Kafka's control record type of an abort marker (the key is version int16, type int16). */
const ABORT_MARKER = 0;
const DEFAULT_MAX_BYTES_PER_READ = 16 * 1024 * 1024;
const DEFAULT_UNAVAILABLE_RETRY_MS = 5 * 60_000;
/**
 * A missing topic is asked again sooner than a refusal: on a new cluster it appears with the
 * first commit, and until then the agent would evaluate from polled offsets (one Metadata
 * request per try).
 */
const NOT_VISIBLE_RETRY_MS = 10_000;
const MAX_BYTES_PER_FETCH = 4 * 1024 * 1024;
const MAX_BYTES_PER_PARTITION = 1024 * 1024;
// The size of a record batch header, and a record's own framing, for the byte count.
const BATCH_OVERHEAD_BYTES = 61;
const RECORD_OVERHEAD_BYTES = 8;

/** Settings of an {@link OffsetsTopicReader}. */
export interface OffsetsTopicReaderOptions {
  /** The agent's clock; commit times are returned on it. */
  readonly nowMs: () => number;
  /** On the first read of a partition, start at the first commit at most this long ago. */
  readonly startBackMs: number;
  /** Bytes of records read at most per call (default 16 MiB); the rest is read on the next call. */
  readonly maxBytesPerRead?: number;
  /** After the topic turned out not readable, how long to answer that without asking again (default 5 min). */
  readonly unavailableRetryMs?: number;
  /** The wall clock the brokers stamp commits with; default Date.now. */
  readonly wallClockMs?: () => number;
}

/** Counts since the reader was made, for tests, benches and logs. */
export interface OffsetsTopicReadStats {
  /** Records fetched at or past the positions, before any filtering. */
  records: number;
  commits: number;
  tombstones: number;
  /** Records that are not offset commits (group metadata, KIP-848 and share group records). */
  otherRecords: number;
  /** Records that could not be decoded, or carried a negative offset; skipped. */
  invalidRecords: number;
  /** Records of aborted transactions (a TxnOffsetCommit rolled back); skipped. */
  abortedRecords: number;
  controlRecords: number;
  /** Commits by value version, e.g. {3: 120}. Versions above 4 were read with v4's layout. */
  valueVersions: Record<number, number>;
  /** Decoded record bytes (keys, values and framing), an estimate of what came over the wire. */
  bytes: number;
  fetchRequests: number;
  listOffsetsRequests: number;
  /** The last decoding error seen, for a log line. */
  lastInvalid: string | null;
}

function emptyStats(): OffsetsTopicReadStats {
  return {
    records: 0,
    commits: 0,
    tombstones: 0,
    otherRecords: 0,
    invalidRecords: 0,
    abortedRecords: 0,
    controlRecords: 0,
    valueVersions: {},
    bytes: 0,
    fetchRequests: 0,
    listOffsetsRequests: 0,
    lastInvalid: null,
  };
}

/**
 * Why the topic cannot be read, in one line naming what to grant, or null when the error is
 * not about access (a network error, a moved leader: try again next cycle).
 */
export function commitLogAccessProblem(error: unknown): string | null {
  const types = kafkaErrorTypes(error);
  const fallback = 'group status is evaluated from polled offsets instead';
  if (types.includes('TOPIC_AUTHORIZATION_FAILED')) {
    return `not authorised to read ${OFFSETS_TOPIC}: grant the agent's principal READ and DESCRIBE on topic ${OFFSETS_TOPIC} (a literal topic ACL); ${fallback}`;
  }
  if (types.includes('UNKNOWN_TOPIC_OR_PARTITION')) {
    return `${OFFSETS_TOPIC} is not visible (no group has committed yet, the principal lacks DESCRIBE on it, or a managed service hides internal topics): grant READ and DESCRIBE on topic ${OFFSETS_TOPIC}; ${fallback}`;
  }
  return null;
}

class TopicNotVisibleError extends Error {
  readonly type = 'UNKNOWN_TOPIC_OR_PARTITION';
}

function isOffsetOutOfRange(error: unknown): error is { partition: number } {
  const record = error as { name?: unknown; partition?: unknown } | null;
  return record?.name === 'KafkaJSOffsetOutOfRange' && typeof record.partition === 'number';
}

/** Whether a control record is an abort marker (its key: version int16, type int16). */
function isAbortMarker(record: KafkajsFetchedRecord): boolean {
  const key = record.key;
  return key !== null && key !== undefined && key.length >= 4 && key.readInt16BE(2) === ABORT_MARKER;
}

/**
 * The records of a fetched partition that a READ_COMMITTED consumer would see, in offset
 * order: those of aborted transactions and control records are left out, and counted.
 * Follows Kafka's consumer: a producer's transaction is aborted from the first offset the
 * broker lists until that producer's abort marker.
 */
export function committedRecords(
  partition: Pick<KafkajsFetchedPartition, 'abortedTransactions' | 'messages'>,
  stats: Pick<OffsetsTopicReadStats, 'abortedRecords' | 'controlRecords'>,
): KafkajsFetchedRecord[] {
  const aborted = [...(partition.abortedTransactions ?? [])].sort((a, b) =>
    Number(BigInt(a.firstOffset) - BigInt(b.firstOffset)),
  );
  const abortedProducers = new Set<string>();
  let next = 0;
  const kept: KafkajsFetchedRecord[] = [];
  for (const record of partition.messages) {
    const offset = Number(record.offset);
    while (next < aborted.length && Number(aborted[next]?.firstOffset) <= offset) {
      abortedProducers.add(aborted[next]?.producerId ?? '');
      next++;
    }
    const batch = record.batchContext;
    if (record.isControlRecord || batch?.isControlBatch) {
      stats.controlRecords++;
      if (batch && isAbortMarker(record)) abortedProducers.delete(batch.producerId);
      continue;
    }
    if (batch?.inTransaction && abortedProducers.has(batch.producerId)) {
      stats.abortedRecords++;
      continue;
    }
    kept.push(record);
  }
  return kept;
}

/**
 * Reads `__consumer_offsets` without joining a group. Each {@link read} returns the commits
 * written since the previous one; the first starts {@link OffsetsTopicReaderOptions.startBackMs}
 * back. A topic the principal may not read gives `available: false` with the reason, asked
 * again only every {@link OffsetsTopicReaderOptions.unavailableRetryMs}.
 */
export class OffsetsTopicReader {
  private readonly positions = new Map<number, number>();
  /** The last readable end (the last stable offset) seen per partition. */
  private readonly ends = new Map<number, number>();
  private readonly counts = emptyStats();
  private connected = false;
  private unavailable: { reason: string; retryAtMs: number } | null = null;
  private readonly maxBytesPerRead: number;
  private readonly unavailableRetryMs: number;
  private readonly wallClockMs: () => number;

  constructor(
    private readonly cluster: KafkajsCluster,
    private readonly options: OffsetsTopicReaderOptions,
  ) {
    this.maxBytesPerRead = options.maxBytesPerRead ?? DEFAULT_MAX_BYTES_PER_READ;
    this.unavailableRetryMs = options.unavailableRetryMs ?? DEFAULT_UNAVAILABLE_RETRY_MS;
    this.wallClockMs = options.wallClockMs ?? Date.now;
  }

  /** Counts since the reader was made. */
  stats(): Readonly<OffsetsTopicReadStats> {
    return { ...this.counts, valueVersions: { ...this.counts.valueVersions } };
  }

  /**
   * The commits since the last read. Rejects only on errors that say nothing about access
   * (the caller tries again next cycle, from the same positions).
   */
  async read(): Promise<CommitLogRead> {
    const now = this.options.nowMs();
    if (this.unavailable && now < this.unavailable.retryAtMs) {
      return { available: false, reason: this.unavailable.reason };
    }
    try {
      const read = await this.readOnce();
      this.unavailable = null;
      return read;
    } catch (error) {
      const reason = commitLogAccessProblem(error);
      if (reason === null) throw error;
      const notVisible = !kafkaErrorTypes(error).includes('TOPIC_AUTHORIZATION_FAILED');
      const retryMs = notVisible
        ? Math.min(NOT_VISIBLE_RETRY_MS, this.unavailableRetryMs)
        : this.unavailableRetryMs;
      this.unavailable = { reason, retryAtMs: now + retryMs };
      return { available: false, reason };
    }
  }

  async close(): Promise<void> {
    this.connected = false;
    await this.cluster.disconnect().catch(() => undefined);
  }

  private async readOnce(): Promise<CommitLogRead> {
    if (!this.connected) {
      await this.cluster.connect();
      this.connected = true;
    }
    // A no-op once the topic is tracked; after a refusal kafkajs dropped it, so it is asked again.
    await this.cluster.addMultipleTargetTopics([OFFSETS_TOPIC]);
    await this.cluster.refreshMetadataIfNecessary();
    const partitions = this.cluster.findTopicPartitionMetadata(OFFSETS_TOPIC).map((p) => p.partitionId);
    if (partitions.length === 0) throw new TopicNotVisibleError(`${OFFSETS_TOPIC} has no partitions`);
    const leaders = Object.entries(this.cluster.findLeaderForPartitions(OFFSETS_TOPIC, partitions));
    // Broker commit times to the agent's clock: 0 in production, the injected offset in tests.
    const clockOffsetMs = this.options.nowMs() - this.wallClockMs();
    const budget = Math.max(1, Math.floor(this.maxBytesPerRead / Math.max(1, leaders.length)));
    const results = await Promise.allSettled(
      leaders.map(([nodeId, leaderPartitions]) =>
        this.readLeader(nodeId, leaderPartitions, budget, clockOffsetMs),
      ),
    );
    const failures = results.filter((result) => result.status === 'rejected');
    if (failures.length > 0) {
      // A moved leader answers NOT_LEADER; the next read must ask the new one.
      await this.cluster.refreshMetadata().catch(() => undefined);
      const denied = failures.find((failure) => commitLogAccessProblem(failure.reason) !== null);
      if (denied) throw denied.reason;
      if (failures.length === results.length) throw failures[0]?.reason;
    }
    const events: CommitEvent[] = [];
    for (const result of results) if (result.status === 'fulfilled') events.push(...result.value);
    let backlogRecords = 0;
    for (const partition of partitions) {
      const position = this.positions.get(partition);
      const end = this.ends.get(partition);
      if (position !== undefined && end !== undefined) backlogRecords += Math.max(0, end - position);
    }
    return { available: true, events, backlogRecords };
  }

  private async listOffsets(broker: KafkajsBroker, partitions: readonly number[], timestamp: number) {
    this.counts.listOffsetsRequests++;
    const answer = await broker.listOffsets({
      isolationLevel: READ_COMMITTED,
      topics: [
        { topic: OFFSETS_TOPIC, partitions: partitions.map((partition) => ({ partition, timestamp })) },
      ],
    });
    const offsets = new Map<number, number>();
    for (const { topic, partitions: answered } of answer.responses) {
      if (topic !== OFFSETS_TOPIC) continue;
      for (const { partition, offset } of answered) offsets.set(partition, Number(offset));
    }
    return offsets;
  }

  /**
   * Where new partitions start: the first record stamped at or after now − startBackMs
   * (Kafka answers -1 when every record is older: then at the end). A broker that cannot look
   * up by time starts them at the earliest record.
   */
  private async startPositions(
    broker: KafkajsBroker,
    fresh: readonly number[],
    ends: ReadonlyMap<number, number>,
  ): Promise<void> {
    let since: Map<number, number>;
    try {
      since = await this.listOffsets(broker, fresh, this.wallClockMs() - this.options.startBackMs);
    } catch (error) {
      if (commitLogAccessProblem(error) !== null) throw error;
      since = await this.listOffsets(broker, fresh, EARLIEST_OFFSET);
    }
    for (const partition of fresh) {
      const start = since.get(partition) ?? -1;
      const position = start >= 0 ? start : (ends.get(partition) ?? -1);
      if (position >= 0) this.positions.set(partition, position);
    }
  }

  /** Reads one leader's partitions up to their ends, or until its share of the byte cap is spent. */
  private async readLeader(
    nodeId: string,
    partitions: readonly number[],
    budget: number,
    clockOffsetMs: number,
  ): Promise<CommitEvent[]> {
    const broker = await this.cluster.findBroker({ nodeId });
    const ends = await this.listOffsets(broker, partitions, LATEST_OFFSET);
    for (const [partition, end] of ends) if (end >= 0) this.ends.set(partition, end);
    const fresh = partitions.filter((partition) => !this.positions.has(partition));
    if (fresh.length > 0) await this.startPositions(broker, fresh, ends);
    const events = new Map<number, CommitEvent[]>();
    let left = budget;
    let behind = partitions.filter((partition) => this.behind(partition));
    while (behind.length > 0 && left > 0) {
      this.counts.fetchRequests++;
      let response: Awaited<ReturnType<KafkajsBroker['fetch']>>;
      try {
        response = await broker.fetch({
          isolationLevel: READ_COMMITTED,
          maxWaitTime: 0,
          minBytes: 0,
          maxBytes: Math.min(left, MAX_BYTES_PER_FETCH),
          topics: [
            {
              topic: OFFSETS_TOPIC,
              partitions: behind.map((partition) => ({
                partition,
                fetchOffset: String(this.positions.get(partition)),
                maxBytes: Math.min(left, MAX_BYTES_PER_PARTITION),
              })),
            },
          ],
        });
      } catch (error) {
        // Deleted records (DeleteRecords, or a partition replaced): start that partition again by time.
        if (!isOffsetOutOfRange(error)) throw error;
        this.positions.delete(error.partition);
        break;
      }
      let progressed = false;
      let anyRecords = false;
      const empty: number[] = [];
      for (const { topicName, partitions: fetched } of response.responses) {
        if (topicName !== OFFSETS_TOPIC) continue;
        for (const partition of fetched) {
          const before = this.positions.get(partition.partition);
          if (before === undefined || partition.errorCode !== 0) continue;
          if (partition.messages.length > 0) anyRecords = true;
          else empty.push(partition.partition);
          left -= this.consume(partition, before, clockOffsetMs, events);
          progressed ||= (this.positions.get(partition.partition) ?? before) > before;
        }
      }
      if (!anyRecords) {
        // The partitions answered without a record while records are due: only empty batches lie
        // ahead (compaction keeps their headers; kafkajs hands over no record of them). Those
        // skip to the readable end. A throttled answer names no partition, so it skips nothing.
        for (const partition of empty) {
          const end = this.ends.get(partition);
          if (end !== undefined && this.behind(partition)) this.positions.set(partition, end);
        }
        break;
      }
      if (!progressed) break;
      behind = behind.filter((partition) => this.behind(partition));
    }
    return [...events.values()].flat();
  }

  private behind(partition: number): boolean {
    const position = this.positions.get(partition);
    const end = this.ends.get(partition);
    return position !== undefined && end !== undefined && position < end;
  }

  /** Decodes a fetched partition from `from` on, moves its position, and returns the bytes read. */
  private consume(
    fetched: KafkajsFetchedPartition,
    from: number,
    clockOffsetMs: number,
    events: Map<number, CommitEvent[]>,
  ): number {
    // READ_COMMITTED reads up to the last stable offset; Fetch before v4 has only the high watermark.
    const lastStable = Number(fetched.lastStableOffset ?? -1);
    const end = lastStable >= 0 ? lastStable : Number(fetched.highWatermark ?? -1);
    if (end >= 0) this.ends.set(fetched.partition, end);
    // A fetch returns whole batches: records before the position were read already.
    const fresh = fetched.messages.filter((record) => Number(record.offset) >= from);
    if (fresh.length === 0) return 0;
    let bytes = 0;
    let next = from;
    const batches = new Set<string>();
    for (const record of fresh) {
      bytes += (record.key?.length ?? 0) + (record.value?.length ?? 0) + RECORD_OVERHEAD_BYTES;
      const batch = record.batchContext;
      if (batch) {
        batches.add(batch.firstOffset);
        // Past the batch's last offset, even when compaction removed its last records.
        next = Math.max(next, Number(batch.firstOffset) + batch.lastOffsetDelta + 1);
      }
      next = Math.max(next, Number(record.offset) + 1);
    }
    bytes += batches.size * BATCH_OVERHEAD_BYTES;
    this.counts.records += fresh.length;
    this.counts.bytes += bytes;
    this.positions.set(fetched.partition, next);
    const list = events.get(fetched.partition) ?? [];
    events.set(fetched.partition, list);
    for (const record of committedRecords({ ...fetched, messages: fresh }, this.counts)) {
      const decoded = decodeOffsetsTopicRecord(record.key ?? null, record.value ?? null);
      switch (decoded.kind) {
        case 'other':
          this.counts.otherRecords++;
          break;
        case 'invalid':
          this.counts.invalidRecords++;
          this.counts.lastInvalid = `offset ${record.offset} of partition ${fetched.partition}: ${decoded.error.message}`;
          break;
        case 'tombstone':
          this.counts.tombstones++;
          list.push({
            group: decoded.group,
            topic: decoded.topic,
            partition: decoded.partition,
            offset: null,
            commitTimeMs: Number(record.timestamp) + clockOffsetMs,
          });
          break;
        case 'commit':
          if (decoded.offset < 0) {
            this.counts.invalidRecords++;
            this.counts.lastInvalid = `offset ${record.offset} of partition ${fetched.partition}: negative committed offset ${decoded.offset}`;
            break;
          }
          this.counts.commits++;
          this.counts.valueVersions[decoded.valueVersion] =
            (this.counts.valueVersions[decoded.valueVersion] ?? 0) + 1;
          list.push({
            group: decoded.group,
            topic: decoded.topic,
            partition: decoded.partition,
            offset: decoded.offset,
            commitTimeMs: decoded.commitTimestampMs + clockOffsetMs,
          });
          break;
      }
    }
    return bytes;
  }
}
