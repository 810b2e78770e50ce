import { type MetricDefinition } from '@streamops/sdk';
import { pipelineMetricCatalogue } from './pipeline-catalogue';

const component = 'agent';
const groupLabels = ['cluster', 'group'] as const;
const topicLabels = ['cluster', 'group', 'topic'] as const;
const partitionLabels = ['cluster', 'group', 'topic', 'partition'] as const;

/**
 * Every metric the agent exports for consumer lag and its own health.
 * Lag series never carry member or host labels: member details are in
 * streamops_consumergroup_member_info only.
 */
export const agentLagMetrics = {
  partitionLagMessages: {
    name: 'streamops_consumergroup_partition_lag_messages',
    type: 'gauge',
    unit: 'messages',
    labels: partitionLabels,
    help: 'Messages between the group committed offset and the log end offset of a partition (granularity partition only). Partitions without a commit have no sample.',
    component,
  },
  topicLagMessages: {
    name: 'streamops_consumergroup_topic_lag_messages',
    type: 'gauge',
    unit: 'messages',
    labels: topicLabels,
    help: 'Sum of the partition lags of a group on a topic.',
    component,
  },
  groupLagMessages: {
    name: 'streamops_consumergroup_lag_messages',
    type: 'gauge',
    unit: 'messages',
    labels: groupLabels,
    help: 'Sum of the partition lags of a group over all its topics.',
    component,
  },
  partitionLagSeconds: {
    name: 'streamops_consumergroup_partition_lag_seconds',
    type: 'gauge',
    unit: 'seconds',
    labels: partitionLabels,
    help: 'Age of the oldest unconsumed record of a partition: now minus the timestamp of the record at the committed offset, 0 when caught up (granularity partition only).',
    component,
  },
  topicLagSeconds: {
    name: 'streamops_consumergroup_topic_lag_seconds',
    type: 'gauge',
    unit: 'seconds',
    labels: topicLabels,
    help: 'Largest partition time lag of a group on a topic.',
    component,
  },
  groupLagSeconds: {
    name: 'streamops_consumergroup_lag_seconds',
    type: 'gauge',
    unit: 'seconds',
    labels: groupLabels,
    help: 'Largest partition time lag of a group.',
    component,
  },
  topicLagVelocity: {
    name: 'streamops_consumergroup_topic_lag_velocity_messages_per_second',
    type: 'gauge',
    unit: 'messages per second',
    labels: topicLabels,
    help: 'Rate of change of the topic lag: positive while lag grows, negative while it drains.',
    component,
  },
  topicTimeToDrain: {
    name: 'streamops_consumergroup_topic_time_to_drain_seconds',
    type: 'gauge',
    unit: 'seconds',
    labels: topicLabels,
    help: 'Time to consume the current topic lag at the current consume and produce rates; +Inf when the lag is not shrinking, 0 when there is none.',
    component,
  },
  topicRetentionRisk: {
    name: 'streamops_consumergroup_topic_retention_risk_ratio',
    type: 'gauge',
    unit: 'ratio',
    labels: topicLabels,
    help: 'Largest partition lag divided by the records the partition holds (log end minus log start); at 1 the next retention pass deletes unread records.',
    component,
  },
  groupStatus: {
    name: 'streamops_consumergroup_status_code',
    type: 'gauge',
    unit: '1',
    labels: groupLabels,
    help: 'Burrow-compatible group status from the commit window: 0 NOTFOUND, 1 OK, 2 WARN, 3 ERR.',
    component,
  },
  partitionStatus: {
    name: 'streamops_consumergroup_partition_status_code',
    type: 'gauge',
    unit: '1',
    labels: partitionLabels,
    help: 'Burrow-compatible partition status: 1 OK, 2 WARN, 3 STOP, 4 STALL, 5 REWIND (granularity partition only).',
    component,
  },
  groupThresholdStatus: {
    name: 'streamops_consumergroup_threshold_status_code',
    type: 'gauge',
    unit: '1',
    labels: groupLabels,
    help: 'Status from the group time lag against its configured thresholds: 0 UNKNOWN (no time lag known), 1 OK, 2 WARN, 3 ERR.',
    component,
  },
  groupInfo: {
    name: 'streamops_consumergroup_info',
    type: 'gauge',
    unit: '1',
    labels: ['cluster', 'group', 'state', 'protocol_type', 'group_type', 'kafka_state'],
    help: "Always 1, one series per group of any type; carries the group state in classic names (Stable, Empty, PreparingRebalance, CompletingRebalance, Dead), the protocol type, the group type (classic, consumer, share, streams) and Kafka's own state name for that type (e.g. Assigning, Reconciling). The only series with group_type: join on cluster and group.",
    component,
  },
  groupMembers: {
    name: 'streamops_consumergroup_members',
    type: 'gauge',
    unit: '1',
    labels: groupLabels,
    help: 'Number of members in the group (any group type).',
    component,
  },
  memberInfo: {
    name: 'streamops_consumergroup_member_info',
    type: 'gauge',
    unit: '1',
    labels: ['cluster', 'group', 'member_id', 'client_id', 'host'],
    help: 'Always 1 per group member; the only series with member labels. Join with group series on cluster and group.',
    component,
  },
  memberAssignedPartitions: {
    name: 'streamops_consumergroup_member_assigned_partitions',
    type: 'gauge',
    unit: '1',
    labels: ['cluster', 'group', 'member_id'],
    help: 'Partitions assigned to a group member.',
    component,
  },
  partitionCommittedOffset: {
    name: 'streamops_consumergroup_partition_committed_offset',
    type: 'gauge',
    unit: '1',
    labels: partitionLabels,
    help: 'Committed offset of a group on a partition (granularity partition only).',
    component,
  },
  shareGroupLagMessages: {
    name: 'streamops_sharegroup_lag_messages',
    type: 'gauge',
    unit: 'messages',
    labels: groupLabels,
    help: "Kafka's share lag of a share group (KIP-1226), summed over its partitions: records not yet acknowledged. Share groups commit no offsets, so they have none of the consumergroup lag, time lag or status series. No sample while Kafka computes no lag.",
    component,
  },
  shareGroupPartitionLagMessages: {
    name: 'streamops_sharegroup_partition_lag_messages',
    type: 'gauge',
    unit: 'messages',
    labels: partitionLabels,
    help: "Kafka's share lag of one share-partition (granularity partition only).",
    component,
  },
  shareGroupPartitionStartOffset: {
    name: 'streamops_sharegroup_partition_start_offset',
    type: 'gauge',
    unit: '1',
    labels: partitionLabels,
    help: 'Share-partition start offset as Kafka last persisted it: every record below it is acknowledged (granularity partition only; no sample before the group has state on the partition).',
    component,
  },
  partitionLogEndOffset: {
    name: 'streamops_topic_partition_log_end_offset',
    type: 'gauge',
    unit: '1',
    labels: ['cluster', 'topic', 'partition'],
    help: 'Log end offset (high watermark) of a partition consumed by at least one collected group.',
    component,
  },
  partitionLogStartOffset: {
    name: 'streamops_topic_partition_log_start_offset',
    type: 'gauge',
    unit: '1',
    labels: ['cluster', 'topic', 'partition'],
    help: 'First offset still held by a partition consumed by at least one collected group.',
    component,
  },
  collectorUp: {
    name: 'streamops_collector_up',
    type: 'gauge',
    unit: '1',
    labels: ['cluster'],
    help: '1 when the last collection cycle of the cluster succeeded, 0 when it failed; lag series then come from the last good cycle.',
    component,
  },
  collectorLastSuccess: {
    name: 'streamops_collector_last_success_timestamp_seconds',
    type: 'gauge',
    unit: 'seconds',
    labels: ['cluster'],
    help: 'Unix time of the last successful collection cycle; 0 before the first one.',
    component,
  },
  collectorCycleDuration: {
    name: 'streamops_collector_cycle_duration_seconds',
    type: 'gauge',
    unit: 'seconds',
    labels: ['cluster'],
    help: 'Duration of the last completed collection cycle.',
    component,
  },
  collectorCycles: {
    name: 'streamops_collector_cycles_total',
    type: 'counter',
    unit: '1',
    labels: ['cluster', 'result'],
    help: 'Collection cycles by result (success or error).',
    component,
  },
  collectorGroups: {
    name: 'streamops_collector_groups',
    type: 'gauge',
    unit: '1',
    labels: ['cluster'],
    help: 'Groups reported after allow and deny filters, of every type (share groups included).',
    component,
  },
  collectorCommitSource: {
    name: 'streamops_collector_commit_source',
    type: 'gauge',
    unit: '1',
    labels: ['cluster', 'source'],
    help: 'Where the status window’s commits came from in the last cycle: 1 for the source in use, 0 for the other. offsets_topic: read with their times from __consumer_offsets; polling: committed offsets fetched each cycle (collection.commitSource is polling, or the topic cannot be read).',
    component,
  },
  collectorCommitLogBacklog: {
    name: 'streamops_collector_commit_log_backlog_records',
    type: 'gauge',
    unit: '1',
    labels: ['cluster'],
    help: 'Records of __consumer_offsets written but not read yet after the last cycle (each cycle reads at most 16 MiB; the rest follows); 0 when polling.',
    component,
  },
} as const satisfies Record<string, MetricDefinition>;

/**
 * Series named like kafka-lag-exporter's, so existing dashboards keep working.
 * Off by default (compatibility.kafkaLagExporter).
 */
export const kafkaLagExporterCompatibilityMetrics = {
  partitionLag: {
    name: 'kafka_consumergroup_group_lag',
    type: 'gauge',
    unit: 'messages',
    labels: ['cluster_name', 'group', 'topic', 'partition'],
    help: 'kafka-lag-exporter compatible: group offset lag of a partition.',
    component: 'agent (kafka-lag-exporter compatibility)',
  },
  partitionLagSeconds: {
    name: 'kafka_consumergroup_group_lag_seconds',
    type: 'gauge',
    unit: 'seconds',
    labels: ['cluster_name', 'group', 'topic', 'partition'],
    help: 'kafka-lag-exporter compatible: group time lag of a partition.',
    component: 'agent (kafka-lag-exporter compatibility)',
  },
  groupMaxLagSeconds: {
    name: 'kafka_consumergroup_group_max_lag_seconds',
    type: 'gauge',
    unit: 'seconds',
    labels: ['cluster_name', 'group'],
    help: 'kafka-lag-exporter compatible: largest time lag of a group.',
    component: 'agent (kafka-lag-exporter compatibility)',
  },
} as const satisfies Record<string, MetricDefinition>;

/**
 * Process metrics of the agent itself, from prom-client's default collectors
 * (collectDefaultMetrics in runtime/agent.ts). Defined here because dashboards read
 * them; prom-client emits more of the same family (see its documentation).
 */
export const agentProcessMetrics = {
  residentMemory: {
    name: 'process_resident_memory_bytes',
    type: 'gauge',
    unit: 'bytes',
    labels: [],
    help: 'Resident memory size of the agent process.',
    component: 'agent (process)',
  },
  heapUsed: {
    name: 'nodejs_heap_size_used_bytes',
    type: 'gauge',
    unit: 'bytes',
    labels: [],
    help: 'JavaScript heap in use by the agent process.',
    component: 'agent (process)',
  },
  cpuSeconds: {
    name: 'process_cpu_seconds_total',
    type: 'counter',
    unit: 'seconds',
    labels: [],
    help: 'User and system CPU time spent by the agent process.',
    component: 'agent (process)',
  },
  eventLoopLagP99: {
    name: 'nodejs_eventloop_lag_p99_seconds',
    type: 'gauge',
    unit: 'seconds',
    labels: [],
    help: '99th percentile of the agent event loop delay.',
    component: 'agent (process)',
  },
} as const satisfies Record<string, MetricDefinition>;

/** All agent metric definitions, for documentation and checks. */
export const agentMetricCatalogue: readonly MetricDefinition[] = [
  ...Object.values(agentLagMetrics),
  ...Object.values(kafkaLagExporterCompatibilityMetrics),
  ...pipelineMetricCatalogue,
  ...Object.values(agentProcessMetrics),
];
