/**
 * @streamops/agent: collects consumer lag and pipeline reports and serves them.
 *
 * Public API. Everything not exported here is internal and may change.
 */

// Running the agent.
export { startAgent, type AgentDependencies, type RunningAgent } from './runtime/agent';
export {
  ConfigError,
  agentHelpText,
  loadAgentConfig,
  parseAgentConfig,
  type ConfigSources,
} from './config/load';
export { type AgentConfig, type ClusterConfig, type SecretReference } from './config/schema';

// What it serves.
export type {
  ClusterLagSnapshot,
  CollectorHealth,
  GroupLagView,
  MemberView,
  PartitionLagView,
  ShareGroupView,
  SharePartitionView,
  StatusReason,
  TopicLagView,
} from './protocol/lag-snapshot';
export type { GroupType } from './protocol/cluster-state';
export {
  agentLagMetrics,
  agentMetricCatalogue,
  kafkaLagExporterCompatibilityMetrics,
} from './metrics/catalogue';
export {
  GROUP_STATUS_CODE,
  PARTITION_STATUS_CODE,
  THRESHOLD_STATUS_CODE,
  type GroupStatus,
  type PartitionStatus,
  type ThresholdStatus,
} from './evaluator/status-codes';

// The pure lag core, for tools that evaluate offsets they read themselves.
export { partitionLag, type PartitionLag, type PartitionOffsets } from './lag/partition-lag';
export { OffsetHistory, type OffsetHistoryOptions, type OffsetTimeline } from './lag/offset-history';
export { timeLag, type TimeLag, type TimeLagInput, type TimeLagMethod } from './lag/time-lag';
export { lagDynamics, type LagDynamics } from './lag/lag-dynamics';
export { CommitWindow, type CommitWindowOptions } from './evaluator/commit-window';
export { evaluatePartitionStatus, type PartitionStatusResult } from './evaluator/partition-status';
export { evaluateGroupStatus, type GroupStatusResult } from './evaluator/group-status';
export { evaluateThresholdStatus, type ThresholdStatusResult } from './evaluator/threshold-status';

// Pipeline reports: OTLP ingest, the per-instance store and the throughput and capacity model.
export { OtlpMetricsIngest, type OtlpIngestOptions } from './ingest/ingest-handler';
export { defaultIngestLimits, type IngestLimits } from './ingest/limits';
export { encodeOtlpJson, encodeOtlpProtobuf } from './ingest/otlp-encode';
export { streamopsAttributeNames } from './ingest/attributes';
export { InstanceStore, type InstanceStoreOptions } from './pipelines/instance-store';
export { modelPipeline, type PipelineModel, type PipelineModelInput } from './pipelines/model';
export { planCapacity, type CapacityPlan } from './pipelines/capacity';
export { ingestMetrics, pipelineMetricCatalogue, pipelineMetrics } from './metrics/pipeline-catalogue';
