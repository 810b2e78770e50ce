import { type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import {
  buildDashboard,
  dashboardUrl,
  flagMapping,
  stat,
  steps,
  timeseries,
  units,
  upMapping,
} from './panels';
import { pipelineThroughputUid, pipelineVariables } from './pipeline-throughput';
import { dashboardScope, pipelineScope, selector } from './promql';

export const engineJobsUid = 'streamops-engine-jobs';

/**
 * Flink jobs and Storm topologies: what only engines report (running state, restarts,
 * checkpoints, backpressure) and the health of the engine endpoints. Their throughput,
 * utilisation and bottleneck are on the pipeline dashboard, with the engine variable.
 */
export function engineJobsDashboard(): Dashboard {
  const p = pipelineScope;
  const endpoints = [...dashboardScope, 'engine=~"$engine"'];
  const perPipeline = 'max by (cluster, namespace, engine, pipeline)';
  const perStage = 'max by (cluster, namespace, engine, pipeline, stage)';
  const perEndpoint = 'max by (cluster, namespace, engine, endpoint)';
  const model = (metric: string) => `${perPipeline} (${selector(metric, p)})`;
  const throughputLink = [
    { title: 'Pipeline throughput & capacity', url: dashboardUrl(pipelineThroughputUid) },
  ];

  return buildDashboard({
    uid: engineJobsUid,
    title: 'streamops / Engine jobs (Flink, Storm)',
    description:
      'Flink jobs and Storm topologies the agent polls: running state, restarts, checkpoints, backpressure and lag, and whether the engine endpoints answer. Throughput and capacity are on the pipeline dashboard.',
    variables: pipelineVariables('streamops_pipeline_running'),
    rows: [
      {
        title: 'Jobs',
        panels: [
          stat({
            title: 'Jobs not running',
            description:
              'Jobs in any state but running (Flink RESTARTING, FAILING...; Storm INACTIVE, REBALANCING). A job that stays here does not process records.',
            unit: units.count,
            width: 6,
            sparkline: false,
            thresholds: steps('green', [1, 'red']),
            queries: [
              {
                expr: `count(${model('streamops_pipeline_running')} == 0) or vector(0)`,
                legend: 'not running',
              },
            ],
          }),
          timeseries({
            title: 'Running',
            description: '1 while the engine runs the job, 0 in any other state.',
            unit: units.state,
            width: 6,
            min: 0,
            max: 1,
            mappings: [flagMapping],
            queries: [{ expr: model('streamops_pipeline_running'), legend: '{{engine}} {{pipeline}}' }],
          }),
          timeseries({
            title: 'Restarts',
            description:
              'Job restarts in each interval (Flink numRestarts). Restarts replay records from the last checkpoint: expect duplicates downstream and a lag spike.',
            unit: units.count,
            width: 6,
            min: 0,
            queries: [
              {
                expr: `sum by (cluster, namespace, engine, pipeline) (increase(${selector('streamops_pipeline_restarts_total', p)}[$__rate_interval]))`,
                legend: '{{pipeline}}',
              },
            ],
          }),
          timeseries({
            title: 'Checkpoints failed',
            description:
              'Failed checkpoints in each interval (Flink). A job that cannot checkpoint replays everything since its last good one when it restarts.',
            unit: units.count,
            width: 6,
            min: 0,
            thresholds: steps('green', [1, 'red']),
            queries: [
              {
                expr: `sum by (cluster, namespace, engine, pipeline) (increase(${selector('streamops_pipeline_checkpoints_failed_total', p)}[$__rate_interval]))`,
                legend: '{{pipeline}}',
              },
            ],
          }),
        ],
      },
      {
        title: 'Flow',
        panels: [
          timeseries({
            title: 'Stage backpressure',
            description:
              'Share of time each operator was blocked by a slower one downstream (Flink). The bottleneck is the busy stage just downstream of the blocked ones.',
            unit: units.ratio,
            width: 8,
            min: 0,
            max: 1,
            links: throughputLink,
            queries: [
              {
                expr: `${perStage} (${selector('streamops_pipeline_stage_backpressure_ratio', p)})`,
                legend: '{{pipeline}} / {{stage}}',
              },
            ],
          }),
          timeseries({
            title: 'Input lag',
            description:
              'Records waiting at the sources (Flink pendingRecords or records-lag-max; Storm Kafka spout lag; kafkajs: the input groups’ lag).',
            unit: units.messages,
            width: 8,
            min: 0,
            links: throughputLink,
            queries: [{ expr: model('streamops_pipeline_lag_messages'), legend: '{{engine}} {{pipeline}}' }],
          }),
          timeseries({
            title: 'Last checkpoint duration',
            description:
              'End-to-end duration of the latest completed checkpoint (Flink). Durations that approach the checkpoint interval or timeout precede failures.',
            unit: units.seconds,
            width: 8,
            min: 0,
            queries: [
              { expr: model('streamops_pipeline_last_checkpoint_duration_seconds'), legend: '{{pipeline}}' },
            ],
          }),
        ],
      },
      {
        title: 'Engine endpoints',
        panels: [
          stat({
            title: 'Endpoint up',
            description:
              'Did the last poll of each Flink or Storm endpoint succeed? While it is down, its jobs keep their last values.',
            unit: units.state,
            width: 8,
            sparkline: false,
            mappings: [upMapping],
            thresholds: steps('red', [1, 'green']),
            queries: [
              {
                expr: `${perEndpoint} (${selector('streamops_engine_up', endpoints)})`,
                legend: '{{endpoint}}',
              },
            ],
          }),
          stat({
            title: 'Data age',
            description:
              'Seconds since the last successful poll of each endpoint: how stale its jobs’ values are.',
            unit: units.seconds,
            width: 8,
            sparkline: false,
            thresholds: steps('green', [120, 'orange'], [300, 'red']),
            queries: [
              {
                expr: `time() - ${perEndpoint} (${selector('streamops_engine_last_success_timestamp_seconds', endpoints)})`,
                legend: '{{endpoint}}',
              },
            ],
          }),
          timeseries({
            title: 'Failed polls and jobs',
            description: 'Polls that failed per interval, and the jobs each endpoint reports.',
            unit: units.count,
            width: 8,
            min: 0,
            queries: [
              {
                expr: `sum by (cluster, namespace, engine, endpoint) (increase(${selector('streamops_engine_poll_failures_total', endpoints)}[$__rate_interval]))`,
                legend: 'failed polls {{endpoint}}',
              },
              {
                expr: `${perEndpoint} (${selector('streamops_engine_jobs', endpoints)})`,
                legend: 'jobs {{endpoint}}',
              },
            ],
          }),
        ],
      },
    ],
  });
}
