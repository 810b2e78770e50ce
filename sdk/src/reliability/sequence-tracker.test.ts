import { type ProducerStreamId } from '../propagation/streamops-headers';
import {
  MAX_GAPS_PER_STREAM,
  MAX_STREAMS_PER_PARTITION,
  PartitionTracker,
  ReliabilityTrackers,
  type ReliabilitySink,
} from './sequence-tracker';

class Counts implements ReliabilitySink {
  totals = { redelivered: 0, lost: 0, duplicated: 0, unverified: 0 };
  redelivered(count: number) {
    this.totals.redelivered += count;
  }
  lost(count: number) {
    this.totals.lost += count;
  }
  duplicated(count: number) {
    this.totals.duplicated += count;
  }
  unverified(count: number) {
    this.totals.unverified += count;
  }
}

function producer(instance: string, epoch = 0): ProducerStreamId {
  return { text: `${instance}.${epoch}`, instance, epoch };
}

/** Feeds records given as [offset, producer, sequence, timestampMs?]. */
function feed(
  tracker: PartitionTracker,
  counts: Counts,
  records: [number, ProducerStreamId | undefined, number, number?][],
): boolean[] {
  return records.map(([offset, from, sequence, timestamp]) =>
    tracker.observe(offset, timestamp ?? 1000 + offset, from, sequence, counts),
  );
}

const none = { redelivered: 0, lost: 0, duplicated: 0, unverified: 0 };
const a = producer('aaaa');
const b = producer('bbbb');

describe('PartitionTracker', () => {
  let counts: Counts;
  beforeEach(() => {
    counts = new Counts();
  });

  it('counts nothing on a gap-free sequence', () => {
    feed(new PartitionTracker(0), counts, [
      [0, a, 0],
      [1, a, 1],
      [2, a, 2],
    ]);
    expect(counts.totals).toEqual(none);
  });

  it('counts a gap between contiguous offsets as lost once confirmed', () => {
    feed(new PartitionTracker(0), counts, [
      [0, a, 0],
      [1, a, 1],
      [2, a, 4],
      [3, a, 5],
    ]);
    expect(counts.totals).toEqual({ ...none, lost: 2 });
  });

  it('waits for the confirmation window, and a late arrival closes the gap', () => {
    const tracker = new PartitionTracker(1000);
    feed(tracker, counts, [
      [0, a, 0, 10_000],
      [1, a, 3, 10_010],
      [2, a, 1, 10_500],
      [3, a, 4, 10_900],
    ]);
    expect(counts.totals).toEqual(none);
    feed(tracker, counts, [[4, a, 5, 11_010]]);
    expect(counts.totals).toEqual({ ...none, lost: 1 });
    feed(tracker, counts, [[5, a, 2, 11_020]]);
    expect(counts.totals).toEqual({ ...none, lost: 1 });
  });

  it('counts a sequence seen again at a new offset as a duplicate', () => {
    feed(new PartitionTracker(0), counts, [
      [0, a, 0],
      [1, a, 1],
      [2, a, 0],
      [3, a, 1],
      [4, a, 2],
    ]);
    expect(counts.totals).toEqual({ ...none, duplicated: 2 });
  });

  it('counts offsets delivered again as redeliveries, not duplicates', () => {
    const redelivered = feed(new PartitionTracker(0), counts, [
      [0, a, 0],
      [1, a, 1],
      [2, a, 2],
      [1, a, 1],
      [2, a, 2],
      [3, a, 3],
    ]);
    expect(redelivered).toEqual([false, false, false, true, true, false]);
    expect(counts.totals).toEqual({ ...none, redelivered: 2 });
  });

  it('treats a producer restart (new instance) and interleaved producers as separate sequences', () => {
    feed(new PartitionTracker(0), counts, [
      [0, a, 7],
      [1, b, 0],
      [2, a, 8],
      [3, b, 1],
      [4, producer('cccc'), 0],
      [5, b, 2],
      [6, producer('cccc'), 1],
    ]);
    expect(counts.totals).toEqual(none);
  });

  it('does not count gaps across missing offsets (compaction, markers) as lost', () => {
    feed(new PartitionTracker(0), counts, [
      [0, a, 0],
      [1, a, 1],
      [5, a, 5],
      [6, a, 6],
    ]);
    expect(counts.totals).toEqual({ ...none, unverified: 3 });
  });

  it('gives up open gaps of an epoch once the next epoch of the producer shows up', () => {
    const tracker = new PartitionTracker(60_000);
    feed(tracker, counts, [
      [0, a, 0],
      [1, a, 1],
      [2, a, 3],
      [3, producer('aaaa', 1), 0],
      [4, a, 4],
      [5, a, 6],
      [6, producer('aaaa', 1), 1],
    ]);
    expect(counts.totals).toEqual({ ...none, unverified: 2 });
    // Long after: nothing is confirmed as lost.
    feed(tracker, counts, [[7, producer('aaaa', 1), 2, 1_000_000]]);
    expect(counts.totals).toEqual({ ...none, unverified: 2 });
  });

  it('accepts numbers written before the first one seen, landing late', () => {
    feed(new PartitionTracker(0), counts, [
      [0, a, 5],
      [1, a, 3],
      [2, a, 4],
      [3, a, 6],
    ]);
    expect(counts.totals).toEqual(none);
  });

  it('forgets everything on reset, so re-read offsets are neither redeliveries nor duplicates', () => {
    const tracker = new PartitionTracker(0);
    feed(tracker, counts, [
      [0, a, 0],
      [1, a, 1],
      [2, a, 2],
    ]);
    tracker.reset();
    feed(tracker, counts, [
      [0, a, 0],
      [1, a, 1],
    ]);
    expect(counts.totals).toEqual(none);
  });

  it('ignores messages without sequence headers, but still tracks their offsets', () => {
    feed(new PartitionTracker(0), counts, [
      [0, undefined, -1],
      [1, a, 0],
      [2, undefined, -1],
      [2, undefined, -1],
    ]);
    expect(counts.totals).toEqual({ ...none, redelivered: 1 });
  });

  it('bounds the streams and gaps it remembers, giving up their open gaps', () => {
    const tracker = new PartitionTracker(1_000_000);
    let offset = 0;
    feed(tracker, counts, [
      [offset++, a, 0],
      [offset++, a, 2],
    ]);
    for (let index = 0; index < MAX_STREAMS_PER_PARTITION; index++) {
      feed(tracker, counts, [[offset++, producer(`p${index}`), 0]]);
    }
    expect(counts.totals).toEqual({ ...none, unverified: 1 });

    const c = producer('cccc');
    feed(tracker, counts, [[offset++, c, 0]]);
    for (let index = 1; index <= MAX_GAPS_PER_STREAM + 1; index++)
      feed(tracker, counts, [[offset++, c, index * 2]]);
    expect(counts.totals).toEqual({ ...none, unverified: 2 });
  });
});

describe('ReliabilityTrackers', () => {
  it('keeps one tracker per group, topic and partition', () => {
    const trackers = new ReliabilityTrackers();
    const tracker = trackers.partition('g', 't', 3, 0);
    expect(trackers.partition('g', 't', 3, 0)).toBe(tracker);
    expect(trackers.partition('g', 't', 2, 0)).not.toBe(tracker);
    expect(trackers.partition('h', 't', 3, 0)).not.toBe(tracker);
  });
});
