import { type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { defaultOptions, errorBudget, type StreamopsRuleOptions } from './options';
import { buildDashboard, stat, steps, timeseries, units } from './panels';
import { pipelineVariables } from './pipeline-throughput';
import { pipelineScope, selector } from './promql';
import { errorRatioRecord, slowRatioRecord } from './rules/slo';

export const reliabilityUid = 'streamops-reliability';

/** Reliability: error, retry and dead-letter ratios, loss and duplicates, end-to-end latency, SLO burn. */
export function reliabilityDashboard(options: StreamopsRuleOptions = defaultOptions): Dashboard {
  const p = pipelineScope;
  // The multi-window burn rates of one budget, over the windows the SLO alerts use.
  const burnRateQueries = (record: (window: '1h' | '6h' | '3d') => string, budget: number) =>
    (['1h', '6h', '3d'] as const).map((window) => ({
      expr: `${record(window)}{${p.join(', ')}} / ${budget}`,
      legend: `${window.replace(/(\d+)/, '$1 ')} {{pipeline}}`,
    }));
  const perPipeline = 'max by (cluster, namespace, engine, pipeline)';
  const model = (metric: string) => `${perPipeline} (${selector(metric, p)})`;
  const rate = (metric: string, by: string, extra: readonly string[] = []) =>
    `sum by (${by}) (rate(${selector(metric, [...p, ...extra])}[$__rate_interval]))`;
  const counted = (metric: string) =>
    `sum by (engine, pipeline) (increase(${selector(metric, p)}[$__range]))`;
  const ageQuantile = (q: number) =>
    `histogram_quantile(${q}, sum by (pipeline, le) (rate(${selector('streamops_consumer_record_age_seconds_bucket', p)}[$__rate_interval])))`;
  const errorBudgetRatio = errorBudget(options.errorObjective);
  const latencyBudgetRatio = errorBudget(options.latencyObjective);
  const burnSteps = steps('green', [1, 'yellow'], [6, 'orange'], [14.4, 'red']);
  const latencySteps = steps('green', [options.latencyThresholdSeconds, 'red']);

  return buildDashboard({
    uid: reliabilityUid,
    title: 'streamops / Reliability',
    description:
      'Are messages processed correctly and on time? Error, retry and dead-letter ratios, lost and duplicated messages, redeliveries, end-to-end latency and SLO burn rates.',
    variables: pipelineVariables(),
    rows: [
      {
        title: 'Errors, retries and dead letters',
        panels: [
          timeseries({
            title: 'Error and dead-letter ratios',
            description: `Share of consumed messages that ended in error, and share sent to a dead-letter topic (agent model). The dashed lines are the error budget (${errorBudgetRatio * 100} %) and the dead-letter alert level (${options.deadLetterRatio * 100} %).`,
            unit: units.ratio,
            width: 12,
            min: 0,
            thresholds: steps('green', [errorBudgetRatio, 'orange'], [options.deadLetterRatio, 'red']),
            thresholdLines: true,
            queries: [
              { expr: model('streamops_pipeline_error_ratio'), legend: 'errors {{pipeline}}' },
              { expr: model('streamops_pipeline_dead_letter_ratio'), legend: 'dead-lettered {{pipeline}}' },
            ],
          }),
          timeseries({
            title: 'Retry ratio per stage',
            description:
              'Handler attempts repeated after an error or a timeout, per message through the stage. Retries that keep rising point at a failing dependency.',
            unit: units.ratio,
            width: 12,
            min: 0,
            queries: [
              {
                expr: `${rate('streamops_stage_retries_total', 'pipeline, stage')} / ${rate('streamops_stage_messages_total', 'pipeline, stage')}`,
                legend: '{{pipeline}} / {{stage}}',
              },
            ],
          }),
          timeseries({
            title: 'Stage outcomes',
            description:
              'Messages per second leaving each processor stage by outcome: success, retried (succeeded after a retry), filtered, dead_lettered, error.',
            unit: units.messagesPerSecond,
            width: 12,
            min: 0,
            stacked: true,
            queries: [
              {
                expr: rate('streamops_stage_messages_total', 'pipeline, stage, outcome'),
                legend: '{{stage}} {{outcome}} ({{pipeline}})',
              },
            ],
          }),
          timeseries({
            title: 'Failures by type',
            description:
              'Which errors happen: failed sends and handler exceptions by error class, consumer crashes and failed commits, per second.',
            unit: units.perSecond,
            width: 12,
            min: 0,
            queries: [
              {
                expr: rate('streamops_producer_errors_total', 'pipeline, stage, error_type'),
                legend: 'send {{error_type}} ({{pipeline}} / {{stage}})',
              },
              {
                expr: rate('streamops_consumer_handler_errors_total', 'pipeline, stage, error_type'),
                legend: 'handler {{error_type}} ({{pipeline}} / {{stage}})',
              },
              {
                expr: rate('streamops_consumer_crashes_total', 'pipeline, stage, error_type'),
                legend: 'crash {{error_type}} ({{pipeline}} / {{stage}})',
              },
              {
                expr: rate('streamops_consumer_commit_failures_total', 'pipeline, stage, group'),
                legend: 'commit failed {{group}} ({{pipeline}})',
              },
              {
                expr: rate('streamops_producer_retries_total', 'pipeline, stage, topic'),
                legend: 'send retried → {{topic}} ({{pipeline}})',
              },
            ],
          }),
        ],
      },
      {
        title: 'Lost, duplicated and redelivered messages',
        panels: [
          stat({
            title: 'Lost messages',
            description:
              'Messages missing from producer sequences in the selected time range, confirmed as loss (not compaction, seeks or aborted transactions). Anything above 0 is data loss.',
            unit: units.messages,
            width: 8,
            sparkline: false,
            thresholds: steps('green', [1, 'red']),
            queries: [{ expr: counted('streamops_pipeline_lost_messages_total'), legend: '{{pipeline}}' }],
          }),
          stat({
            title: 'Duplicated messages',
            description:
              'Messages seen again at another offset in the selected time range: a producer retried a send that had succeeded (enable idempotence) or a stage produced twice.',
            unit: units.messages,
            width: 8,
            sparkline: false,
            thresholds: steps('green', [1, 'orange']),
            queries: [
              { expr: counted('streamops_pipeline_duplicate_messages_total'), legend: '{{pipeline}}' },
            ],
          }),
          stat({
            title: 'Redelivered messages',
            description:
              'Messages delivered again at an offset already delivered in the selected time range: after an error, a rebalance or a restart (at-least-once at work).',
            unit: units.messages,
            width: 8,
            sparkline: false,
            thresholds: steps('green', [1, 'yellow']),
            queries: [
              { expr: counted('streamops_pipeline_redelivered_messages_total'), legend: '{{pipeline}}' },
            ],
          }),
          timeseries({
            title: 'Loss, duplicates and redeliveries per second',
            description: 'When they happened: rates of the pipeline totals (departed instances included).',
            unit: units.messagesPerSecond,
            width: 12,
            min: 0,
            queries: [
              {
                expr: rate('streamops_pipeline_lost_messages_total', 'pipeline'),
                legend: 'lost {{pipeline}}',
              },
              {
                expr: rate('streamops_pipeline_duplicate_messages_total', 'pipeline'),
                legend: 'duplicated {{pipeline}}',
              },
              {
                expr: rate('streamops_pipeline_redelivered_messages_total', 'pipeline'),
                legend: 'redelivered {{pipeline}}',
              },
            ],
          }),
          timeseries({
            title: 'Sequence checks per topic (SDK)',
            description:
              'Where: lost, duplicated and redelivered messages, and sequence gaps that cannot be told apart from compaction or seeks (unverified, not counted as lost), per group and topic.',
            unit: units.messagesPerSecond,
            width: 12,
            min: 0,
            queries: [
              {
                expr: rate('streamops_consumer_lost_messages_total', 'pipeline, group, topic'),
                legend: 'lost {{group}} ← {{topic}}',
              },
              {
                expr: rate('streamops_consumer_duplicate_messages_total', 'pipeline, group, topic'),
                legend: 'duplicated {{group}} ← {{topic}}',
              },
              {
                expr: rate('streamops_consumer_redelivered_messages_total', 'pipeline, group, topic'),
                legend: 'redelivered {{group}} ← {{topic}}',
              },
              {
                expr: rate('streamops_consumer_unverified_sequence_gaps_total', 'pipeline, group, topic'),
                legend: 'unverified gap {{group}} ← {{topic}}',
              },
            ],
          }),
        ],
      },
      {
        title: 'End-to-end latency',
        panels: [
          timeseries({
            title: 'End-to-end latency p50 / p95 / p99',
            description: `Time from a message entering the pipeline (streamops-origin-ts, else the record timestamp) to its consumption, from the SDK histograms of the scraped instances. The dashed line is the latency objective (${options.latencyThresholdSeconds}s).`,
            unit: units.seconds,
            width: 12,
            min: 0,
            thresholds: latencySteps,
            thresholdLines: true,
            queries: [
              { expr: ageQuantile(0.5), legend: 'p50 {{pipeline}}' },
              { expr: ageQuantile(0.95), legend: 'p95 {{pipeline}}' },
              { expr: ageQuantile(0.99), legend: 'p99 {{pipeline}}' },
            ],
          }),
          timeseries({
            title: 'End-to-end latency p50 / p99 (agent)',
            description:
              'The same latency as the agent computes it from the reported histograms merged across instances (also for instances Prometheus does not scrape).',
            unit: units.seconds,
            width: 12,
            min: 0,
            thresholds: latencySteps,
            thresholdLines: true,
            queries: [
              {
                expr: model('streamops_pipeline_end_to_end_latency_p50_seconds'),
                legend: 'p50 {{pipeline}}',
              },
              {
                expr: model('streamops_pipeline_end_to_end_latency_p99_seconds'),
                legend: 'p99 {{pipeline}}',
              },
            ],
          }),
        ],
      },
      {
        title: 'SLO burn',
        panels: [
          timeseries({
            title: 'Error budget burn rate',
            description: `How fast the error budget (${errorBudgetRatio * 100} % of messages over 30 days) is spent: 1× spends it exactly in 30 days. The fast-burn alert pages above 14.4× (1 h with 5 m) or 6× (6 h with 30 m).`,
            unit: units.burnRate,
            width: 12,
            min: 0,
            thresholds: burnSteps,
            thresholdLines: true,
            queries: burnRateQueries(errorRatioRecord, errorBudgetRatio),
          }),
          timeseries({
            title: 'Latency budget burn rate',
            description: `How fast the latency budget (${latencyBudgetRatio * 100} % of messages may take longer than ${options.latencyThresholdSeconds}s) is spent; same levels as the error budget.`,
            unit: units.burnRate,
            width: 12,
            min: 0,
            thresholds: burnSteps,
            thresholdLines: true,
            queries: burnRateQueries(slowRatioRecord, latencyBudgetRatio),
          }),
        ],
      },
    ],
  });
}
