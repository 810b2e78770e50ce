import { type ProducerStreamId } from '../propagation/streamops-headers';

/** Where a partition tracker reports what it finds; counts are in messages. */
export interface ReliabilitySink {
  redelivered(count: number): void;
  lost(count: number): void;
  duplicated(count: number): void;
  unverified(count: number): void;
}

/** Most producer streams remembered per partition; the oldest is forgotten first. */
export const MAX_STREAMS_PER_PARTITION = 64;
/** Most open gaps remembered per stream; the oldest is given up first. */
export const MAX_GAPS_PER_STREAM = 32;

/** A run of sequence numbers not seen (yet) in a stream. */
interface Gap {
  from: number;
  to: number;
  /** Record timestamp from which the gap counts as lost; Infinity when it can never be verified. */
  confirmAtMs: number;
  /** Already counted (as lost or unverified): a late arrival only closes it. */
  counted: boolean;
}

/** What a consumer knows about one producer's sequence on one partition. */
class StreamState {
  lowest: number;
  highest: number;
  /** The partition's discontinuity count when this stream's last record was seen. */
  discontinuitiesAtLast: number;
  /** Set when a later epoch of the same producer instance has been seen. */
  retired: boolean;
  readonly gaps: Gap[] = [];

  constructor(sequence: number, discontinuities: number, retired: boolean) {
    this.lowest = sequence;
    this.highest = sequence;
    this.discontinuitiesAtLast = discontinuities;
    this.retired = retired;
  }
}

function gapSize(gap: Gap): number {
  return gap.to - gap.from + 1;
}

/**
 * Loss, duplicate and redelivery detection for one topic-partition of one consumer
 * group, from offsets and the streamops sequence headers. The rules, chosen so that
 * restarts, rebalances and multiple producers give no false positives:
 *
 * - An offset at or below the highest one already delivered is a **redelivery**; its
 *   sequence is not checked again.
 * - Offsets that jump (compaction, transaction markers, aborted records, a consumer
 *   starting elsewhere) make the partition discontinuous. A sequence gap that spans a
 *   discontinuity may be explained by it, so it is counted as **unverified**, not lost.
 * - Each producer id (instance and epoch) is its own sequence; a new one starts at
 *   whatever number is first seen. When a later epoch of an instance shows up, the
 *   producer had a failed send, and open gaps of its earlier epochs become unverified.
 * - A sequence number missing between contiguous offsets is an open gap. It is counted
 *   **lost** once a record of the partition at least `lossConfirmationMs` newer (by
 *   record timestamp) arrives and the number has not turned up; a number that turns up
 *   late (a kafkajs retry landing after later sends) just closes it.
 * - A number seen again at a new offset is a **duplicate**.
 */
export class PartitionTracker {
  private highestOffset = -1;
  private discontinuities = 0;
  private readonly streams = new Map<string, StreamState>();
  private readonly latestEpochs = new Map<string, number>();
  /** Open gaps that may still be confirmed as lost. */
  private confirmableGaps = 0;
  private earliestConfirmAtMs = Infinity;

  constructor(private readonly lossConfirmationMs: number) {}

  /**
   * Records one delivered message. `offset` and `recordTimestampMs` come from the record;
   * `producer` and `sequence` from its headers (undefined and -1 when absent).
   * Returns true when the message is a redelivery.
   */
  observe(
    offset: number,
    recordTimestampMs: number,
    producer: ProducerStreamId | undefined,
    sequence: number,
    sink: ReliabilitySink,
  ): boolean {
    if (this.highestOffset >= 0 && offset <= this.highestOffset) {
      sink.redelivered(1);
      return true;
    }
    if (this.highestOffset >= 0 && offset > this.highestOffset + 1) this.discontinuities++;
    this.highestOffset = offset;

    if (producer !== undefined && sequence >= 0)
      this.observeSequence(recordTimestampMs, producer, sequence, sink);
    if (this.confirmableGaps > 0 && recordTimestampMs >= this.earliestConfirmAtMs) {
      this.confirmGaps(recordTimestampMs, sink);
    }
    return false;
  }

  /**
   * Forgets everything: the consumer seeked, so offsets and sequences start afresh and
   * re-read offsets are not redeliveries. Open gaps are given up without being counted.
   */
  reset(): void {
    this.highestOffset = -1;
    this.streams.clear();
    this.latestEpochs.clear();
    this.confirmableGaps = 0;
    this.earliestConfirmAtMs = Infinity;
  }

  private observeSequence(
    timestampMs: number,
    producer: ProducerStreamId,
    sequence: number,
    sink: ReliabilitySink,
  ) {
    const retired = this.noteEpoch(producer, sink);
    const stream = this.streams.get(producer.text);
    if (stream === undefined) {
      this.remember(producer.text, new StreamState(sequence, this.discontinuities, retired), sink);
      return;
    }
    if (retired) stream.retired = true;

    if (sequence > stream.highest + 1) {
      const verifiable = !stream.retired && stream.discontinuitiesAtLast === this.discontinuities;
      const gap: Gap = {
        from: stream.highest + 1,
        to: sequence - 1,
        confirmAtMs: verifiable ? timestampMs + this.lossConfirmationMs : Infinity,
        counted: !verifiable,
      };
      if (verifiable) {
        this.confirmableGaps++;
        if (gap.confirmAtMs < this.earliestConfirmAtMs) this.earliestConfirmAtMs = gap.confirmAtMs;
      } else sink.unverified(gapSize(gap));
      this.addGap(stream, gap, sink);
      stream.highest = sequence;
    } else if (sequence === stream.highest + 1) {
      stream.highest = sequence;
    } else if (sequence < stream.lowest) {
      // Written before the first record this consumer saw of the stream, and landed after it.
      // What lies between is unknown, not missing: remember it silently so that it can arrive too.
      if (sequence + 1 < stream.lowest) {
        this.addGap(
          stream,
          { from: sequence + 1, to: stream.lowest - 1, confirmAtMs: Infinity, counted: true },
          sink,
        );
      }
      stream.lowest = sequence;
    } else if (!this.fillGap(stream, sequence)) {
      sink.duplicated(1);
    }
    stream.discontinuitiesAtLast = this.discontinuities;
  }

  /** Tracks the latest epoch per instance; returns true when `producer` is an outdated epoch. */
  private noteEpoch(producer: ProducerStreamId, sink: ReliabilitySink): boolean {
    const latest = this.latestEpochs.get(producer.instance);
    if (latest !== undefined && producer.epoch < latest) return true;
    if (latest === undefined || producer.epoch > latest) {
      this.latestEpochs.set(producer.instance, producer.epoch);
      if (latest !== undefined) this.retireEarlierEpochs(producer.instance, sink);
    }
    return false;
  }

  private retireEarlierEpochs(instance: string, sink: ReliabilitySink): void {
    const prefix = `${instance}.`;
    for (const [text, stream] of this.streams) {
      if (!text.startsWith(prefix) || stream.retired) continue;
      stream.retired = true;
      for (const gap of stream.gaps) this.giveUp(gap, sink);
    }
  }

  private remember(text: string, stream: StreamState, sink: ReliabilitySink): void {
    this.streams.set(text, stream);
    if (this.streams.size <= MAX_STREAMS_PER_PARTITION) return;
    const [oldestText, oldest] = this.streams.entries().next().value as [string, StreamState];
    for (const gap of oldest.gaps) this.giveUp(gap, sink);
    this.streams.delete(oldestText);
  }

  private addGap(stream: StreamState, gap: Gap, sink: ReliabilitySink): void {
    stream.gaps.push(gap);
    if (stream.gaps.length > MAX_GAPS_PER_STREAM) {
      const oldest = stream.gaps.shift()!;
      this.giveUp(oldest, sink);
    }
  }

  /** Stops waiting for a gap; counts it as unverified if it was not counted yet. */
  private giveUp(gap: Gap, sink: ReliabilitySink): void {
    if (gap.counted) return;
    gap.counted = true;
    this.confirmableGaps--;
    sink.unverified(gapSize(gap));
  }

  /** Closes `sequence` in an open gap; false when no gap holds it. */
  private fillGap(stream: StreamState, sequence: number): boolean {
    const gaps = stream.gaps;
    for (let index = 0; index < gaps.length; index++) {
      const gap = gaps[index]!;
      if (sequence < gap.from || sequence > gap.to) continue;
      if (gap.from === gap.to) {
        gaps.splice(index, 1);
        if (!gap.counted) this.confirmableGaps--;
      } else if (sequence === gap.from) gap.from++;
      else if (sequence === gap.to) gap.to--;
      else {
        const upper: Gap = { ...gap, from: sequence + 1 };
        gap.to = sequence - 1;
        gaps.splice(index + 1, 0, upper);
        if (!gap.counted) this.confirmableGaps++;
      }
      return true;
    }
    return false;
  }

  private confirmGaps(timestampMs: number, sink: ReliabilitySink): void {
    let earliest = Infinity;
    for (const stream of this.streams.values()) {
      for (const gap of stream.gaps) {
        if (gap.counted) continue;
        if (gap.confirmAtMs <= timestampMs) {
          gap.counted = true;
          this.confirmableGaps--;
          sink.lost(gapSize(gap));
        } else if (gap.confirmAtMs < earliest) earliest = gap.confirmAtMs;
      }
    }
    this.earliestConfirmAtMs = earliest;
  }
}

/**
 * Trackers of every consumer group in this process, by group, topic and partition.
 * Process-wide on purpose: redeliveries after a rebalance or a consumer restart are
 * seen because the next consumer of the group finds what the previous one delivered.
 */
export class ReliabilityTrackers {
  private readonly groups = new Map<string, Map<string, PartitionTracker[]>>();

  partition(group: string, topic: string, partition: number, lossConfirmationMs: number): PartitionTracker {
    let topics = this.groups.get(group);
    if (topics === undefined) {
      topics = new Map();
      this.groups.set(group, topics);
    }
    let partitions = topics.get(topic);
    if (partitions === undefined) {
      partitions = [];
      topics.set(topic, partitions);
    }
    let tracker = partitions[partition];
    if (tracker === undefined) {
      tracker = new PartitionTracker(lossConfirmationMs);
      partitions[partition] = tracker;
    }
    return tracker;
  }
}

/** The trackers shared by every consumer instrumented in this process. */
export const processReliabilityTrackers = new ReliabilityTrackers();
