/**
 * The reported metrics the pipeline view reads, by the SDK's names (sdk/src/metrics/catalogue.ts).
 *
 * OpenTelemetry senders name instruments differently from Prometheus (dots, no `_total`,
 * the unit outside the name), so names are compared in a normal form: lower case, `.`,
 * `-` and `/` as `_`, and without a trailing `_total`. `streamops.stage.messages`,
 * `streamops_stage_messages` and `streamops_stage_messages_total` are the same signal.
 */

/** The normal form of a metric name (see the module comment). */
export function normaliseMetricName(name: string): string {
  const lower = name.toLowerCase().replace(/[./-]/g, '_');
  return lower.endsWith('_total') ? lower.slice(0, -'_total'.length) : lower;
}

/** Signals of the pipeline model, each with the normalised names it is reported under. */
export const pipelineSignals = {
  /** Counter by `outcome` (success, retried, error, dead_lettered, filtered), per processor stage. */
  stageMessages: ['streamops_stage_messages'],
  /** Counter of seconds a stage was busy (overlaps counted once), per stage. */
  stageBusySeconds: ['streamops_stage_busy_seconds', 'streamops_stage_busy'],
  /** Counter of consumed messages by `group` and `topic`. */
  consumerMessages: ['streamops_consumer_messages'],
  /** Counter of handler calls that threw, by `group`, `topic` and `error_type`. */
  consumerHandlerErrors: ['streamops_consumer_handler_errors'],
  /** Counter of acknowledged produced messages by `topic`. */
  producerMessages: ['streamops_producer_messages'],
  /** Histogram of record age at consumption (end-to-end latency), seconds. */
  recordAge: ['streamops_consumer_record_age_seconds', 'streamops_consumer_record_age'],
  /** Counter of redelivered messages. */
  redelivered: ['streamops_consumer_redelivered_messages'],
  /** Counter of messages lost from a producer sequence. */
  lost: ['streamops_consumer_lost_messages'],
  /** Counter of duplicated messages. */
  duplicated: ['streamops_consumer_duplicate_messages'],
} as const satisfies Record<string, readonly string[]>;

/** Name of one signal in {@link pipelineSignals}. */
export type PipelineSignal = keyof typeof pipelineSignals;

const signalByName = new Map<string, PipelineSignal>();
for (const [signal, names] of Object.entries(pipelineSignals) as [PipelineSignal, readonly string[]][]) {
  for (const name of names) signalByName.set(name, signal);
}

/** The signal a reported metric name stands for, or null. */
export function signalOf(metricName: string): PipelineSignal | null {
  return signalByName.get(normaliseMetricName(metricName)) ?? null;
}

/**
 * The instance store's default filter: only streamops metrics are kept, so an
 * application that also exports hundreds of runtime metrics cannot push the ones the
 * model needs out of its series budget.
 */
export function isStreamopsMetric(metricName: string): boolean {
  return normaliseMetricName(metricName).startsWith('streamops_');
}

/** Stage outcomes as the SDK names them. */
export const stageOutcomeNames = {
  success: 'success',
  retried: 'retried',
  error: 'error',
  deadLettered: 'dead_lettered',
  filtered: 'filtered',
} as const;
