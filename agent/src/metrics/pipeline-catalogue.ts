import { type MetricDefinition } from '@streamops/sdk';

const component = 'agent (pipelines)';
const engineComponent = 'agent (engines)';
const pipelineLabels = ['engine', 'pipeline'] as const;
const stageLabels = ['engine', 'pipeline', 'stage'] as const;
const endpointLabels = ['engine', 'endpoint'] as const;

/**
 * Every metric of the pipeline view: the throughput model R = D × P × C, stage capacity
 * and the reliability roll-ups, for every engine (`engine` is kafkajs, otel, flink or
 * storm; see pipelines/engine.ts). Labels are only `engine`, `pipeline` and `stage`, whose
 * values come from bounded sets (the instance store caps series; engines report their
 * jobs' operators), so cardinality stays bounded; never a host, member or subtask label.
 * Rates and ratios are over the model's window; a value the window cannot support (no
 * traffic, a counter that went down, no busy time) has no sample rather than a made-up one.
 */
export const pipelineMetrics = {
  arrivalRate: {
    name: 'streamops_pipeline_arrival_rate_messages_per_second',
    type: 'gauge',
    unit: 'messages per second',
    labels: pipelineLabels,
    help: "D: messages arriving in the input topics per second, from the growth of their log end offsets (Flink: the sources' output rate; Storm: the spouts' emitted rate).",
    component,
  },
  consumedRate: {
    name: 'streamops_pipeline_consumed_rate_messages_per_second',
    type: 'gauge',
    unit: 'messages per second',
    labels: pipelineLabels,
    help: 'Messages consumed from the input topics per second, over all instances.',
    component,
  },
  processingYield: {
    name: 'streamops_pipeline_processing_yield_ratio',
    type: 'gauge',
    unit: 'ratio',
    labels: pipelineLabels,
    help: 'P: messages that left processing successfully (not errored, dead-lettered or filtered) divided by messages consumed.',
    component,
  },
  filteredRatio: {
    name: 'streamops_pipeline_filtered_ratio',
    type: 'gauge',
    unit: 'ratio',
    labels: pipelineLabels,
    help: 'Messages filtered out by a stage divided by messages consumed (reported beside P, not in it).',
    component,
  },
  deliveryYield: {
    name: 'streamops_pipeline_delivery_yield_ratio',
    type: 'gauge',
    unit: 'ratio',
    labels: pipelineLabels,
    help: 'C: messages acknowledged on the output topics divided by messages processed; above 1 when a stage fans out.',
    component,
  },
  effectiveThroughput: {
    name: 'streamops_pipeline_effective_throughput_messages_per_second',
    type: 'gauge',
    unit: 'messages per second',
    labels: pipelineLabels,
    help: 'R = D × P × C: the delivered rate the model predicts in steady state.',
    component,
  },
  deliveredRate: {
    name: 'streamops_pipeline_delivered_rate_messages_per_second',
    type: 'gauge',
    unit: 'messages per second',
    labels: pipelineLabels,
    help: "Messages acknowledged on the output topics per second, measured (compare with R). Flink: the sinks' input rate; Storm: tuple trees acked at the spouts.",
    component,
  },
  modelMismatch: {
    name: 'streamops_pipeline_model_mismatch',
    type: 'gauge',
    unit: '1',
    labels: pipelineLabels,
    help: '1 when R and the measured delivered rate disagree beyond the tolerance: the pipeline is not in steady state (lag is building or draining); else 0.',
    component,
  },
  stageArrivalRate: {
    name: 'streamops_pipeline_stage_arrival_rate_messages_per_second',
    type: 'gauge',
    unit: 'messages per second',
    labels: stageLabels,
    help: 'Messages entering a stage per second, whatever their outcome.',
    component,
  },
  stageServiceRate: {
    name: 'streamops_pipeline_stage_service_rate_messages_per_second',
    type: 'gauge',
    unit: 'messages per second',
    labels: stageLabels,
    help: 'μ: messages per second the stage can take: messages ÷ busy seconds × concurrency × instances (at most one instance per partition); for engines, the stage rate ÷ its utilisation.',
    component,
  },
  stageUtilization: {
    name: 'streamops_pipeline_stage_utilization_ratio',
    type: 'gauge',
    unit: 'ratio',
    labels: stageLabels,
    help: 'ρ = arrival rate ÷ μ; at 1 the stage cannot keep up. Flink: busyTimeMsPerSecond ÷ 1000 averaged over subtasks; Storm: the bolt capacity.',
    component,
  },
  stageHeadroom: {
    name: 'streamops_pipeline_stage_headroom_messages_per_second',
    type: 'gauge',
    unit: 'messages per second',
    labels: stageLabels,
    help: 'μ − arrival rate: how many more messages per second the stage could take.',
    component,
  },
  stageInstances: {
    name: 'streamops_pipeline_stage_instances',
    type: 'gauge',
    unit: '1',
    labels: stageLabels,
    help: "Live instances reporting the stage (instances expire after the ingest TTL); for engines, the operator's parallelism (Flink) or executors (Storm).",
    component,
  },
  bottleneck: {
    name: 'streamops_pipeline_bottleneck',
    type: 'gauge',
    unit: '1',
    labels: stageLabels,
    help: '1 for the bottleneck stage of the pipeline (highest utilisation), 0 for the other stages.',
    component,
  },
  maxSustainableThroughput: {
    name: 'streamops_pipeline_max_sustainable_throughput_messages_per_second',
    type: 'gauge',
    unit: 'messages per second',
    labels: pipelineLabels,
    help: 'Highest input rate the stages can sustain with their current instances (the lowest stage capacity).',
    component,
  },
  timeToDrain: {
    name: 'streamops_pipeline_time_to_drain_seconds',
    type: 'gauge',
    unit: 'seconds',
    labels: pipelineLabels,
    help: 'Time to consume the current lag of the input consumer groups at the current rates; +Inf when it is not shrinking, 0 without lag.',
    component,
  },
  instances: {
    name: 'streamops_pipeline_instances',
    type: 'gauge',
    unit: '1',
    labels: pipelineLabels,
    help: 'Live instances reporting for the pipeline; for engines, the tasks running (Flink) or executors (Storm).',
    component,
  },
  errorRatio: {
    name: 'streamops_pipeline_error_ratio',
    type: 'gauge',
    unit: 'ratio',
    labels: pipelineLabels,
    help: 'Messages that ended in error (not dead-lettered) divided by messages consumed (Storm: tuple trees failed at the spouts divided by those emitted).',
    component,
  },
  deadLetterRatio: {
    name: 'streamops_pipeline_dead_letter_ratio',
    type: 'gauge',
    unit: 'ratio',
    labels: pipelineLabels,
    help: 'Messages sent to a dead-letter topic divided by messages consumed.',
    component,
  },
  lostMessages: {
    name: 'streamops_pipeline_lost_messages_total',
    type: 'counter',
    unit: 'messages',
    labels: pipelineLabels,
    help: 'Messages lost from producer sequences, over all consumers of the pipeline (departed instances included, so it never decreases).',
    component,
  },
  duplicateMessages: {
    name: 'streamops_pipeline_duplicate_messages_total',
    type: 'counter',
    unit: 'messages',
    labels: pipelineLabels,
    help: 'Messages seen again at another offset, over all consumers of the pipeline.',
    component,
  },
  redeliveredMessages: {
    name: 'streamops_pipeline_redelivered_messages_total',
    type: 'counter',
    unit: 'messages',
    labels: pipelineLabels,
    help: 'Messages delivered again at an offset already delivered, over all consumers of the pipeline.',
    component,
  },
  latencyP50: {
    name: 'streamops_pipeline_end_to_end_latency_p50_seconds',
    type: 'gauge',
    unit: 'seconds',
    labels: pipelineLabels,
    help: 'Median end-to-end latency (record age at consumption) over the window, from the record-age histograms merged across instances.',
    component,
  },
  latencyMean: {
    name: 'streamops_pipeline_end_to_end_latency_mean_seconds',
    type: 'gauge',
    unit: 'seconds',
    labels: pipelineLabels,
    help: "Mean end-to-end latency over the window: record-age histogram sum ÷ count (Storm: the spouts' complete latency).",
    component,
  },
  lagMessages: {
    name: 'streamops_pipeline_lag_messages',
    type: 'gauge',
    unit: 'messages',
    labels: pipelineLabels,
    help: "Messages waiting in the pipeline's inputs: the input consumer groups' lag (Flink: the sources' pendingRecords, else records-lag-max; Storm: the Kafka spouts' lag).",
    component,
  },
  lagSeconds: {
    name: 'streamops_pipeline_lag_seconds',
    type: 'gauge',
    unit: 'seconds',
    labels: pipelineLabels,
    help: "Age of the oldest unconsumed input: the input groups' time lag (Flink: currentFetchEventTimeLag or currentEmitEventTimeLag when the source exposes them). No sample when unknown.",
    component,
  },
  stageBackpressure: {
    name: 'streamops_pipeline_stage_backpressure_ratio',
    type: 'gauge',
    unit: 'ratio',
    labels: stageLabels,
    help: 'Share of time a stage was blocked by a slower stage downstream (Flink backPressuredTimeMsPerSecond ÷ 1000, averaged over subtasks); only engines that measure it.',
    component: engineComponent,
  },
  running: {
    name: 'streamops_pipeline_running',
    type: 'gauge',
    unit: '1',
    labels: pipelineLabels,
    help: '1 while the engine runs the job (Flink RUNNING, Storm ACTIVE), 0 in any other state (restarting, failing, inactive); engine pipelines only.',
    component: engineComponent,
  },
  restarts: {
    name: 'streamops_pipeline_restarts_total',
    type: 'counter',
    unit: '1',
    labels: pipelineLabels,
    help: 'Restarts of the job since it was submitted, as the engine counts them (Flink numRestarts).',
    component: engineComponent,
  },
  checkpointsCompleted: {
    name: 'streamops_pipeline_checkpoints_completed_total',
    type: 'counter',
    unit: '1',
    labels: pipelineLabels,
    help: 'Checkpoints the job completed since it was submitted (Flink).',
    component: engineComponent,
  },
  checkpointsFailed: {
    name: 'streamops_pipeline_checkpoints_failed_total',
    type: 'counter',
    unit: '1',
    labels: pipelineLabels,
    help: 'Checkpoints of the job that failed since it was submitted (Flink).',
    component: engineComponent,
  },
  checkpointDuration: {
    name: 'streamops_pipeline_last_checkpoint_duration_seconds',
    type: 'gauge',
    unit: 'seconds',
    labels: pipelineLabels,
    help: 'End-to-end duration of the latest completed checkpoint (Flink).',
    component: engineComponent,
  },
  latencyP99: {
    name: 'streamops_pipeline_end_to_end_latency_p99_seconds',
    type: 'gauge',
    unit: 'seconds',
    labels: pipelineLabels,
    help: '99th percentile end-to-end latency (record age at consumption) over the window, from the merged record-age histograms.',
    component,
  },
} as const satisfies Record<string, MetricDefinition>;

/** Metrics of the OTLP ingest endpoint itself. */
export const ingestMetrics = {
  acceptedPayloads: {
    name: 'streamops_ingest_accepted_payloads_total',
    type: 'counter',
    unit: '1',
    labels: [],
    help: 'OTLP metrics requests accepted, completely or partly.',
    component,
  },
  acceptedPoints: {
    name: 'streamops_ingest_accepted_points_total',
    type: 'counter',
    unit: '1',
    labels: [],
    help: 'Data points stored from accepted requests.',
    component,
  },
  rejectedPayloads: {
    name: 'streamops_ingest_rejected_payloads_total',
    type: 'counter',
    unit: '1',
    labels: ['reason'],
    help: 'OTLP metrics requests refused as a whole, by reason (unauthorized, unsupported_media_type, unsupported_encoding, body_too_large, malformed_protobuf, malformed_json, limit_exceeded, invalid_data_point, missing_identity, series_limit, instance_limit, rate_limited, forbidden_pipeline, identity_conflict, value_overflow, type_conflict, timestamp_skew, pipeline_limit).',
    component,
  },
  rejectedPoints: {
    name: 'streamops_ingest_rejected_points_total',
    type: 'counter',
    unit: '1',
    labels: ['reason'],
    help: 'Data points refused inside otherwise accepted requests, by reason (the same reasons as for payloads).',
    component,
  },
  instances: {
    name: 'streamops_ingest_instances',
    type: 'gauge',
    unit: '1',
    labels: [],
    help: 'Reporting instances currently tracked (not yet expired).',
    component,
  },
  series: {
    name: 'streamops_ingest_series',
    type: 'gauge',
    unit: '1',
    labels: [],
    help: 'Series held for live instances.',
    component,
  },
  expiredInstances: {
    name: 'streamops_ingest_expired_instances_total',
    type: 'counter',
    unit: '1',
    labels: [],
    help: 'Instances that stopped reporting and expired; their counters stay in the pipeline totals.',
    component,
  },
} as const satisfies Record<string, MetricDefinition>;

/** Health of the engine endpoints the agent polls (Flink REST, Storm UI REST). */
export const engineMetrics = {
  up: {
    name: 'streamops_engine_up',
    type: 'gauge',
    unit: '1',
    labels: endpointLabels,
    help: '1 when the last poll of the engine endpoint succeeded, else 0 (its pipelines keep their last values; see the last-success timestamp).',
    component: engineComponent,
  },
  lastSuccess: {
    name: 'streamops_engine_last_success_timestamp_seconds',
    type: 'gauge',
    unit: 'seconds',
    labels: endpointLabels,
    help: 'Unix time of the last successful poll of the engine endpoint; no sample before the first.',
    component: engineComponent,
  },
  pollFailures: {
    name: 'streamops_engine_poll_failures_total',
    type: 'counter',
    unit: '1',
    labels: endpointLabels,
    help: 'Polls of the engine endpoint that failed: unreachable, timed out, an error status, or a response that is not the documented shape.',
    component: engineComponent,
  },
  jobs: {
    name: 'streamops_engine_jobs',
    type: 'gauge',
    unit: '1',
    labels: endpointLabels,
    help: 'Jobs (Flink) or topologies (Storm) the endpoint reported at the last successful poll, modelled as pipelines.',
    component: engineComponent,
  },
} as const satisfies Record<string, MetricDefinition>;

/** Health of the agent's own work: pipelines it could not model, and errors inside it. */
export const agentHealthMetrics = {
  pipelinesDegraded: {
    name: 'streamops_pipelines_degraded',
    type: 'gauge',
    unit: '1',
    labels: ['reason'],
    help: 'Pipelines whose inputs could not be modelled at the last update, by reason (non_finite_input, negative_input, model_error); they keep their last good model and /api/v1/pipelines says why and which instances.',
    component,
  },
  internalErrors: {
    name: 'streamops_agent_internal_errors_total',
    type: 'counter',
    unit: '1',
    labels: ['part'],
    help: 'Errors inside the agent, by part (cluster_cycle, pipeline_view, engine_poll, render); each is logged once per distinct message and shown in /healthz. A part that fails to render serves its last good series.',
    component: 'agent',
  },
} as const satisfies Record<string, MetricDefinition>;

/** Pipeline, ingest and engine metric definitions, for documentation and checks. */
export const pipelineMetricCatalogue: readonly MetricDefinition[] = [
  ...Object.values(pipelineMetrics),
  ...Object.values(ingestMetrics),
  ...Object.values(engineMetrics),
  ...Object.values(agentHealthMetrics),
];
