// Just enough of the Prometheus text format to summarise a /metrics page.

/** One sample line: `name{labels} value`. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const sampleLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const labelPair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses the sample lines of a text-format scrape; comments and blank lines are skipped. */
export function parsePrometheusText(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = sampleLine.exec(line);
    if (match === null || line.startsWith('#')) continue;
    const labels: Record<string, string> = {};
    for (const [, name, value] of (match[2] ?? '').matchAll(labelPair)) {
      if (name !== undefined && value !== undefined) labels[name] = value.replace(/\\(.)/g, '$1');
    }
    samples.push({ name: match[1] ?? '', labels, value: Number(match[3]) });
  }
  return samples;
}

/** Samples of `name` whose labels include `labels`. */
export function samplesOf(
  samples: readonly Sample[],
  name: string,
  labels: Record<string, string> = {},
): Sample[] {
  return samples.filter(
    (sample) =>
      sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
}

/** Sum of the samples of `name` whose labels include `labels`; undefined when there are none. */
export function sumOf(
  samples: readonly Sample[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const matching = samplesOf(samples, name, labels);
  return matching.length === 0 ? undefined : matching.reduce((total, sample) => total + sample.value, 0);
}

/**
 * The `quantile` of histogram `name` over all its series, interpolated linearly inside the
 * bucket it falls in, as PromQL's histogram_quantile does; undefined without observations.
 */
export function histogramQuantile(
  samples: readonly Sample[],
  name: string,
  quantile: number,
): number | undefined {
  const countByBound = new Map<number, number>();
  for (const bucket of samplesOf(samples, `${name}_bucket`)) {
    const bound = bucket.labels.le === '+Inf' ? Infinity : Number(bucket.labels.le);
    countByBound.set(bound, (countByBound.get(bound) ?? 0) + bucket.value);
  }
  const buckets = [...countByBound].sort(([a], [b]) => a - b);
  const total = buckets.at(-1)?.[1] ?? 0;
  if (total === 0) return undefined;
  const rank = quantile * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [bound, count] of buckets) {
    if (count >= rank) {
      if (bound === Infinity) return lowerBound;
      return lowerBound + ((bound - lowerBound) * (rank - lowerCount)) / Math.max(count - lowerCount, 1);
    }
    lowerBound = bound;
    lowerCount = count;
  }
  return lowerBound;
}
