/**
 * Small PromQL helpers shared by the dashboards and the rules, so that every query is
 * scoped the same way.
 */

/** Label matchers rendered inside `{}`. */
export type Matchers = readonly string[];

/** `metric{matcher, ...}`; a bare name when there is no matcher. */
export function selector(metric: string, matchers: Matchers = []): string {
  return matchers.length === 0 ? metric : `${metric}{${matchers.join(', ')}}`;
}

/**
 * The dashboards' scope: `cluster` and `namespace` from template variables whose All
 * value is `.*`, which also matches a series without the label. Queries therefore work
 * whether or not the series carry a `namespace` (a Prometheus Operator target label) or
 * a `cluster` (pipeline series only have one when the scrape adds it).
 */
export const dashboardScope: Matchers = ['cluster=~"$cluster"', 'namespace=~"$namespace"'];

/**
 * The dashboards' scope plus the engine and pipeline variables. The SDK's own series (scraped
 * from kafkajs apps) carry no `engine` label; the engine variable's All (`.*`) matches them.
 */
export const pipelineScope: Matchers = [...dashboardScope, 'engine=~"$engine"', 'pipeline=~"$pipeline"'];

/** The dashboards' scope plus the group variable. */
export const groupScope: Matchers = [...dashboardScope, 'group=~"$group"'];

/** Labels every rule keeps in its `by` clauses (`namespace` is empty when absent). */
export const ruleScope = ['cluster', 'namespace'] as const;

/** `by (cluster, namespace, ...labels)`. */
export function byScope(...labels: readonly string[]): string {
  return `by (${[...ruleScope, ...labels].join(', ')})`;
}

/** `on (cluster, namespace, ...labels)`. */
export function onScope(...labels: readonly string[]): string {
  return `on (${[...ruleScope, ...labels].join(', ')})`;
}

/** Escapes a literal for use inside a PromQL regular-expression matcher (RE2, in a double-quoted string). */
export function regexLiteral(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, (character) => `\\\\${character}`);
}

/**
 * A matcher for a histogram bucket bound that holds for both spellings Prometheus stores:
 * the client's (`le="30"`) and the normalised float (`le="30.0"`, Prometheus 3).
 */
export function bucketMatcher(upperBound: number): string {
  const text = String(upperBound);
  return Number.isInteger(upperBound)
    ? `le=~"${regexLiteral(text)}(\\\\.0)?"`
    : `le=~"${regexLiteral(text)}"`;
}
