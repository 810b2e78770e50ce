/**
 * Consumer-lag alerts: time lag against per-group thresholds, Burrow-style group and
 * partition status, steady lag growth, time to drain and retention risk.
 */
import { defaultOptions, type StreamopsRuleOptions } from '../options';
import { groupStatusCodes, partitionStatusCodes } from '../status-codes';
import { byScope, onScope } from '../promql';
import { alert, promql, record, type AlertCase, type InputSeries, type RuleGroup } from './model';

/** Per-group time-lag threshold in seconds: an override where one is recorded, else the default. */
export const thresholdRecord = 'streamops:consumergroup_lag_seconds:threshold';
/**
 * Per-group overrides: one series per group, labelled `group`, whose value is the threshold
 * in seconds. Generated from `timeLagThresholdOverrides`, or recorded by any rule file of
 * your own (`expr: vector(3600)`, `labels: {group: batch-reports}`).
 */
export const thresholdOverrideRecord = 'streamops:consumergroup_lag_seconds:threshold_override';

const prod = { cluster: 'prod', namespace: 'streaming' };
/** promtool's expanding notation has no repetition for +Inf: `count` samples of it. */
const infinite = (count: number): string => Array.from({ length: count }, () => '+Inf').join(' ');
const at = (labels: Readonly<Record<string, string>>): string =>
  Object.entries(labels)
    .map(([name, value]) => `${name}="${value}"`)
    .join(', ');
const series = (metric: string, labels: Readonly<Record<string, string>>, values: string): InputSeries => ({
  series: `${metric}{${at({ ...labels, job: 'streamops-agent', instance: 'agent:9308' })}}`,
  values,
});

export function consumerLagRuleGroups(options: StreamopsRuleOptions = defaultOptions): RuleGroup[] {
  const threshold = options.timeLagThresholdSeconds;
  const minimumLag = options.minimumTimeLagSeconds;
  const billing = { ...prod, group: 'billing' };
  const billingTopic = { ...billing, topic: 'invoices' };
  const perTopic = byScope('group', 'topic');

  /**
   * A healthy consumer under steady traffic (issue 24): it commits the log end every few
   * seconds while records keep arriving. Status OK throughout, every partition OK, the lag
   * velocity a sawtooth around 0 (the lag grows between commits and drops at each one) and
   * a time lag of about a second. None of the lag and status alerts may fire on it.
   */
  const sawtooth = Array.from({ length: 31 }, (_, index) => ['6', '6', '-12'][index % 3]).join(' ');
  const healthySteady = (): InputSeries[] => [
    series('streamops_consumergroup_status_code', billing, '1x30'),
    ...[0, 1, 2].map((number) =>
      series(
        'streamops_consumergroup_partition_status_code',
        { ...billingTopic, partition: String(number) },
        '1x30',
      ),
    ),
    series('streamops_consumergroup_topic_lag_velocity_messages_per_second', billingTopic, sawtooth),
    series('streamops_consumergroup_topic_lag_seconds', billingTopic, '1 0.9 1.1 1 0.95 1.05x25'),
    series('streamops_consumergroup_lag_seconds', billing, '1 0.9 1.1 1 0.95 1.05x25'),
  ];
  const healthySteadyCase: AlertCase = {
    name: 'a healthy consumer under steady traffic does not fire',
    series: healthySteady(),
    evalTime: '25m',
    expect: [],
  };

  const timeLagText = (lag: string) => ({
    summary: `Consumer group billing is ${lag} behind`,
    description: `Consumer group billing in cluster prod has a time lag of ${lag} (its oldest unconsumed record is that old), above its threshold in ${thresholdRecord} for 5 minutes.`,
  });

  return [
    {
      name: 'streamops-consumer-lag-thresholds',
      file: 'streamops-consumer-lag',
      rules: [
        ...options.timeLagThresholdOverrides.map((override) =>
          record(thresholdOverrideRecord, `vector(${override.seconds})`, { group: override.group }),
        ),
        record(
          thresholdRecord,
          promql`
            group ${byScope('group')} (streamops_consumergroup_lag_seconds)
              * on (group) group_left ()
              max by (group) (${thresholdOverrideRecord})
            or
            group ${byScope('group')} (streamops_consumergroup_lag_seconds) * ${threshold}`,
        ),
      ],
      recordingCases: [
        {
          name: 'groups get the default threshold unless an override names them',
          series: [
            series('streamops_consumergroup_lag_seconds', billing, '10x5'),
            series('streamops_consumergroup_lag_seconds', { ...prod, group: 'batch-reports' }, '10x5'),
            { series: `${thresholdOverrideRecord}{group="batch-reports"}`, values: '3600x5' },
          ],
          evalTime: '5m',
          expr: thresholdRecord,
          expect: [
            { labels: `${thresholdRecord}{${at(billing)}}`, value: threshold },
            { labels: `${thresholdRecord}{${at({ ...prod, group: 'batch-reports' })}}`, value: 3600 },
          ],
        },
      ],
    },
    {
      name: 'streamops-consumer-lag',
      file: 'streamops-consumer-lag',
      rules: [
        alert({
          alert: 'StreamopsConsumerGroupTimeLagHigh',
          expr: promql`
            max ${byScope('group')} (streamops_consumergroup_lag_seconds)
            > ${onScope('group')}
            ${thresholdRecord}`,
          for: '5m',
          severity: 'warning',
          summary: 'Consumer group {{ $labels.group }} is {{ $value | humanizeDuration }} behind',
          description: `Consumer group {{ $labels.group }} in cluster {{ $labels.cluster }} has a time lag of {{ $value | humanizeDuration }} (its oldest unconsumed record is that old), above its threshold in ${thresholdRecord} for 5 minutes.`,
          runbook: 'streamopsconsumergrouptimelaghigh',
          cases: [
            {
              name: 'ten minutes of lag fires',
              series: [series('streamops_consumergroup_lag_seconds', billing, '600x15')],
              evalTime: '10m',
              expect: [{ labels: billing, ...timeLagText('10m 0s') }],
            },
            {
              name: 'two minutes of lag does not',
              series: [series('streamops_consumergroup_lag_seconds', billing, '120x15')],
              evalTime: '10m',
              expect: [],
            },
            healthySteadyCase,
            {
              name: 'lag exactly at the threshold does not',
              series: [series('streamops_consumergroup_lag_seconds', billing, `${threshold}x15`)],
              evalTime: '10m',
              edge: true,
              expect: [],
            },
            {
              name: 'lag above the threshold for less than 5 minutes is only pending',
              series: [series('streamops_consumergroup_lag_seconds', billing, '0x5 600x10')],
              evalTime: '10m',
              edge: true,
              expect: [],
            },
            {
              name: 'an override raises the threshold of its group only (no namespace label)',
              series: [
                series(
                  'streamops_consumergroup_lag_seconds',
                  { cluster: 'prod', group: 'billing' },
                  '600x15',
                ),
                series(
                  'streamops_consumergroup_lag_seconds',
                  { cluster: 'prod', group: 'batch-reports' },
                  '600x15',
                ),
                { series: `${thresholdOverrideRecord}{group="batch-reports"}`, values: '3600x15' },
              ],
              evalTime: '10m',
              expect: [{ labels: { cluster: 'prod', group: 'billing' }, ...timeLagText('10m 0s') }],
            },
          ],
        }),
        alert({
          alert: 'StreamopsConsumerGroupStatusError',
          expr: `max ${byScope('group')} (streamops_consumergroup_status_code) == ${groupStatusCodes.ERR}`,
          for: '5m',
          severity: 'critical',
          summary: 'Consumer group {{ $labels.group }} is in ERR',
          description:
            'Consumer group {{ $labels.group }} in cluster {{ $labels.cluster }} has had status code {{ $value }} (ERR) for 5 minutes: at least one partition is STOP, STALL or REWIND. The partition alerts and the Consumer lag dashboard say which.',
          runbook: 'streamopsconsumergroupstatuserror',
          cases: [
            {
              name: 'ERR for ten minutes fires',
              series: [series('streamops_consumergroup_status_code', billing, '1x2 3x13')],
              evalTime: '10m',
              expect: [
                {
                  labels: billing,
                  summary: 'Consumer group billing is in ERR',
                  description:
                    'Consumer group billing in cluster prod has had status code 3 (ERR) for 5 minutes: at least one partition is STOP, STALL or REWIND. The partition alerts and the Consumer lag dashboard say which.',
                },
              ],
            },
            {
              name: 'OK does not fire',
              series: [series('streamops_consumergroup_status_code', billing, '1x15')],
              evalTime: '10m',
              expect: [],
            },
            healthySteadyCase,
            {
              name: 'WARN, the status just below ERR, does not fire',
              series: [series('streamops_consumergroup_status_code', billing, '2x15')],
              evalTime: '10m',
              edge: true,
              expect: [],
            },
            {
              name: 'ERR for less than 5 minutes is only pending',
              series: [series('streamops_consumergroup_status_code', billing, '1x6 3x8')],
              evalTime: '10m',
              edge: true,
              expect: [],
            },
          ],
        }),
        ...(
          [
            [
              'Stopped',
              'STOP',
              partitionStatusCodes.STOP,
              'no commits while lag remains: its consumer is gone or stopped committing',
            ],
            [
              'Stalled',
              'STALL',
              partitionStatusCodes.STALL,
              'commits that do not move while lag remains: its consumer is stuck, typically on one message',
            ],
          ] as const
        ).map(([word, status, code, meaning]) => {
          const other =
            code === partitionStatusCodes.STOP ? partitionStatusCodes.STALL : partitionStatusCodes.STOP;
          const partition = (number: number) => ({ ...billingTopic, partition: String(number) });
          const text = {
            summary: `2 partitions of invoices are ${status} for group billing`,
            description: `2 partitions of topic invoices have been ${status} for consumer group billing in cluster prod for 5 minutes (${meaning}).`,
          };
          return alert({
            alert: `StreamopsConsumerPartition${word}`,
            expr: promql`
              count ${perTopic} (
                max ${byScope('group', 'topic', 'partition')} (streamops_consumergroup_partition_status_code) == ${code}
              )`,
            for: '5m',
            severity: 'warning',
            summary: `{{ $value }} partitions of {{ $labels.topic }} are ${status} for group {{ $labels.group }}`,
            description: `{{ $value }} partitions of topic {{ $labels.topic }} have been ${status} for consumer group {{ $labels.group }} in cluster {{ $labels.cluster }} for 5 minutes (${meaning}).`,
            runbook: `streamopsconsumerpartition${word.toLowerCase()}`,
            cases: [
              {
                name: `two partitions ${status} for ten minutes fire`,
                series: [
                  series('streamops_consumergroup_partition_status_code', partition(0), `${code}x15`),
                  series('streamops_consumergroup_partition_status_code', partition(1), `${code}x15`),
                  series('streamops_consumergroup_partition_status_code', partition(2), '1x15'),
                ],
                evalTime: '10m',
                expect: [{ labels: billingTopic, ...text }],
              },
              healthySteadyCase,
              {
                name: `partitions in another error status do not fire`,
                series: [
                  series('streamops_consumergroup_partition_status_code', partition(0), `${other}x15`),
                ],
                evalTime: '10m',
                expect: [],
              },
              {
                name: `${status} for less than 5 minutes is only pending`,
                series: [
                  series('streamops_consumergroup_partition_status_code', partition(0), `1x6 ${code}x8`),
                ],
                evalTime: '10m',
                edge: true,
                expect: [],
              },
            ],
          });
        }),
        alert({
          alert: 'StreamopsConsumerLagGrowing',
          expr: promql`
            max ${perTopic} (
              min_over_time(streamops_consumergroup_topic_lag_velocity_messages_per_second[10m])
            ) > 0
            and ${onScope('group', 'topic')}
            max ${perTopic} (streamops_consumergroup_topic_lag_seconds) > ${minimumLag}`,
          for: '5m',
          severity: 'warning',
          summary: 'Lag of group {{ $labels.group }} on {{ $labels.topic }} keeps growing',
          description: `The lag of consumer group {{ $labels.group }} on topic {{ $labels.topic }} in cluster {{ $labels.cluster }} has grown at every collection for 15 minutes, by at least {{ $value | humanize }} messages per second, and its time lag is over ${minimumLag}s: consumers are not keeping up with producers.`,
          runbook: 'streamopsconsumerlaggrowing',
          cases: [
            {
              name: 'lag growing at 5 msg/s for 20 minutes fires',
              series: [
                series(
                  'streamops_consumergroup_topic_lag_velocity_messages_per_second',
                  billingTopic,
                  '5x25',
                ),
                series('streamops_consumergroup_topic_lag_seconds', billingTopic, '120x25'),
              ],
              evalTime: '20m',
              expect: [
                {
                  labels: billingTopic,
                  summary: 'Lag of group billing on invoices keeps growing',
                  description: `The lag of consumer group billing on topic invoices in cluster prod has grown at every collection for 15 minutes, by at least 5 messages per second, and its time lag is over ${minimumLag}s: consumers are not keeping up with producers.`,
                },
              ],
            },
            {
              name: 'lag that grows and drains in turn does not fire',
              series: [
                series(
                  'streamops_consumergroup_topic_lag_velocity_messages_per_second',
                  billingTopic,
                  '5 -5 5 -5 5 -5 5 -5 5 -5 5 -5 5 -5 5 -5 5 -5 5 -5 5',
                ),
                series('streamops_consumergroup_topic_lag_seconds', billingTopic, '120x25'),
              ],
              evalTime: '20m',
              expect: [],
            },
            healthySteadyCase,
            {
              name: 'one collection without growth (velocity exactly 0) in the window does not fire',
              series: [
                series(
                  'streamops_consumergroup_topic_lag_velocity_messages_per_second',
                  billingTopic,
                  '5x15 0 5x9',
                ),
                series('streamops_consumergroup_topic_lag_seconds', billingTopic, '120x25'),
              ],
              evalTime: '20m',
              edge: true,
              expect: [],
            },
            {
              name: `a growing lag whose time lag is exactly ${minimumLag}s does not fire`,
              series: [
                series(
                  'streamops_consumergroup_topic_lag_velocity_messages_per_second',
                  billingTopic,
                  '5x25',
                ),
                series('streamops_consumergroup_topic_lag_seconds', billingTopic, `${minimumLag}x25`),
              ],
              evalTime: '20m',
              edge: true,
              expect: [],
            },
          ],
        }),
        alert({
          alert: 'StreamopsConsumerTimeToDrainHigh',
          expr: promql`
            max ${perTopic} (streamops_consumergroup_topic_time_to_drain_seconds) > ${options.timeToDrainSeconds}
            and ${onScope('group', 'topic')}
            max ${perTopic} (streamops_consumergroup_topic_lag_seconds) > ${minimumLag}`,
          for: '10m',
          severity: 'warning',
          summary:
            'Group {{ $labels.group }} needs {{ $value | humanizeDuration }} to drain {{ $labels.topic }}',
          description: `At the current consume and produce rates, consumer group {{ $labels.group }} needs {{ $value | humanizeDuration }} to consume its lag on topic {{ $labels.topic }} in cluster {{ $labels.cluster }} (+Inf: the lag is not shrinking), more than ${options.timeToDrainSeconds / 60} minutes for 10 minutes.`,
          runbook: 'streamopsconsumertimetodrainhigh',
          cases: [
            {
              name: 'half an hour to drain fires',
              series: [
                series('streamops_consumergroup_topic_time_to_drain_seconds', billingTopic, '1800x20'),
                series('streamops_consumergroup_topic_lag_seconds', billingTopic, '300x20'),
              ],
              evalTime: '15m',
              expect: [
                {
                  labels: billingTopic,
                  summary: 'Group billing needs 30m 0s to drain invoices',
                  description: `At the current consume and produce rates, consumer group billing needs 30m 0s to consume its lag on topic invoices in cluster prod (+Inf: the lag is not shrinking), more than ${options.timeToDrainSeconds / 60} minutes for 10 minutes.`,
                },
              ],
            },
            {
              name: 'a lag that is not shrinking (+Inf) fires',
              series: [
                series('streamops_consumergroup_topic_time_to_drain_seconds', billingTopic, infinite(21)),
                series('streamops_consumergroup_topic_lag_seconds', billingTopic, '300x20'),
              ],
              evalTime: '15m',
              expect: [
                {
                  labels: billingTopic,
                  summary: 'Group billing needs +Inf to drain invoices',
                  description: `At the current consume and produce rates, consumer group billing needs +Inf to consume its lag on topic invoices in cluster prod (+Inf: the lag is not shrinking), more than ${options.timeToDrainSeconds / 60} minutes for 10 minutes.`,
                },
              ],
            },
            {
              name: 'ten minutes to drain does not fire',
              series: [
                series('streamops_consumergroup_topic_time_to_drain_seconds', billingTopic, '600x20'),
                series('streamops_consumergroup_topic_lag_seconds', billingTopic, '300x20'),
              ],
              evalTime: '15m',
              expect: [],
            },
            {
              name: 'exactly the limit does not fire',
              series: [
                series(
                  'streamops_consumergroup_topic_time_to_drain_seconds',
                  billingTopic,
                  `${options.timeToDrainSeconds}x20`,
                ),
                series('streamops_consumergroup_topic_lag_seconds', billingTopic, '300x20'),
              ],
              evalTime: '15m',
              edge: true,
              expect: [],
            },
            {
              name: 'a small steady lag (+Inf to drain, time lag under the minimum) does not fire',
              series: [
                series('streamops_consumergroup_topic_time_to_drain_seconds', billingTopic, infinite(21)),
                series('streamops_consumergroup_topic_lag_seconds', billingTopic, '2x20'),
              ],
              evalTime: '15m',
              edge: true,
              expect: [],
            },
          ],
        }),
        alert({
          alert: 'StreamopsConsumerRetentionRisk',
          expr: `max ${perTopic} (streamops_consumergroup_topic_retention_risk_ratio) > ${options.retentionRiskRatio}`,
          for: '5m',
          severity: 'critical',
          summary: 'Retention is about to delete records group {{ $labels.group }} has not read',
          description: `Consumer group {{ $labels.group }} lags on topic {{ $labels.topic }} in cluster {{ $labels.cluster }} by {{ $value | humanizePercentage }} of the records a partition holds; at 100 % the next retention pass deletes unread records.`,
          runbook: 'streamopsconsumerretentionrisk',
          cases: [
            {
              name: '90 % of the log unread fires',
              series: [series('streamops_consumergroup_topic_retention_risk_ratio', billingTopic, '0.9x15')],
              evalTime: '10m',
              expect: [
                {
                  labels: billingTopic,
                  summary: 'Retention is about to delete records group billing has not read',
                  description:
                    'Consumer group billing lags on topic invoices in cluster prod by 90% of the records a partition holds; at 100 % the next retention pass deletes unread records.',
                },
              ],
            },
            {
              name: 'half the log unread does not fire',
              series: [series('streamops_consumergroup_topic_retention_risk_ratio', billingTopic, '0.5x15')],
              evalTime: '10m',
              expect: [],
            },
            {
              name: 'exactly the limit does not fire',
              series: [
                series(
                  'streamops_consumergroup_topic_retention_risk_ratio',
                  billingTopic,
                  `${options.retentionRiskRatio}x15`,
                ),
              ],
              evalTime: '10m',
              edge: true,
              expect: [],
            },
          ],
        }),
      ],
    },
  ];
}
