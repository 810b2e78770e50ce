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
