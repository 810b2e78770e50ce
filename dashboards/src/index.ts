/**
 * @streamops/dashboards: Grafana dashboards and Prometheus rules for streamops, as code.
 *
 * `npm run dashboards:generate` writes the dashboards to dashboards/generated/ and the
 * rules and their promtool tests to dashboards/rules/.
 */
export { agentDashboard, processMetrics } from './agent-self-monitoring';
export { consumerLagDashboard, consumerLagUid, agentUid } from './consumer-lag';
export { pipelineThroughputDashboard, pipelineThroughputUid } from './pipeline-throughput';
export { reliabilityDashboard, reliabilityUid } from './reliability';
export { engineJobsDashboard, engineJobsUid } from './engine-jobs';
export {
  defaultOptions,
  errorBudget,
  type StreamopsRuleOptions,
  type GroupThresholdOverride,
} from './options';
export { metricNamesIn } from './promql-names';
export { groupStatusCodes, partitionStatusCodes, thresholdStatusCodes } from './status-codes';
export type { AlertCase, AlertRule, RecordingRule, Rule, RuleGroup } from './rules/model';
export {
  allAlerts,
  allRuleGroups,
  isAlert,
  isRecording,
  renderPrometheusRule,
  renderRuleFiles,
  renderRuleTests,
  runbookUrl,
} from './rules/render';
export { thresholdOverrideRecord, thresholdRecord } from './rules/consumer-lag';
export { errorRatioRecord, slowRatioRecord, sloWindows } from './rules/slo';
export { generatedFiles, writeGeneratedFiles, type GeneratedFile } from './generate';
export { allDashboards, type DashboardFile } from './dashboards';
export { panelTargets, panelsOf, variableQueries, type PanelTarget, type VariableQuery } from './queries';
