import {
  addHistograms,
  emptyHistogram,
  histogramQuantile,
  rebucket,
  subtractHistograms,
  unionBounds,
  type HistogramData,
} from './histogram';

function histogram(bounds: number[], counts: number[], sum: number | null = 0): HistogramData {
  return { bounds, counts, count: counts.reduce((total, count) => total + count, 0), sum };
}

describe('unionBounds', () => {
  it('merges sorted bounds without repeats', () => {
    expect(unionBounds([1, 2, 5], [2, 3, 10])).toEqual([1, 2, 3, 5, 10]);
    expect(unionBounds([], [1])).toEqual([1]);
    expect(unionBounds([1], [])).toEqual([1]);
    expect(unionBounds([], [])).toEqual([]);
    expect(unionBounds([-1, 0], [-2, 0])).toEqual([-2, -1, 0]);
  });
});

describe('rebucket', () => {
  it('is exact onto a finer layout that contains the source bounds', () => {
    expect(rebucket(histogram([1, 5], [2, 3, 4]), [1, 2, 5, 10])).toEqual([2, 0, 3, 0, 4]);
  });

  it('moves observations up to the next target bound on a coarser layout', () => {
    expect(rebucket(histogram([1, 2, 5], [1, 2, 3, 4]), [2, 10])).toEqual([3, 3, 4]);
    // Source bucket (1, 3] has no target bound at 3: it goes to (2, 10], never below.
    expect(rebucket(histogram([1, 3], [1, 1, 1]), [2])).toEqual([1, 2]);
  });

  it('gives zeros for a histogram without buckets', () => {
    expect(rebucket({ bounds: [], counts: [], count: 9, sum: 1 }, [1, 2])).toEqual([0, 0, 0]);
  });
});

describe('addHistograms', () => {
  it('adds equal layouts bucket by bucket, with counts and sums', () => {
    expect(addHistograms(histogram([1, 2], [1, 2, 3], 4), histogram([1, 2], [10, 0, 1], 6), 256)).toEqual({
      bounds: [1, 2],
      counts: [11, 2, 4],
      count: 17,
      sum: 10,
    });
  });

  it('merges different layouts on their union', () => {
    expect(addHistograms(histogram([1, 5], [1, 1, 1]), histogram([2, 5], [2, 2, 2]), 256)).toEqual({
      bounds: [1, 2, 5],
      counts: [1, 2, 3, 3],
      count: 9,
      sum: 0,
    });
  });

  it('keeps the first layout when the union would exceed the bucket cap', () => {
    const merged = addHistograms(histogram([1, 5], [1, 1, 1]), histogram([2, 5], [2, 2, 2]), 3);
    expect(merged.bounds).toEqual([1, 5]);
    // (−∞, 2] and (2, 5] of the second both land in (1, 5] of the first.
    expect(merged.counts).toEqual([1, 5, 3]);
  });

  it('treats a histogram without buckets as contributing count and sum only', () => {
    expect(addHistograms(emptyHistogram, histogram([1], [1, 1], 3), 256)).toEqual({
      bounds: [1],
      counts: [1, 1],
      count: 2,
      sum: 3,
    });
    expect(
      addHistograms(histogram([1], [1, 1], 3), { bounds: [], counts: [], count: 5, sum: 2 }, 256),
    ).toEqual({
      bounds: [1],
      counts: [1, 1],
      count: 7,
      sum: 5,
    });
  });

  it('makes the sum unknown when one side does not know it', () => {
    expect(addHistograms(histogram([1], [1, 1], null), histogram([1], [1, 1], 2), 256).sum).toBeNull();
  });
});

describe('subtractHistograms', () => {
  it('gives what was observed between two readings', () => {
    expect(subtractHistograms(histogram([1, 2], [5, 5, 5], 30), histogram([1, 2], [1, 2, 3], 10))).toEqual({
      bounds: [1, 2],
      counts: [4, 3, 2],
      count: 9,
      sum: 20,
    });
  });

  it('works across a layout that grew by union', () => {
    const earlier = histogram([5], [1, 1]);
    const later = histogram([1, 5], [1, 2, 3]);
    expect(subtractHistograms(later, earlier)?.counts).toEqual([1, 1, 2]);
  });

  it('is null when a count or a bucket went down', () => {
    expect(subtractHistograms(histogram([1], [1, 1]), histogram([1], [2, 2]))).toBeNull();
    expect(subtractHistograms(histogram([1], [0, 5]), histogram([1], [1, 1]))).toBeNull();
    expect(
      subtractHistograms({ bounds: [], counts: [], count: 3, sum: 0 }, histogram([1], [1, 1])),
    ).toBeNull();
  });

  it('handles bucketless readings and unknown sums', () => {
    expect(
      subtractHistograms(
        { bounds: [], counts: [], count: 5, sum: null },
        { bounds: [], counts: [], count: 2, sum: 1 },
      ),
    ).toEqual({
      bounds: [],
      counts: [],
      count: 3,
      sum: null,
    });
  });
});

describe('histogramQuantile', () => {
  const latency = histogram([0.1, 0.5, 1], [50, 30, 15, 5]);

  it('interpolates within the bucket that holds the quantile', () => {
    expect(histogramQuantile(latency, 0.5)).toBeCloseTo(0.1, 12);
    expect(histogramQuantile(latency, 0.25)).toBeCloseTo(0.05, 12);
    expect(histogramQuantile(latency, 0.65)).toBeCloseTo(0.1 + 0.4 * (15 / 30), 12);
    expect(histogramQuantile(latency, 0.9)).toBeCloseTo(0.5 + 0.5 * (10 / 15), 12);
  });

  it('answers the highest finite bound for a quantile in the +Inf bucket', () => {
    expect(histogramQuantile(latency, 0.99)).toBe(1);
    expect(histogramQuantile(latency, 1)).toBe(1);
  });

  it('starts the first bucket at 0, or at its bound when that is negative', () => {
    expect(histogramQuantile(histogram([10], [4, 0]), 0.5)).toBeCloseTo(5, 12);
    expect(histogramQuantile(histogram([-1, 10], [4, 0, 0]), 0.5)).toBe(-1);
  });

  it('skips empty buckets', () => {
    expect(histogramQuantile(histogram([1, 2, 3], [0, 0, 10, 0]), 0)).toBe(2);
    expect(histogramQuantile(histogram([1, 2, 3], [0, 0, 10, 0]), 0.5)).toBeCloseTo(2.5, 12);
  });

  it('is null without bucketed observations', () => {
    expect(histogramQuantile(emptyHistogram, 0.5)).toBeNull();
    expect(histogramQuantile(histogram([1], [0, 0]), 0.5)).toBeNull();
    expect(histogramQuantile({ bounds: [], counts: [3], count: 3, sum: 1 }, 0.5)).toBeNull();
  });

  it('rejects a quantile outside [0, 1]', () => {
    expect(() => histogramQuantile(latency, 1.5)).toThrow('quantile must be between 0 and 1, got 1.5');
    expect(() => histogramQuantile(latency, Number.NaN)).toThrow(/quantile/);
  });
});
