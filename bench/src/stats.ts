/** Small statistics helpers for benchmark results: summaries, percentiles and least-squares fits. */

/** Minimum, median and maximum of repeated measurements. */
export interface Summary {
  readonly min: number;
  readonly median: number;
  readonly max: number;
  /** Number of measurements summarised. */
  readonly count: number;
}

/** Sorts a copy in ascending order. */
function sorted(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/**
 * The `p`-th percentile (0..100) with linear interpolation between closest ranks.
 * NaN for an empty input, so a missing measurement never looks like a zero.
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const ordered = sorted(values);
  const rank = (Math.min(100, Math.max(0, p)) / 100) * (ordered.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  const lowValue = ordered[low]!;
  return lowValue + (ordered[high]! - lowValue) * (rank - low);
}

/** Min, median and max; every field is NaN for an empty input. */
export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) return { min: Number.NaN, median: Number.NaN, max: Number.NaN, count: 0 };
  const ordered = sorted(values);
  return {
    min: ordered[0]!,
    median: percentile(ordered, 50),
    max: ordered[ordered.length - 1]!,
    count: ordered.length,
  };
}

/**
 * Element-wise combination of two series measured side by side (same round, same index),
 * e.g. the ratio of a variant to the baseline in each round.
 */
export function paired(
  variant: readonly number[],
  baseline: readonly number[],
  combine: (variant: number, baseline: number) => number,
): number[] {
  if (variant.length !== baseline.length) {
    throw new Error(`paired series differ in length: ${variant.length} vs ${baseline.length}`);
  }
  return variant.map((value, index) => combine(value, baseline[index]!));
}

/** A least-squares fit y ≈ coefficients · x. */
export interface LinearFit {
  /** One coefficient per feature, in the order the features were given. */
  readonly coefficients: number[];
  /** Coefficient of determination; 1 is a perfect fit. NaN when y does not vary. */
  readonly rSquared: number;
}

/**
 * Ordinary least squares over rows of features (include a constant 1 feature for an
 * intercept). Solves the normal equations by Gaussian elimination with partial pivoting;
 * fine for the handful of features and points a benchmark has.
 *
 * @throws when there are fewer rows than features or the features are collinear.
 */
export function leastSquares(rows: readonly { x: readonly number[]; y: number }[]): LinearFit {
  const width = rows[0]?.x.length ?? 0;
  if (width === 0 || rows.length < width) {
    throw new Error(`a fit of ${width} features needs at least ${width} points, got ${rows.length}`);
  }
  // Scale each feature to unit max so that counts in the thousands and a constant 1
  // do not make the system badly conditioned.
  const scale = Array.from({ length: width }, (_, j) =>
    Math.max(...rows.map((row) => Math.abs(row.x[j]!)), Number.MIN_VALUE),
  );
  const matrix = Array.from({ length: width }, () => new Array<number>(width + 1).fill(0));
  for (const { x, y } of rows) {
    for (let i = 0; i < width; i++) {
      const xi = x[i]! / scale[i]!;
      for (let j = 0; j < width; j++) matrix[i]![j]! += xi * (x[j]! / scale[j]!);
      matrix[i]![width]! += xi * y;
    }
  }
  for (let column = 0; column < width; column++) {
    let pivot = column;
    for (let row = column + 1; row < width; row++) {
      if (Math.abs(matrix[row]![column]!) > Math.abs(matrix[pivot]![column]!)) pivot = row;
    }
    if (Math.abs(matrix[pivot]![column]!) < 1e-12) throw new Error('features are collinear: no unique fit');
    [matrix[column], matrix[pivot]] = [matrix[pivot]!, matrix[column]!];
    for (let row = 0; row < width; row++) {
      if (row === column) continue;
      const factor = matrix[row]![column]! / matrix[column]![column]!;
      for (let k = column; k <= width; k++) matrix[row]![k]! -= factor * matrix[column]![k]!;
    }
  }
  const coefficients = matrix.map((row, index) => row[width]! / row[index]! / scale[index]!);

  const mean = rows.reduce((sum, row) => sum + row.y, 0) / rows.length;
  let residual = 0;
  let total = 0;
  for (const { x, y } of rows) {
    const predicted = x.reduce((sum, value, index) => sum + value * coefficients[index]!, 0);
    residual += (y - predicted) ** 2;
    total += (y - mean) ** 2;
  }
  return { coefficients, rSquared: total === 0 ? Number.NaN : 1 - residual / total };
}
