/**
 * Pipeline alerts from the agent's pipeline view: lost messages, dead-letter ratio, and
 * pipelines that stopped reporting (no live instance, or no series at all); for Flink
 * and Storm, jobs that do not run, failing checkpoints and engine endpoints that do not
 * answer. Every pipeline alert keeps the `engine` label (absent in the cases below, as on
 * series scraped before it existed).
 */
import { defaultOptions, type StreamopsRuleOptions } from '../options';
import { byScope, onScope } from '../promql';
import { alert, promql, type InputSeries, type RuleGroup } from './model';

const agentLabels = (pipeline: string) =>
  `cluster="prod", namespace="streaming", pipeline="${pipeline}", job="streamops-agent", instance="agent:9308"`;
const prodLabels = { cluster: 'prod', namespace: 'streaming' };
const orders = { ...prodLabels, pipeline: 'orders' };
const series = (metric: string, values: string, pipeline = 'orders'): InputSeries => ({
  series: `${metric}{${agentLabels(pipeline)}}`,
  values,
});
const flinkJob = { ...orders, engine: 'flink', pipeline: 'clickstream-sessions' };
const flinkSeries = (metric: string, values: string): InputSeries => ({
  series: `${metric}{engine="flink", ${agentLabels('clickstream-sessions')}}`,
  values,
});
const endpointSeries = (values: string): InputSeries => ({
  series: `streamops_engine_up{engine="flink", endpoint="flink-prod", cluster="prod", namespace="streaming", job="streamops-agent", instance="agent:9308"}`,
  values,
});

export function pipelineRuleGroups(options: StreamopsRuleOptions = defaultOptions): RuleGroup[] {
  const perPipeline = byScope('engine', 'pipeline');
  const dlq = options.deadLetterRatio;
  return [
    {
      name: 'streamops-pipelines',
      file: 'streamops-pipelines',
      rules: [
        alert({
          alert: 'StreamopsPipelineLostMessages',
          expr: `sum ${perPipeline} (increase(streamops_pipeline_lost_messages_total[15m])) > 0`,
          for: '0s',
          severity: 'critical',
          summary: 'Pipeline {{ $labels.pipeline }} lost messages',
          description:
            'Consumers of pipeline {{ $labels.pipeline }} found about {{ $value | humanize }} messages missing from producer sequences in the last 15 minutes (gaps confirmed as loss, not compaction or seeks).',
          runbook: 'streamopspipelinelostmessages',
          cases: [
            {
              name: 'three lost messages fire at once',
              series: [series('streamops_pipeline_lost_messages_total', '0x10 3x5')],
              evalTime: '15m',
              expect: [
                {
                  labels: orders,
                  summary: 'Pipeline orders lost messages',
                  description:
                    'Consumers of pipeline orders found about 3 messages missing from producer sequences in the last 15 minutes (gaps confirmed as loss, not compaction or seeks).',
                },
              ],
            },
            {
              name: 'no loss does not fire',
              series: [series('streamops_pipeline_lost_messages_total', '0x20')],
              evalTime: '15m',
              expect: [],
            },
            {
              name: 'old losses (an unchanged total) do not fire again',
              series: [series('streamops_pipeline_lost_messages_total', '5x40')],
              evalTime: '30m',
              edge: true,
              expect: [],
            },
          ],
        }),
        alert({
          alert: 'StreamopsPipelineDeadLetterRatioHigh',
          expr: `max ${perPipeline} (avg_over_time(streamops_pipeline_dead_letter_ratio[10m])) > ${dlq}`,
          for: '10m',
          severity: 'warning',
          summary:
            'Pipeline {{ $labels.pipeline }} dead-letters {{ $value | humanizePercentage }} of its messages',
          description: `Pipeline {{ $labels.pipeline }} has sent {{ $value | humanizePercentage }} of consumed messages to a dead-letter topic over the last 10 minutes (more than ${dlq * 100} % for 10 minutes).`,
          runbook: 'streamopspipelinedeadletterratiohigh',
          cases: [
            {
              name: '5 % dead-lettered fires',
              series: [series('streamops_pipeline_dead_letter_ratio', '0.05x30')],
              evalTime: '25m',
              expect: [
                {
                  labels: orders,
                  summary: 'Pipeline orders dead-letters 5% of its messages',
                  description: `Pipeline orders has sent 5% of consumed messages to a dead-letter topic over the last 10 minutes (more than ${dlq * 100} % for 10 minutes).`,
                },
              ],
            },
            {
              name: '0.1 % dead-lettered does not fire',
              series: [series('streamops_pipeline_dead_letter_ratio', '0.001x30')],
              evalTime: '25m',
              expect: [],
            },
            {
              name: 'just under the limit does not fire',
              series: [series('streamops_pipeline_dead_letter_ratio', `${dlq * 0.99}x30`)],
              evalTime: '25m',
              edge: true,
              expect: [],
            },
          ],
        }),
        alert({
          alert: 'StreamopsPipelineNoInstances',
          expr: `max ${perPipeline} (streamops_pipeline_instances) == 0`,
          for: '5m',
          severity: 'warning',
          summary: 'Pipeline {{ $labels.pipeline }} has no live instance',
          description:
            'No instance of pipeline {{ $labels.pipeline }} has reported to the agent within its instance TTL for 5 minutes ({{ $value }} live instances): the pipeline is stopped, or its reports do not reach the agent.',
          runbook: 'streamopspipelinenoinstances',
          cases: [
            {
              name: 'no instance for ten minutes fires',
              series: [series('streamops_pipeline_instances', '2x5 0x15')],
              evalTime: '15m',
              expect: [
                {
                  labels: orders,
                  summary: 'Pipeline orders has no live instance',
                  description:
                    'No instance of pipeline orders has reported to the agent within its instance TTL for 5 minutes (0 live instances): the pipeline is stopped, or its reports do not reach the agent.',
                },
              ],
            },
            {
              name: 'live instances do not fire',
              series: [series('streamops_pipeline_instances', '2x20')],
              evalTime: '15m',
              expect: [],
            },
            {
              name: 'one instance left (just above zero) does not fire',
              series: [series('streamops_pipeline_instances', '2x5 1x15')],
              evalTime: '15m',
              edge: true,
              expect: [],
            },
          ],
        }),
        alert({
          alert: 'StreamopsPipelineMetricsAbsent',
          expr: promql`
            max ${perPipeline} (max_over_time(streamops_pipeline_instances[1d]))
            unless ${onScope('engine', 'pipeline')}
            max ${perPipeline} (streamops_pipeline_instances)`,
          for: '10m',
          severity: 'warning',
          summary: 'No data from pipeline {{ $labels.pipeline }}',
          description:
            'The series of pipeline {{ $labels.pipeline }} stopped arriving (it had up to {{ $value }} live instances in the last day): the agent no longer models it, or the agent is not scraped. Its lag, throughput and reliability alerts are blind.',
          runbook: 'streamopspipelinemetricsabsent',
          cases: [
            {
              name: 'series gone for half an hour fire',
              series: [
                series('streamops_pipeline_instances', '2x30'),
                series('streamops_pipeline_instances', '1x70', 'billing'),
              ],
              evalTime: '65m',
              expect: [
                {
                  labels: orders,
                  summary: 'No data from pipeline orders',
                  description:
                    'The series of pipeline orders stopped arriving (it had up to 2 live instances in the last day): the agent no longer models it, or the agent is not scraped. Its lag, throughput and reliability alerts are blind.',
                },
              ],
            },
            {
              name: 'series that keep coming do not fire',
              series: [series('streamops_pipeline_instances', '2x70')],
              evalTime: '65m',
              expect: [],
            },
            {
              name: 'series gone for less than the staleness delta plus 10 minutes are only pending',
              series: [series('streamops_pipeline_instances', '2x30')],
              evalTime: '44m',
              edge: true,
              expect: [],
            },
          ],
        }),
        alert({
          alert: 'StreamopsPipelineNotRunning',
          expr: `max ${perPipeline} (streamops_pipeline_running) == 0`,
          for: '10m',
          severity: 'warning',
          summary: '{{ $labels.engine }} job {{ $labels.pipeline }} is not running',
          description:
            'The {{ $labels.engine }} job {{ $labels.pipeline }} has not been running for 10 minutes (streamops_pipeline_running = {{ $value }}): it is restarting, failing, or deactivated, and processes no records.',
          runbook: 'streamopspipelinenotrunning',
          cases: [
            {
              name: 'restarting for a quarter of an hour fires',
              series: [flinkSeries('streamops_pipeline_running', '1x5 0x20')],
              evalTime: '20m',
              expect: [
                {
                  labels: flinkJob,
                  summary: 'flink job clickstream-sessions is not running',
                  description:
                    'The flink job clickstream-sessions has not been running for 10 minutes (streamops_pipeline_running = 0): it is restarting, failing, or deactivated, and processes no records.',
                },
              ],
            },
            {
              name: 'a running job does not fire',
              series: [flinkSeries('streamops_pipeline_running', '1x25')],
              evalTime: '20m',
              expect: [],
            },
            {
              name: 'a restart shorter than 10 minutes is only pending',
              series: [flinkSeries('streamops_pipeline_running', '1x12 0x13')],
              evalTime: '20m',
              edge: true,
              expect: [],
            },
          ],
        }),
        alert({
          alert: 'StreamopsPipelineCheckpointsFailing',
          expr: `sum ${perPipeline} (increase(streamops_pipeline_checkpoints_failed_total[15m])) >= 3`,
          for: '0s',
          severity: 'warning',
          summary: 'Checkpoints of {{ $labels.engine }} job {{ $labels.pipeline }} are failing',
          description:
            '{{ $value | humanize }} checkpoints of the {{ $labels.engine }} job {{ $labels.pipeline }} failed in the last 15 minutes. A restart now would replay everything since the last completed checkpoint.',
          runbook: 'streamopspipelinecheckpointsfailing',
          cases: [
            {
              name: 'seven failed checkpoints fire',
              series: [flinkSeries('streamops_pipeline_checkpoints_failed_total', '0x10 7x5')],
              evalTime: '15m',
              expect: [
                {
                  labels: flinkJob,
                  summary: 'Checkpoints of flink job clickstream-sessions are failing',
                  description:
                    '7 checkpoints of the flink job clickstream-sessions failed in the last 15 minutes. A restart now would replay everything since the last completed checkpoint.',
                },
              ],
            },
            {
              name: 'an old failure count that does not grow does not fire',
              series: [flinkSeries('streamops_pipeline_checkpoints_failed_total', '9x40')],
              evalTime: '30m',
              expect: [],
            },
            {
              name: 'two failures (under the limit of three) do not fire',
              series: [flinkSeries('streamops_pipeline_checkpoints_failed_total', '0x10 2x5')],
              evalTime: '15m',
              edge: true,
              expect: [],
            },
          ],
        }),
        alert({
          alert: 'StreamopsEngineDown',
          expr: `max ${byScope('engine', 'endpoint')} (streamops_engine_up) == 0`,
          for: '5m',
          severity: 'warning',
          summary: 'The agent cannot read the {{ $labels.engine }} endpoint {{ $labels.endpoint }}',
          description:
            'Polls of the {{ $labels.engine }} endpoint {{ $labels.endpoint }} have failed for 5 minutes (streamops_engine_up = {{ $value }}). Its jobs keep their last values, so their alerts may be blind.',
          runbook: 'streamopsenginedown',
          cases: [
            {
              name: 'failing for ten minutes fires',
              series: [endpointSeries('1x3 0x12')],
              evalTime: '12m',
              expect: [
                {
                  labels: { ...prodLabels, engine: 'flink', endpoint: 'flink-prod' },
                  summary: 'The agent cannot read the flink endpoint flink-prod',
                  description:
                    'Polls of the flink endpoint flink-prod have failed for 5 minutes (streamops_engine_up = 0). Its jobs keep their last values, so their alerts may be blind.',
                },
              ],
            },
            {
              name: 'an answering endpoint does not fire',
              series: [endpointSeries('1x15')],
              evalTime: '12m',
              expect: [],
            },
            {
              name: 'failing for less than 5 minutes is only pending',
              series: [endpointSeries('1x8 0x6')],
              evalTime: '12m',
              edge: true,
              expect: [],
            },
          ],
        }),
      ],
    },
  ];
}
