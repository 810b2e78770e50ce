import { type MetricDefinition } from './definition';

const component = 'sdk';

const producerLabels = ['pipeline', 'stage', 'topic'] as const;
const consumerLabels = ['pipeline', 'stage', 'group', 'topic'] as const;
const groupLabels = ['pipeline', 'stage', 'group'] as const;
const stageLabels = ['pipeline', 'stage'] as const;
const partition = ['partition'] as const;

/** Buckets for operation durations: 100 µs to 10 s. */
export const durationBuckets = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
] as const;

/** Buckets for record age: 1 ms to 1 h, because a lagging consumer sees hour-old records. */
export const recordAgeBuckets = [
  0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600,
] as const;

/**
 * Every metric the SDK exports, defined once. Code registers metrics from these entries
 * (metrics/registry.ts) and docs/METRICS.md is generated from them.
 */
export const sdkMetrics = {
  producerMessages: {
    name: 'streamops_producer_messages_total',
    type: 'counter',
    unit: 'messages',
    labels: producerLabels,
    help: 'Messages acknowledged by Kafka after a send or sendBatch call.',
    component,
  },
  producerBytes: {
    name: 'streamops_producer_bytes_total',
    type: 'counter',
    unit: 'bytes',
    labels: producerLabels,
    help: 'Key and value bytes of acknowledged messages (headers are not counted).',
    component,
  },
  producerSendDuration: {
    name: 'streamops_producer_send_duration_seconds',
    type: 'histogram',
    unit: 'seconds',
    labels: producerLabels,
    help: 'Duration of send and sendBatch calls, from the call to the acknowledgement or the failure, retries included.',
    buckets: durationBuckets,
    component,
  },
  producerErrors: {
    name: 'streamops_producer_errors_total',
    type: 'counter',
    unit: '1',
    labels: [...producerLabels, 'error_type'],
    help: 'Failed send and sendBatch calls, by error class name (error.type on spans).',
    component,
  },
  producerRetries: {
    name: 'streamops_producer_retries_total',
    type: 'counter',
    unit: '1',
    labels: producerLabels,
    help: 'Send attempts repeated by kafkajs after a retriable error (seen for producers created through instrument(kafka)).',
    component,
  },
  consumerMessages: {
    name: 'streamops_consumer_messages_total',
    type: 'counter',
    unit: 'messages',
    labels: consumerLabels,
    optionalLabels: partition,
    help: 'Messages handed to eachMessage or eachBatch.',
    component,
  },
  consumerBytes: {
    name: 'streamops_consumer_bytes_total',
    type: 'counter',
    unit: 'bytes',
    labels: consumerLabels,
    optionalLabels: partition,
    help: 'Key and value bytes of consumed messages (headers are not counted).',
    component,
  },
  consumerRecordAge: {
    name: 'streamops_consumer_record_age_seconds',
    type: 'histogram',
    unit: 'seconds',
    labels: consumerLabels,
    help: 'End-to-end latency: time of consumption minus the streamops-origin-ts header, or minus the record timestamp when the header is absent.',
    buckets: recordAgeBuckets,
    component,
  },
  consumerProcessDuration: {
    name: 'streamops_consumer_process_duration_seconds',
    type: 'histogram',
    unit: 'seconds',
    labels: consumerLabels,
    help: 'Handler time per message. Under eachBatch a message ends when its offset is resolved and starts when the previous one ended.',
    buckets: durationBuckets,
    component,
  },
  consumerHandlerErrors: {
    name: 'streamops_consumer_handler_errors_total',
    type: 'counter',
    unit: '1',
    labels: [...consumerLabels, 'error_type'],
    help: 'eachMessage or eachBatch calls that threw, by error class name. The error reaches kafkajs unchanged.',
    component,
  },
  consumerCommitDuration: {
    name: 'streamops_consumer_commit_duration_seconds',
    type: 'histogram',
    unit: 'seconds',
    labels: groupLabels,
    help: 'Round trip of OffsetCommit requests, automatic and manual.',
    buckets: durationBuckets,
    component,
  },
  consumerCommitFailures: {
    name: 'streamops_consumer_commit_failures_total',
    type: 'counter',
    unit: '1',
    labels: groupLabels,
    help: 'OffsetCommit requests that timed out or were answered with an error.',
    component,
  },
  consumerRebalances: {
    name: 'streamops_consumer_rebalances_total',
    type: 'counter',
    unit: '1',
    labels: groupLabels,
    help: 'Group joins completed by this consumer; each one ends a rebalance, the first join included.',
    component,
  },
  consumerPartitionsAssigned: {
    name: 'streamops_consumer_partitions_assigned_total',
    type: 'counter',
    unit: '1',
    labels: consumerLabels,
    help: 'Partitions newly assigned to this consumer by a rebalance.',
    component,
  },
  consumerPartitionsRevoked: {
    name: 'streamops_consumer_partitions_revoked_total',
    type: 'counter',
    unit: '1',
    labels: consumerLabels,
    help: 'Partitions taken from this consumer by a rebalance.',
    component,
  },
  consumerAssignedPartitions: {
    name: 'streamops_consumer_assigned_partitions',
    type: 'gauge',
    unit: '1',
    labels: consumerLabels,
    help: 'Partitions currently assigned to this consumer.',
    component,
  },
  consumerLag: {
    name: 'streamops_consumer_lag_messages',
    type: 'gauge',
    unit: 'messages',
    labels: consumerLabels,
    optionalLabels: partition,
    help: 'Client-side lag: batch high watermark minus the offset after the last message of the batch, summed over the assigned partitions of the topic.',
    component,
  },
  consumerRedeliveries: {
    name: 'streamops_consumer_redelivered_messages_total',
    type: 'counter',
    unit: 'messages',
    labels: consumerLabels,
    optionalLabels: partition,
    help: 'Messages at an offset this group had already delivered in this process (after an error, a rebalance or a consumer restart).',
    component,
  },
  consumerLostMessages: {
    name: 'streamops_consumer_lost_messages_total',
    type: 'counter',
    unit: 'messages',
    labels: consumerLabels,
    optionalLabels: partition,
    help: 'Messages missing from a producer sequence while the offsets around them are contiguous, still missing after the loss confirmation window.',
    component,
  },
  consumerDuplicateMessages: {
    name: 'streamops_consumer_duplicate_messages_total',
    type: 'counter',
    unit: 'messages',
    labels: consumerLabels,
    optionalLabels: partition,
    help: 'Messages whose producer sequence number was already seen at another offset.',
    component,
  },
  consumerUnverifiedGaps: {
    name: 'streamops_consumer_unverified_sequence_gaps_total',
    type: 'counter',
    unit: 'messages',
    labels: consumerLabels,
    optionalLabels: partition,
    help: 'Sequence numbers missing where loss cannot be told apart from compaction, a seek, an aborted transaction or a failed send; not counted as lost.',
    component,
  },
  consumerIgnoredHeaders: {
    name: 'streamops_consumer_ignored_headers_total',
    type: 'counter',
    unit: '1',
    labels: [...consumerLabels, 'reason'],
    help: 'streamops or trace-context headers ignored on consumed messages: malformed values, repeated headers, or a sequence without its producer id.',
    component,
  },
  consumerCrashes: {
    name: 'streamops_consumer_crashes_total',
    type: 'counter',
    unit: '1',
    labels: [...groupLabels, 'error_type'],
    help: 'kafkajs consumer crashes, by error class name; kafkajs restarts the consumer after retriable ones.',
    component,
  },
  stageMessages: {
    name: 'streamops_stage_messages_total',
    type: 'counter',
    unit: 'messages',
    labels: [...stageLabels, 'outcome'],
    help: 'Messages through a processor stage by outcome: success, retried (succeeded after a retry), error, dead_lettered or filtered.',
    component,
  },
  stageDuration: {
    name: 'streamops_stage_duration_seconds',
    type: 'histogram',
    unit: 'seconds',
    labels: stageLabels,
    help: 'Time a message spent in a processor stage, retries and backoff included.',
    buckets: durationBuckets,
    component,
  },
  stageRetries: {
    name: 'streamops_stage_retries_total',
    type: 'counter',
    unit: '1',
    labels: stageLabels,
    help: 'Handler attempts repeated after an error or a timeout.',
    component,
  },
  stageBusy: {
    name: 'streamops_stage_busy_seconds_total',
    type: 'counter',
    unit: 'seconds',
    labels: stageLabels,
    help: 'Wall time during which the stage was handling at least one message. Its rate is the utilisation; processed messages over busy seconds is the service rate.',
    component,
  },
  instrumentationErrors: {
    name: 'streamops_sdk_instrumentation_errors_total',
    type: 'counter',
    unit: '1',
    labels: ['operation'],
    help: 'Failures inside the SDK itself (never in user code), caught so that the pipeline goes on.',
    component,
  },
  reporterExports: {
    name: 'streamops_sdk_reporter_exports_total',
    type: 'counter',
    unit: '1',
    labels: ['outcome'],
    help: 'Reports sent to the streamops agent by outcome: success, or failed (agent unreachable, timeout, or an HTTP error).',
    component,
  },
  reporterDropped: {
    name: 'streamops_sdk_reporter_dropped_total',
    type: 'counter',
    unit: '1',
    labels: ['reason'],
    help: 'Reports given up without reaching the agent: superseded by a newer report while the agent was unreachable (reports are cumulative, so the newer one carries their counts), or rejected by the agent.',
    component,
  },
  labelOverflow: {
    name: 'streamops_sdk_label_overflow_total',
    type: 'counter',
    unit: '1',
    labels: ['label'],
    help: 'Label values replaced by "_other" because the label already had the maximum number of distinct values.',
    component,
  },
} as const satisfies Record<string, MetricDefinition>;

/** Key of one SDK metric in {@link sdkMetrics}. */
export type SdkMetricKey = keyof typeof sdkMetrics;

/** Every SDK metric, in documentation order. */
export const sdkMetricCatalogue: readonly MetricDefinition[] = Object.values(sdkMetrics);
