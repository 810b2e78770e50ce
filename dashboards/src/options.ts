/**
 * Thresholds and objectives shared by the dashboards (threshold lines, burn-rate
 * denominators) and the rules, so that both always say the same thing. The committed
 * files are generated with {@link defaultOptions}; `generate()` takes others.
 */

/** A per-group time-lag threshold, recorded as `streamops:consumergroup_lag_seconds:threshold_override`. */
export interface GroupThresholdOverride {
  /** Exact consumer group name. */
  readonly group: string;
  readonly seconds: number;
}

/** A service-level objective over a share of messages. */
export interface Objective {
  /** Share of messages that must be good, e.g. 0.999. */
  readonly target: number;
}

export interface StreamopsRuleOptions {
  /** Time lag above which a group alerts, unless overridden for the group. */
  readonly timeLagThresholdSeconds: number;
  readonly timeLagThresholdOverrides: readonly GroupThresholdOverride[];
  /** Lag growth and time-to-drain alerts ignore lags younger than this (a busy, healthy consumer always has some). */
  readonly minimumTimeLagSeconds: number;
  /** Time to drain above which a lagging topic alerts. */
  readonly timeToDrainSeconds: number;
  /** Retention risk ratio (partition lag ÷ records held) above which unread records are about to be deleted. */
  readonly retentionRiskRatio: number;
  /** Dead-letter ratio above which a pipeline alerts. */
  readonly deadLetterRatio: number;
  /** Age of the last successful collection cycle above which the collector counts as stale. */
  readonly collectorStaleSeconds: number;
  /** Messages processed without error. */
  readonly errorObjective: Objective;
  /** Messages consumed within `latencyThresholdSeconds` of entering the pipeline. */
  readonly latencyObjective: Objective;
  /** Must be a bucket bound of `streamops_consumer_record_age_seconds`. */
  readonly latencyThresholdSeconds: number;
  /** Where docs/runbooks.md is served; alerts link to `<base>#<anchor>`. */
  readonly runbookBaseUrl: string;
}

export const defaultOptions: StreamopsRuleOptions = {
  timeLagThresholdSeconds: 300,
  timeLagThresholdOverrides: [],
  minimumTimeLagSeconds: 60,
  timeToDrainSeconds: 900,
  retentionRiskRatio: 0.8,
  deadLetterRatio: 0.01,
  collectorStaleSeconds: 300,
  errorObjective: { target: 0.999 },
  latencyObjective: { target: 0.99 },
  latencyThresholdSeconds: 30,
  runbookBaseUrl: 'https://github.com/streamops/streamops/blob/main/docs/runbooks.md',
};

/** Error budget of an objective: the share of messages allowed to be bad. */
export function errorBudget(objective: Objective): number {
  return Number((1 - objective.target).toPrecision(12));
}
