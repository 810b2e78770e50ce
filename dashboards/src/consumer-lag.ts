import { BigValueTextMode } from '@grafana/grafana-foundation-sdk/common';
import { type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import {
  barGauge,
  buildDashboard,
  dashboardUrl,
  datasourceVariable,
  groupStatusMapping,
  labelVariable,
  notDrainingMapping,
  partitionStatusMapping,
  stat,
  statusHistory,
  steps,
  table,
  thresholdStatusMapping,
  timeseries,
  units,
  upMapping,
} from './panels';
import { defaultOptions, type StreamopsRuleOptions } from './options';
import { dashboardScope, groupScope, selector } from './promql';
import { groupStatusCodes } from './status-codes';

export const consumerLagUid = 'streamops-consumer-lag';
export const agentUid = 'streamops-agent';

/** Consumer lag: status, top-N lag, velocity, time to drain, retention risk, partitions, collector health. */
export function consumerLagDashboard(options: StreamopsRuleOptions = defaultOptions): Dashboard {
  const group = groupScope;
  const topic = [...groupScope, 'topic=~"$topic"'];
  const perGroup = 'max by (cluster, group)';
  const perTopic = 'max by (cluster, group, topic)';
  const perPartition = 'max by (cluster, group, topic, partition)';
  const lagSteps = steps('green', [60, 'orange'], [options.timeLagThresholdSeconds, 'red']);
  const statusCount = (code: number) =>
    `count(max by (cluster, namespace, group) (${selector('streamops_consumergroup_status_code', group)}) == ${code}) or vector(0)`;
  const collectorLink = [{ title: 'Agent self-monitoring', url: dashboardUrl(agentUid) }];

  return buildDashboard({
    uid: consumerLagUid,
    title: 'streamops / Consumer lag',
    description:
      'Consumer-group lag in messages and seconds from the streamops agent: status, the worst groups, trends, time to drain, retention risk and a per-partition drill-down.',
    variables: [
      datasourceVariable(),
      labelVariable(
        'cluster',
        'Cluster',
        'streamops_collector_up',
        [],
        'Kafka cluster (the agent configuration names it).',
      ),
      labelVariable(
        'namespace',
        'Namespace',
        'streamops_collector_up',
        ['cluster=~"$cluster"'],
        'Kubernetes namespace of the agent; All also matches series without the label.',
      ),
      labelVariable(
        'group',
        'Consumer group',
        'streamops_consumergroup_info',
        dashboardScope,
        'Consumer groups.',
      ),
      labelVariable(
        'topic',
        'Topic',
        'streamops_consumergroup_topic_lag_messages',
        groupScope,
        'Topics the selected groups consume.',
      ),
    ],
    rows: [
      {
        title: 'Status',
        panels: [
          stat({
            title: 'Groups by status',
            description:
              'How many consumer groups are OK, WARN (lag growing), ERR (a partition stopped, stalled or rewound) or NOTFOUND, by the Burrow-style evaluation of their commits.',
            unit: units.count,
            width: 8,
            textMode: BigValueTextMode.ValueAndName,
            sparkline: false,
            queries: [
              { expr: statusCount(groupStatusCodes.OK), legend: 'OK', instant: true },
              { expr: statusCount(groupStatusCodes.WARN), legend: 'WARN', instant: true },
              { expr: statusCount(groupStatusCodes.ERR), legend: 'ERR', instant: true },
              { expr: statusCount(groupStatusCodes.NOTFOUND), legend: 'NOTFOUND', instant: true },
            ],
            colours: ['green', 'orange', 'red', 'gray'],
          }),
          statusHistory({
            title: 'Group status over time',
            description:
              'When each group was OK, WARN or ERR. ERR with partition STOP or STALL below means a consumer stopped committing or is stuck on a message.',
            unit: units.state,
            width: 16,
            mappings: [groupStatusMapping],
            queries: [
              {
                expr: `${perGroup} (${selector('streamops_consumergroup_status_code', group)})`,
                legend: '{{group}} ({{cluster}})',
              },
            ],
          }),
          statusHistory({
            title: 'Time-lag threshold status',
            description:
              'Each group’s time lag against the warn and error thresholds configured in the agent (per-group overrides included). UNKNOWN: no time lag could be measured.',
            unit: units.state,
            width: 12,
            mappings: [thresholdStatusMapping],
            queries: [
              {
                expr: `${perGroup} (${selector('streamops_consumergroup_threshold_status_code', group)})`,
                legend: '{{group}} ({{cluster}})',
              },
            ],
          }),
          table({
            title: 'Group state and members',
            description:
              'Kafka state of each group (Stable, Empty, rebalancing, Dead) and its number of members. An Empty group with lag has no consumer running.',
            unit: units.count,
            width: 12,
            hiddenColumns: ['Value #A'],
            renames: { 'Value #B': 'members' },
            queries: [
              {
                expr: `max by (cluster, group, state) (${selector('streamops_consumergroup_info', group)})`,
                instant: true,
                table: true,
              },
              {
                expr: `${perGroup} (${selector('streamops_consumergroup_members', group)})`,
                instant: true,
                table: true,
              },
            ],
          }),
        ],
      },
      {
        title: 'Lag',
        panels: [
          barGauge({
            title: 'Top 10 groups by time lag',
            description:
              'Which groups are furthest behind in time: the age of their oldest unconsumed record. This is the lag users feel, whatever the message rate.',
            unit: units.seconds,
            width: 12,
            thresholds: lagSteps,
            queries: [
              {
                expr: `topk(10, ${perGroup} (${selector('streamops_consumergroup_lag_seconds', group)}))`,
                legend: '{{group}} ({{cluster}})',
                instant: true,
              },
            ],
          }),
          barGauge({
            title: 'Top 10 groups by message lag',
            description:
              'Which groups have the most unconsumed messages. Compare with time lag: many messages can be seconds of work on a fast topic.',
            unit: units.messages,
            width: 12,
            thresholds: steps('blue'),
            queries: [
              {
                expr: `topk(10, ${perGroup} (${selector('streamops_consumergroup_lag_messages', group)}))`,
                legend: '{{group}} ({{cluster}})',
                instant: true,
              },
            ],
          }),
          timeseries({
            title: 'Time lag by group',
            description:
              'How far behind each group is in seconds, over time. The dashed lines are the warning level and the alert threshold.',
            unit: units.seconds,
            width: 12,
            min: 0,
            thresholds: lagSteps,
            thresholdLines: true,
            queries: [
              {
                expr: `${perGroup} (${selector('streamops_consumergroup_lag_seconds', group)})`,
                legend: '{{group}} ({{cluster}})',
              },
            ],
          }),
          timeseries({
            title: 'Message lag by group and topic',
            description: 'Unconsumed messages per group and topic, over time.',
            unit: units.messages,
            width: 12,
            min: 0,
            queries: [
              {
                expr: `${perTopic} (${selector('streamops_consumergroup_topic_lag_messages', topic)})`,
                legend: '{{group}} / {{topic}}',
              },
            ],
          }),
          timeseries({
            title: 'Lag velocity',
            description:
              'Is lag growing or draining? Messages per second the lag changes by: above zero the consumers fall behind, below zero they catch up.',
            unit: units.messagesPerSecond,
            width: 12,
            thresholds: steps('green', [0.000001, 'orange']),
            queries: [
              {
                expr: `${perTopic} (${selector('streamops_consumergroup_topic_lag_velocity_messages_per_second', topic)})`,
                legend: '{{group}} / {{topic}}',
              },
            ],
          }),
          barGauge({
            title: 'Time to drain (slowest 10)',
            description:
              'How long until each topic’s lag is consumed at the current consume and produce rates. "not draining": the lag is not shrinking.',
            unit: units.seconds,
            width: 12,
            thresholds: steps(
              'green',
              [options.timeToDrainSeconds, 'orange'],
              [4 * options.timeToDrainSeconds, 'red'],
            ),
            mappings: [notDrainingMapping],
            queries: [
              {
                expr: `topk(10, ${perTopic} (${selector('streamops_consumergroup_topic_time_to_drain_seconds', topic)}))`,
                legend: '{{group}} / {{topic}}',
                instant: true,
              },
            ],
          }),
          barGauge({
            title: 'Retention risk (top 10)',
            description:
              'Will retention delete records before they are read? Largest partition lag divided by the records the partition holds; at 100 % the next retention pass deletes unread records.',
            unit: units.ratio,
            width: 12,
            min: 0,
            max: 1,
            thresholds: steps('green', [0.5, 'orange'], [options.retentionRiskRatio, 'red']),
            queries: [
              {
                expr: `topk(10, ${perTopic} (${selector('streamops_consumergroup_topic_retention_risk_ratio', topic)}))`,
                legend: '{{group}} / {{topic}}',
                instant: true,
              },
            ],
          }),
          barGauge({
            title: 'Hot partitions (top 10 by lag)',
            description:
              'Which partitions hold the lag: a few hot partitions point at key skew or one slow consumer, an even spread at too little consumer capacity.',
            unit: units.messages,
            width: 12,
            thresholds: steps('blue'),
            queries: [
              {
                expr: `topk(10, ${perPartition} (${selector('streamops_consumergroup_partition_lag_messages', topic)}))`,
                legend: '{{group}} / {{topic}} [{{partition}}]',
                instant: true,
              },
            ],
          }),
        ],
      },
      {
        title: 'Partition drill-down ($group, $topic)',
        panels: [
          timeseries({
            title: 'Partition lag',
            description: 'Unconsumed messages per partition of the selected groups and topics.',
            unit: units.messages,
            width: 12,
            min: 0,
            queries: [
              {
                expr: `${perPartition} (${selector('streamops_consumergroup_partition_lag_messages', topic)})`,
                legend: '{{group}} / {{topic}} [{{partition}}]',
              },
            ],
          }),
          timeseries({
            title: 'Partition time lag',
            description: 'Age of the oldest unconsumed record per partition.',
            unit: units.seconds,
            width: 12,
            min: 0,
            thresholds: lagSteps,
            queries: [
              {
                expr: `${perPartition} (${selector('streamops_consumergroup_partition_lag_seconds', topic)})`,
                legend: '{{group}} / {{topic}} [{{partition}}]',
              },
            ],
          }),
          statusHistory({
            title: 'Partition status',
            description:
              'Burrow-style status per partition: STOP (no commits while lag remains: the consumer is gone), STALL (commits that do not move while lag remains: stuck), REWIND (the offset went back).',
            unit: units.state,
            width: 12,
            mappings: [partitionStatusMapping],
            queries: [
              {
                expr: `${perPartition} (${selector('streamops_consumergroup_partition_status_code', topic)})`,
                legend: '{{group}} / {{topic}} [{{partition}}]',
              },
            ],
          }),
          table({
            title: 'Partition offsets',
            description:
              'Where each partition stands: committed offset of the group, log start and log end offsets, and the lag between them.',
            unit: units.count,
            width: 12,
            renames: {
              'Value #A': 'committed',
              'Value #B': 'log end',
              'Value #C': 'log start',
              'Value #D': 'lag',
            },
            queries: [
              {
                expr: `max by (cluster, namespace, group, topic, partition) (${selector('streamops_consumergroup_partition_committed_offset', topic)})`,
                instant: true,
                table: true,
              },
              {
                expr: `max by (cluster, namespace, topic, partition) (${selector('streamops_topic_partition_log_end_offset', [...dashboardScope, 'topic=~"$topic"'])}) + on (cluster, namespace, topic, partition) group_right () (0 * max by (cluster, namespace, group, topic, partition) (${selector('streamops_consumergroup_partition_committed_offset', topic)}))`,
                instant: true,
                table: true,
              },
              {
                expr: `max by (cluster, namespace, topic, partition) (${selector('streamops_topic_partition_log_start_offset', [...dashboardScope, 'topic=~"$topic"'])}) + on (cluster, namespace, topic, partition) group_right () (0 * max by (cluster, namespace, group, topic, partition) (${selector('streamops_consumergroup_partition_committed_offset', topic)}))`,
                instant: true,
                table: true,
              },
              {
                expr: `max by (cluster, namespace, group, topic, partition) (${selector('streamops_consumergroup_partition_lag_messages', topic)})`,
                instant: true,
                table: true,
              },
            ],
          }),
        ],
      },
      {
        title: 'Collector health',
        panels: [
          stat({
            title: 'Collector up',
            description:
              'Did the last collection cycle of each cluster succeed? DOWN: lag series are frozen at the last good cycle; see the time since the last success.',
            unit: units.state,
            width: 6,
            sparkline: false,
            mappings: [upMapping],
            thresholds: steps('red', [1, 'green']),
            links: collectorLink,
            queries: [
              {
                expr: `max by (cluster) (${selector('streamops_collector_up', dashboardScope)})`,
                legend: '{{cluster}}',
              },
            ],
          }),
          stat({
            title: 'Time since last successful cycle',
            description:
              'How stale the lag numbers are: time since the agent last completed a collection cycle of each cluster.',
            unit: units.seconds,
            width: 6,
            sparkline: false,
            thresholds: steps('green', [60, 'orange'], [options.collectorStaleSeconds, 'red']),
            links: collectorLink,
            queries: [
              {
                expr: `time() - max by (cluster) (${selector('streamops_collector_last_success_timestamp_seconds', dashboardScope)})`,
                legend: '{{cluster}}',
              },
            ],
          }),
          timeseries({
            title: 'Collection cycle duration',
            description:
              'How long one collection cycle takes per cluster. Close to the collection interval means the agent cannot keep up (more concurrency or a longer interval).',
            unit: units.seconds,
            width: 6,
            min: 0,
            links: collectorLink,
            queries: [
              {
                expr: `max by (cluster) (${selector('streamops_collector_cycle_duration_seconds', dashboardScope)})`,
                legend: '{{cluster}}',
              },
            ],
          }),
          stat({
            title: 'Groups collected',
            description: 'Consumer groups the agent reports per cluster, after its allow and deny filters.',
            unit: units.count,
            width: 6,
            thresholds: steps('blue'),
            links: collectorLink,
            queries: [
              {
                expr: `max by (cluster) (${selector('streamops_collector_groups', dashboardScope)})`,
                legend: '{{cluster}}',
              },
            ],
          }),
        ],
      },
    ],
  });
}
