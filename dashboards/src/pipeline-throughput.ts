import { BigValueTextMode } from '@grafana/grafana-foundation-sdk/common';
import { type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { consumerLagUid } from './consumer-lag';
import {
  barGauge,
  buildDashboard,
  dashboardUrl,
  datasourceVariable,
  flagMapping,
  labelVariable,
  notDrainingMapping,
  stat,
  steps,
  timeseries,
  units,
} from './panels';
import { defaultOptions, type StreamopsRuleOptions } from './options';
import { pipelineScope, selector } from './promql';

export const pipelineThroughputUid = 'streamops-pipeline-throughput';

/** Template variables of the pipeline dashboards: data source, cluster, namespace, engine, pipeline. */
export function pipelineVariables(metric = 'streamops_pipeline_instances') {
  return [
    datasourceVariable(),
    labelVariable(
      'cluster',
      'Cluster',
      metric,
      [],
      'Cluster label, when the scrape adds one to pipeline series; All also matches series without it.',
    ),
    labelVariable(
      'namespace',
      'Namespace',
      metric,
      ['cluster=~"$cluster"'],
      'Kubernetes namespace; All also matches series without the label.',
    ),
    labelVariable(
      'engine',
      'Engine',
      metric,
      ['cluster=~"$cluster"', 'namespace=~"$namespace"'],
      'What runs the pipeline: kafkajs (streamops SDK), otel (other OTLP senders), flink or storm.',
    ),
    labelVariable(
      'pipeline',
      'Pipeline',
      metric,
      ['cluster=~"$cluster"', 'namespace=~"$namespace"', 'engine=~"$engine"'],
      'Pipelines reporting to the agent, and Flink jobs and Storm topologies it polls.',
    ),
  ];
}

/** Throughput and capacity: R = D × P × C, stage utilisation and headroom, bottleneck, forecast. */
export function pipelineThroughputDashboard(options: StreamopsRuleOptions = defaultOptions): Dashboard {
  const p = pipelineScope;
  const perPipeline = 'max by (cluster, namespace, engine, pipeline)';
  const perStage = 'max by (cluster, namespace, engine, pipeline, stage)';
  const model = (metric: string) => `${perPipeline} (${selector(metric, p)})`;
  const stageModel = (metric: string) => `${perStage} (${selector(metric, p)})`;
  const rate = (metric: string, by: string) =>
    `sum by (${by}) (rate(${selector(metric, p)}[$__rate_interval]))`;
  const quantile = (q: number, metric: string, by: string) =>
    `histogram_quantile(${q}, sum by (${by}, le) (rate(${selector(metric, p)}[$__rate_interval])))`;
  const lagLink = [{ title: 'Consumer lag', url: dashboardUrl(consumerLagUid) }];
  const utilisationSteps = steps('green', [0.8, 'orange'], [1, 'red']);

  return buildDashboard({
    uid: pipelineThroughputUid,
    title: 'streamops / Pipeline throughput & capacity',
    description:
      'The throughput model R = D × P × C of each pipeline, measured delivery, stage utilisation and headroom, the bottleneck, and whether capacity will meet the arrival rate.',
    variables: pipelineVariables(),
    rows: [
      {
        title: 'Throughput model R = D × P × C',
        panels: [
          stat({
            title: 'D: arrival rate',
            description:
              'Messages per second arriving in the pipeline’s input topics (growth of their log end offsets).',
            unit: units.messagesPerSecond,
            width: 4,
            thresholds: steps('blue'),
            queries: [
              { expr: model('streamops_pipeline_arrival_rate_messages_per_second'), legend: '{{pipeline}}' },
            ],
          }),
          stat({
            title: 'P: processing yield',
            description:
              'Share of consumed messages that left processing successfully (not errored, dead-lettered or filtered).',
            unit: units.ratio,
            width: 4,
            thresholds: steps('red', [0.95, 'orange'], [0.99, 'green']),
            queries: [{ expr: model('streamops_pipeline_processing_yield_ratio'), legend: '{{pipeline}}' }],
          }),
          stat({
            title: 'C: delivery yield',
            description:
              'Messages acknowledged on the output topics per message processed; above 100 % when a stage fans out.',
            unit: units.ratio,
            width: 4,
            thresholds: steps('blue'),
            queries: [{ expr: model('streamops_pipeline_delivery_yield_ratio'), legend: '{{pipeline}}' }],
          }),
          stat({
            title: 'R: predicted throughput',
            description: 'R = D × P × C: the delivered rate the model predicts in steady state.',
            unit: units.messagesPerSecond,
            width: 4,
            thresholds: steps('blue'),
            queries: [
              {
                expr: model('streamops_pipeline_effective_throughput_messages_per_second'),
                legend: '{{pipeline}}',
              },
            ],
          }),
          stat({
            title: 'R measured: delivered rate',
            description: 'Messages per second actually acknowledged on the output topics; compare with R.',
            unit: units.messagesPerSecond,
            width: 4,
            thresholds: steps('blue'),
            queries: [
              {
                expr: model('streamops_pipeline_delivered_rate_messages_per_second'),
                legend: '{{pipeline}}',
              },
            ],
          }),
          stat({
            title: 'Out of steady state',
            description:
              'Do R and the measured delivery disagree beyond tolerance? "yes" means lag is building or draining: the pipeline is not keeping pace with arrivals right now.',
            unit: units.state,
            width: 4,
            sparkline: false,
            mappings: [flagMapping],
            thresholds: steps('green', [1, 'orange']),
            queries: [{ expr: model('streamops_pipeline_model_mismatch'), legend: '{{pipeline}}' }],
          }),
          timeseries({
            title: 'Predicted R against measured delivery',
            description:
              'Is the pipeline in steady state? The two lines meet when consumption keeps up; measured below R means lag is building, above R that backlog is draining.',
            unit: units.messagesPerSecond,
            width: 12,
            min: 0,
            queries: [
              {
                expr: model('streamops_pipeline_effective_throughput_messages_per_second'),
                legend: 'R predicted {{pipeline}}',
              },
              {
                expr: model('streamops_pipeline_delivered_rate_messages_per_second'),
                legend: 'delivered {{pipeline}}',
              },
            ],
          }),
          timeseries({
            title: 'Arrival, consumption and delivery',
            description:
              'Messages per second arriving (D), consumed from the input topics, and delivered to the outputs. Consumption below arrival means growing lag.',
            unit: units.messagesPerSecond,
            width: 12,
            min: 0,
            links: lagLink,
            queries: [
              {
                expr: model('streamops_pipeline_arrival_rate_messages_per_second'),
                legend: 'arrival {{pipeline}}',
              },
              {
                expr: model('streamops_pipeline_consumed_rate_messages_per_second'),
                legend: 'consumed {{pipeline}}',
              },
              {
                expr: model('streamops_pipeline_delivered_rate_messages_per_second'),
                legend: 'delivered {{pipeline}}',
              },
            ],
          }),
          timeseries({
            title: 'Yields P and C, and the filtered share',
            description:
              'Where messages go: P is the share processed successfully, the filtered share is reported beside it (filtering is not a failure), C the output per processed message.',
            unit: units.ratio,
            width: 12,
            min: 0,
            queries: [
              { expr: model('streamops_pipeline_processing_yield_ratio'), legend: 'P {{pipeline}}' },
              { expr: model('streamops_pipeline_delivery_yield_ratio'), legend: 'C {{pipeline}}' },
              { expr: model('streamops_pipeline_filtered_ratio'), legend: 'filtered {{pipeline}}' },
            ],
          }),
          timeseries({
            title: 'Live instances',
            description:
              'Instances reporting per pipeline and per stage. A drop to zero means the pipeline stopped reporting (see the no-data alerts).',
            unit: units.count,
            width: 12,
            min: 0,
            queries: [
              { expr: model('streamops_pipeline_instances'), legend: '{{pipeline}}' },
              { expr: stageModel('streamops_pipeline_stage_instances'), legend: '{{pipeline}} / {{stage}}' },
            ],
          }),
        ],
      },
      {
        title: 'Capacity',
        panels: [
          timeseries({
            title: 'Stage utilisation ρ',
            description:
              'How busy each stage is: arrival rate ÷ service rate. At 100 % the stage cannot keep up and lag grows; plan capacity below 80 %.',
            unit: units.ratio,
            width: 12,
            min: 0,
            thresholds: utilisationSteps,
            thresholdLines: true,
            queries: [
              {
                expr: stageModel('streamops_pipeline_stage_utilization_ratio'),
                legend: '{{pipeline}} / {{stage}}',
              },
            ],
          }),
          barGauge({
            title: 'Stage headroom',
            description:
              'How many more messages per second each stage could take (service rate minus arrival rate). Negative: the stage is overloaded.',
            unit: units.messagesPerSecond,
            width: 8,
            thresholds: steps('red', [0, 'green']),
            queries: [
              {
                expr: stageModel('streamops_pipeline_stage_headroom_messages_per_second'),
                legend: '{{pipeline}} / {{stage}}',
                instant: true,
              },
            ],
          }),
          stat({
            title: 'Bottleneck stage',
            description:
              'Which stage limits the pipeline: the busiest stage of the most utilised process group. Scale this one first.',
            unit: units.state,
            width: 4,
            sparkline: false,
            textMode: BigValueTextMode.Name,
            thresholds: steps('orange'),
            queries: [
              {
                expr: `${perStage} (${selector('streamops_pipeline_bottleneck', p)}) == 1`,
                legend: '{{pipeline}}: {{stage}}',
                instant: true,
              },
            ],
          }),
          timeseries({
            title: 'Stage service rate μ against stage arrival',
            description:
              'What each stage can take (μ: messages ÷ busy seconds × concurrency × instances) against what arrives at it.',
            unit: units.messagesPerSecond,
            width: 12,
            min: 0,
            queries: [
              {
                expr: stageModel('streamops_pipeline_stage_service_rate_messages_per_second'),
                legend: 'μ {{pipeline}} / {{stage}}',
              },
              {
                expr: stageModel('streamops_pipeline_stage_arrival_rate_messages_per_second'),
                legend: 'arrival {{pipeline}} / {{stage}}',
              },
            ],
          }),
          timeseries({
            title: 'Max sustainable throughput against arrival',
            description:
              'Can the pipeline absorb what arrives? Maximum sustainable input rate with the current instances (the lowest stage capacity) against the arrival rate D.',
            unit: units.messagesPerSecond,
            width: 12,
            min: 0,
            queries: [
              {
                expr: model('streamops_pipeline_max_sustainable_throughput_messages_per_second'),
                legend: 'max sustainable {{pipeline}}',
              },
              {
                expr: model('streamops_pipeline_arrival_rate_messages_per_second'),
                legend: 'arrival {{pipeline}}',
              },
            ],
          }),
          timeseries({
            title: 'Arrival forecast (1 h ahead)',
            description:
              'Will arrivals outgrow capacity within the hour? The arrival rate extrapolated one hour ahead from its 30-minute linear trend (predict_linear), against the maximum sustainable throughput.',
            unit: units.messagesPerSecond,
            width: 12,
            min: 0,
            queries: [
              {
                expr: `${perPipeline} (predict_linear(${selector('streamops_pipeline_arrival_rate_messages_per_second', p)}[30m], 3600))`,
                legend: 'arrival in 1 h {{pipeline}}',
              },
              {
                expr: model('streamops_pipeline_max_sustainable_throughput_messages_per_second'),
                legend: 'max sustainable {{pipeline}}',
              },
            ],
          }),
          stat({
            title: 'Pipeline time to drain',
            description:
              'How long until the input groups’ lag is consumed at the current rates; "not draining" when it is not shrinking, 0 without lag.',
            unit: units.seconds,
            width: 12,
            mappings: [notDrainingMapping],
            thresholds: steps(
              'green',
              [options.timeToDrainSeconds, 'orange'],
              [4 * options.timeToDrainSeconds, 'red'],
            ),
            links: lagLink,
            queries: [{ expr: model('streamops_pipeline_time_to_drain_seconds'), legend: '{{pipeline}}' }],
          }),
        ],
      },
      {
        title: 'Per instance (SDK metrics, when Prometheus scrapes the apps)',
        panels: [
          timeseries({
            title: 'Consumed per topic',
            description: 'Messages per second handed to the handlers, per pipeline, stage and topic.',
            unit: units.messagesPerSecond,
            width: 8,
            min: 0,
            queries: [
              {
                expr: rate('streamops_consumer_messages_total', 'pipeline, stage, topic'),
                legend: '{{pipeline}} / {{stage}} ← {{topic}}',
              },
            ],
          }),
          timeseries({
            title: 'Produced per topic',
            description: 'Messages per second acknowledged by Kafka, per pipeline, stage and topic.',
            unit: units.messagesPerSecond,
            width: 8,
            min: 0,
            queries: [
              {
                expr: rate('streamops_producer_messages_total', 'pipeline, stage, topic'),
                legend: '{{pipeline}} / {{stage}} → {{topic}}',
              },
            ],
          }),
          timeseries({
            title: 'Busy time per stage',
            description:
              'Busy seconds per second of each stage, summed over its instances: near the number of instances means they are always busy.',
            unit: units.count,
            width: 8,
            min: 0,
            queries: [
              {
                expr: rate('streamops_stage_busy_seconds_total', 'pipeline, stage'),
                legend: '{{pipeline}} / {{stage}}',
              },
            ],
          }),
          timeseries({
            title: 'Stage duration p50 / p99',
            description: 'Time a message spends in each processor stage, retries and backoff included.',
            unit: units.seconds,
            width: 12,
            min: 0,
            queries: [
              {
                expr: quantile(0.5, 'streamops_stage_duration_seconds_bucket', 'pipeline, stage'),
                legend: 'p50 {{pipeline}} / {{stage}}',
              },
              {
                expr: quantile(0.99, 'streamops_stage_duration_seconds_bucket', 'pipeline, stage'),
                legend: 'p99 {{pipeline}} / {{stage}}',
              },
            ],
          }),
          timeseries({
            title: 'Client-side lag',
            description:
              'Lag the consumers see in their fetches (high watermark minus position), per group and topic; the agent’s lag is on the Consumer lag dashboard.',
            unit: units.messages,
            width: 12,
            min: 0,
            links: lagLink,
            queries: [
              {
                expr: `sum by (pipeline, group, topic) (${selector('streamops_consumer_lag_messages', p)})`,
                legend: '{{pipeline}} / {{group}} / {{topic}}',
              },
            ],
          }),
        ],
      },
    ],
  });
}
