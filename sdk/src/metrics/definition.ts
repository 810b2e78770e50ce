/** Prometheus metric types used by streamops. */
export type MetricType = 'counter' | 'gauge' | 'histogram';

/**
 * One entry of a metrics catalogue: the single definition of a metric's name, type,
 * unit, labels and help text. Code registers metrics from these entries, docs/METRICS.md
 * is generated from them, and dashboards and alert rules are checked against them.
 */
export interface MetricDefinition {
  /** Full Prometheus name, including the `_total` suffix for counters and the unit suffix. */
  readonly name: string;
  readonly type: MetricType;
  /** Base unit, in Prometheus terms: `seconds`, `bytes`, `messages`, `ratio`, or `1` for plain counts. */
  readonly unit: string;
  /** Label names, in the order they are documented. */
  readonly labels: readonly string[];
  /** Labels that are dropped unless the user opts in, because of their cardinality. */
  readonly optionalLabels?: readonly string[];
  readonly help: string;
  /** Histogram bucket upper bounds, in the metric's unit. */
  readonly buckets?: readonly number[];
  /** Which component emits it, for the generated documentation. */
  readonly component: string;
}

const metricNamePattern = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelNamePattern = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Checks a catalogue for the mistakes a reviewer would otherwise have to catch: bad
 * names, duplicate names, counters without `_total`, histograms without buckets,
 * duplicate labels. Returns the problems found (empty when the catalogue is sound).
 */
export function catalogueProblems(definitions: readonly MetricDefinition[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const definition of definitions) {
    const { name } = definition;
    if (!metricNamePattern.test(name)) problems.push(`${name}: not a valid Prometheus metric name`);
    if (seen.has(name)) problems.push(`${name}: defined more than once`);
    seen.add(name);
    if (definition.type === 'counter' && !name.endsWith('_total')) {
      problems.push(`${name}: counter names end with _total`);
    }
    if (definition.type !== 'counter' && name.endsWith('_total')) {
      problems.push(`${name}: only counters end with _total`);
    }
    if (definition.type === 'histogram' && (definition.buckets?.length ?? 0) === 0) {
      problems.push(`${name}: histogram without buckets`);
    }
    if (definition.help.trim() === '') problems.push(`${name}: empty help text`);
    const allLabels = [...definition.labels, ...(definition.optionalLabels ?? [])];
    if (new Set(allLabels).size !== allLabels.length) problems.push(`${name}: repeated label`);
    for (const label of allLabels) {
      if (!labelNamePattern.test(label) || label.startsWith('__')) {
        problems.push(`${name}: invalid label name ${label}`);
      }
    }
  }
  return problems;
}
