/**
 * @streamops/agent: collects consumer lag and pipeline reports and serves them.
 *
 * Public API. Everything not exported here is internal and may change.
 */
export {
  agentMetricCatalogue,
  agentLagMetrics,
  kafkaLagExporterCompatibilityMetrics,
} from './metrics/catalogue';
export { partitionLag, type PartitionLag, type PartitionOffsets } from './lag/partition-lag';
export {
  DEFAULT_OFFSET_HISTORY_CAPACITY,
  OffsetHistory,
  type ObserveOutcome,
  type OffsetHistoryOptions,
  type OffsetPoint,
  type OffsetTimeline,
} from './lag/offset-history';
export {
  timeLag,
  type TimeLag,
  type TimeLagInput,
  type TimeLagMethod,
  type TimeLagRule,
} from './lag/time-lag';
export {
  lagDynamics,
  lagVelocity,
  offsetRate,
  retentionRisk,
  timeToDrainSeconds,
  type LagDynamics,
  type LagObservation,
  type OffsetSample,
  type PartitionSample,
} from './lag/lag-dynamics';
export {
  GROUP_STATUS_CODE,
  PARTITION_STATUS_CODE,
  THRESHOLD_STATUS_CODE,
  isPartitionError,
  type GroupStatus,
  type PartitionStatus,
  type ThresholdStatus,
} from './evaluator/status-codes';
export {
  CommitWindow,
  DEFAULT_COMMIT_WINDOW_SIZE,
  type CommitObservation,
  type CommitRecord,
  type CommitRecordOutcome,
  type CommitWindowOptions,
  type CommitWindowSnapshot,
} from './evaluator/commit-window';
export {
  evaluatePartitionStatus,
  type PartitionRuleId,
  type PartitionStatusInput,
  type PartitionStatusResult,
} from './evaluator/partition-status';
export {
  evaluateGroupStatus,
  type EvaluatedPartition,
  type GroupRuleId,
  type GroupStatusInput,
  type GroupStatusResult,
  type PartitionReference,
} from './evaluator/group-status';
export {
  evaluateThresholdStatus,
  thresholdsForGroup,
  type GroupThresholdOverride,
  type PartitionTimeLag,
  type ThresholdPartitionReference,
  type ThresholdRuleId,
  type ThresholdStatusResult,
  type TimeLagThresholds,
} from './evaluator/threshold-status';
