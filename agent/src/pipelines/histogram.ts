/**
 * Explicit-bucket histograms as the pipeline view keeps them: merged across instances,
 * accumulated over time, subtracted to get a window, and read as quantiles.
 */

/** A cumulative (or windowed) explicit-bucket histogram. */
export interface HistogramData {
  /** Strictly increasing finite upper bounds. */
  readonly bounds: readonly number[];
  /** bounds.length + 1 counts (the last is the +Inf bucket); empty when no buckets are known. */
  readonly counts: readonly number[];
  /** Observations; can exceed the bucket total when some senders sent no buckets. */
  readonly count: number;
  /** Sum of the observations; null when a contributor did not send it. */
  readonly sum: number | null;
}

/** A histogram with no observations and no layout. */
export const emptyHistogram: HistogramData = { bounds: [], counts: [], count: 0, sum: 0 };

function sameBounds(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false;
  return true;
}

/** Sorted union of two sorted bound lists. */
export function unionBounds(a: readonly number[], b: readonly number[]): number[] {
  const union: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const next =
      j >= b.length || (i < a.length && (a[i] ?? 0) <= (b[j] ?? 0)) ? (a[i++] ?? 0) : (b[j++] ?? 0);
    if (union.length === 0 || union[union.length - 1] !== next) union.push(next);
  }
  return union;
}

/**
 * The counts of `histogram` laid out on `targetBounds`: each source bucket goes to the
 * target bucket with the smallest upper bound at or above its own. Exact when the target
 * bounds include the source bounds (a union layout); otherwise observations move up to
 * the next target bound, so quantiles can only be overestimated, never underestimated.
 */
export function rebucket(histogram: HistogramData, targetBounds: readonly number[]): number[] {
  const counts = new Array<number>(targetBounds.length + 1).fill(0);
  if (histogram.counts.length === 0) return counts;
  let target = 0;
  histogram.counts.forEach((count, index) => {
    const upper = index < histogram.bounds.length ? (histogram.bounds[index] ?? 0) : Number.POSITIVE_INFINITY;
    while (target < targetBounds.length && (targetBounds[target] ?? 0) < upper) target++;
    counts[target] = (counts[target] ?? 0) + count;
  });
  return counts;
}

function addSums(a: number | null, b: number | null): number | null {
  return a === null || b === null ? null : a + b;
}

/**
 * The sum of two histograms. Equal layouts add bucket by bucket; different ones are
 * merged on the union of their bounds, or, when that would exceed `maxBuckets` counts,
 * on the layout of `a` (see {@link rebucket}).
 */
export function addHistograms(a: HistogramData, b: HistogramData, maxBuckets: number): HistogramData {
  const count = a.count + b.count;
  const sum = addSums(a.sum, b.sum);
  if (b.counts.length === 0) return { bounds: a.bounds, counts: a.counts, count, sum };
  if (a.counts.length === 0) return { bounds: b.bounds, counts: b.counts, count, sum };
  if (sameBounds(a.bounds, b.bounds)) {
    return {
      bounds: a.bounds,
      counts: a.counts.map((value, index) => value + (b.counts[index] ?? 0)),
      count,
      sum,
    };
  }
  const union = unionBounds(a.bounds, b.bounds);
  const bounds = union.length + 1 <= maxBuckets ? union : a.bounds;
  const left = rebucket(a, bounds);
  const right = rebucket(b, bounds);
  return { bounds, counts: left.map((value, index) => value + (right[index] ?? 0)), count, sum };
}

/**
 * What was observed between two cumulative readings: `later − earlier`, on the layout
 * of `later`. Null when anything went down (a reset, or the readings do not belong
 * together), since a window cannot hold negative observations.
 */
export function subtractHistograms(later: HistogramData, earlier: HistogramData): HistogramData | null {
  const count = later.count - earlier.count;
  if (count < 0) return null;
  const sum = later.sum === null || earlier.sum === null ? null : later.sum - earlier.sum;
  if (later.counts.length === 0)
    return earlier.counts.length === 0 ? { bounds: [], counts: [], count, sum } : null;
  const before = sameBounds(later.bounds, earlier.bounds) ? earlier.counts : rebucket(earlier, later.bounds);
  const counts: number[] = [];
  for (let index = 0; index < later.counts.length; index++) {
    const difference = (later.counts[index] ?? 0) - (before[index] ?? 0);
    if (difference < 0) return null;
    counts.push(difference);
  }
  return { bounds: later.bounds, counts, count, sum };
}

/**
 * The q-quantile (0 ≤ q ≤ 1) estimated from the buckets, interpolating linearly within
 * the bucket that holds it, as Prometheus' histogram_quantile does: the first bucket
 * starts at 0 when its bound is positive, and a quantile in the +Inf bucket is the
 * highest finite bound. Null without bucketed observations.
 *
 * @throws RangeError when q is outside [0, 1].
 */
export function histogramQuantile(histogram: HistogramData, q: number): number | null {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be between 0 and 1, got ${q}`);
  let total = 0;
  for (const count of histogram.counts) total += count;
  if (total <= 0) return null;
  const rank = q * total;
  let cumulative = 0;
  for (let index = 0; index < histogram.counts.length; index++) {
    const inBucket = histogram.counts[index] ?? 0;
    if (inBucket > 0 && cumulative + inBucket >= rank) {
      if (index === histogram.bounds.length) {
        return histogram.bounds.length === 0 ? null : (histogram.bounds[histogram.bounds.length - 1] ?? null);
      }
      const upper = histogram.bounds[index] ?? 0;
      const lower = index === 0 ? Math.min(0, upper) : (histogram.bounds[index - 1] ?? 0);
      return lower + ((upper - lower) * (rank - cumulative)) / inBucket;
    }
    cumulative += inBucket;
  }
  return histogram.bounds.length === 0 ? null : (histogram.bounds[histogram.bounds.length - 1] ?? null);
}
