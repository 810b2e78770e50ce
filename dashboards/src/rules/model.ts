/**
 * Prometheus rules as typed data. Every alert carries its own promtool test cases, so
 * that an alert cannot be added without a series that fires it, one that must not, and
 * one at the edge of its threshold.
 */

/** A Prometheus duration such as `5m` or `1h`. */
export type Duration = `${number}${'s' | 'm' | 'h' | 'd'}`;

export type Severity = 'critical' | 'warning';

/** One input series of a promtool test: a selector and promtool's expanding notation (`0+10x30`). */
export interface InputSeries {
  readonly series: string;
  readonly values: string;
}

/** An alert expected at the evaluation time, with its full labels and annotations. */
export interface ExpectedAlert {
  /** Labels besides alertname and severity. */
  readonly labels: Readonly<Record<string, string>>;
  readonly summary: string;
  readonly description: string;
}

/** One promtool case: input series, a time, and the alerts expected then (none: must not fire). */
export interface AlertCase {
  readonly name: string;
  readonly series: readonly InputSeries[];
  readonly evalTime: Duration;
  readonly expect: readonly ExpectedAlert[];
  /** The case sits at the edge: the threshold value itself, or just before `for` elapses. */
  readonly edge?: boolean;
}

export interface AlertRule {
  readonly kind: 'alert';
  readonly alert: string;
  readonly expr: string;
  readonly for: Duration;
  readonly severity: Severity;
  /** Go template over `$labels` and `$value`. */
  readonly summary: string;
  /** Go template; must show the live value (`$value`). */
  readonly description: string;
  /** Anchor of the alert's section in docs/runbooks.md. */
  readonly runbook: string;
  readonly cases: readonly AlertCase[];
}

/** A recording rule; `labels` are added to its output (used for threshold overrides). */
export interface RecordingRule {
  readonly kind: 'record';
  readonly record: string;
  readonly expr: string;
  readonly labels?: Readonly<Record<string, string>>;
}

/** A promtool check of a recorded series' value. */
export interface RecordingCase {
  readonly name: string;
  readonly series: readonly InputSeries[];
  readonly evalTime: Duration;
  readonly expr: string;
  /** Expected samples: labels (as a selector string) and value. */
  readonly expect: readonly { readonly labels: string; readonly value: number }[];
}

export type Rule = AlertRule | RecordingRule;

/** A rule group, written to `dashboards/rules/<file>.rules.yaml`. */
export interface RuleGroup {
  readonly name: string;
  /** File name without extension; several groups may share one file. */
  readonly file: string;
  readonly interval?: Duration;
  readonly rules: readonly Rule[];
  /** Checks of the group's recording rules. */
  readonly recordingCases?: readonly RecordingCase[];
}

/** Helper for alert definitions. */
export function alert(definition: Omit<AlertRule, 'kind'>): AlertRule {
  return { kind: 'alert', ...definition };
}

/** Helper for recording rule definitions. */
export function record(name: string, expr: string, labels?: Readonly<Record<string, string>>): RecordingRule {
  return labels ? { kind: 'record', record: name, expr, labels } : { kind: 'record', record: name, expr };
}

/** Multi-line PromQL from a template literal: trims the common indentation. */
export function promql(strings: TemplateStringsArray, ...values: unknown[]): string {
  const text = strings.reduce(
    (result, part, index) => result + part + (index < values.length ? String(values[index]) : ''),
    '',
  );
  const lines = text.replace(/^\n/, '').replace(/\s+$/, '').split('\n');
  const indent = Math.min(
    ...lines.filter((line) => line.trim() !== '').map((line) => line.length - line.trimStart().length),
  );
  return lines.map((line) => line.slice(indent)).join('\n');
}
