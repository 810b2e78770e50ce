/**
 * Multi-window, multi-burn-rate SLO alerts on the pipeline error ratio and on end-to-end
 * latency (the scheme of Google's SRE workbook: page when 2 % of a 30-day budget burns in
 * an hour or 5 % in six hours, open a ticket when 10 % burns in a day or in three days;
 * each long window is paired with a short one so that the alert stops soon after the
 * burn does).
 *
 * Error ratio: the agent's `streamops_pipeline_error_ratio` is a ratio over its model
 * window, so it is weighted by the consumed rate into errors per second before being
 * averaged over each window (a plain average of ratios would count a quiet minute like a
 * busy one). Latency: the share of messages whose record age exceeds the threshold, from
 * the SDK's `streamops_consumer_record_age_seconds` histogram (so it needs Prometheus to
 * scrape the instrumented apps).
 */
import { defaultOptions, errorBudget, type StreamopsRuleOptions } from '../options';
import { bucketMatcher, byScope, onScope, selector } from '../promql';
import { alert, record, type Duration, type RuleGroup } from './model';

/** Windows the ratios are recorded over. */
export const sloWindows = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'] as const satisfies readonly Duration[];
export type SloWindow = (typeof sloWindows)[number];

/** Recorded error ratio of a pipeline over a window. */
export function errorRatioRecord(window: SloWindow): string {
  return `streamops:pipeline_error_ratio:rate${window}`;
}

/** Recorded share of messages slower than the latency threshold over a window. */
export function slowRatioRecord(window: SloWindow): string {
  return `streamops:pipeline_latency_slow_ratio:rate${window}`;
}

const errorsPerSecond = 'streamops:pipeline_errors:per_second';
const consumedPerSecond = 'streamops:pipeline_consumed:per_second';
const latencyTotal = 'streamops:pipeline_latency_total:rate5m';
const latencyFast = 'streamops:pipeline_latency_fast:rate5m';

/** A burn-rate condition: both windows above `factor` × budget. */
interface BurnPair {
  readonly long: SloWindow;
  readonly short: SloWindow;
  readonly factor: number;
}

const fastBurn: readonly BurnPair[] = [
  { long: '1h', short: '5m', factor: 14.4 },
  { long: '6h', short: '30m', factor: 6 },
];
const slowBurn: readonly BurnPair[] = [
  { long: '1d', short: '2h', factor: 3 },
  { long: '3d', short: '6h', factor: 1 },
];

function round(value: number): number {
  return Number(value.toPrecision(12));
}

function burnExpr(
  recordName: (window: SloWindow) => string,
  pairs: readonly BurnPair[],
  budget: number,
): string {
  return pairs
    .map(
      (pair) =>
        `(\n  ${recordName(pair.long)} > ${round(pair.factor * budget)}\n  and ${onScope('pipeline')}\n  ${recordName(pair.short)} > ${round(pair.factor * budget)}\n)`,
    )
    .join('\nor\n');
}

function percent(value: number): string {
  return `${round(value * 100)} %`;
}

function pairText(pairs: readonly BurnPair[], budget: number): string {
  return pairs
    .map((pair) => `${pair.long} and ${pair.short} above ${percent(pair.factor * budget)}`)
    .join(', or ');
}

/** Agent series of one pipeline for promtool: consumed rate and error ratio, per minute. */
function errorSeries(pipeline: string, errorRatio: string, minutes: number) {
  const labels = `cluster="prod", namespace="streaming", pipeline="${pipeline}", job="streamops-agent", instance="agent:9308"`;
  return [
    { series: `streamops_pipeline_consumed_rate_messages_per_second{${labels}}`, values: `100x${minutes}` },
    { series: `streamops_pipeline_error_ratio{${labels}}`, values: errorRatio },
  ];
}

/** SDK record-age histogram of one pipeline: `fastPerMinute` of every 100 messages within the threshold. */
function latencySeries(pipeline: string, thresholdSeconds: number, fastPerMinute: string, minutes: number) {
  const labels = `pipeline="${pipeline}", stage="consumer", group="${pipeline}-group", topic="${pipeline}-in", namespace="streaming", cluster="prod", job="apps", instance="app:9464"`;
  return [
    {
      series: `streamops_consumer_record_age_seconds_bucket{${labels}, le="${thresholdSeconds}"}`,
      values: fastPerMinute,
    },
    { series: `streamops_consumer_record_age_seconds_count{${labels}}`, values: `0+6000x${minutes}` },
  ];
}

const scopeLabels = { cluster: 'prod', namespace: 'streaming' };

/** The SLO recording rules and burn-rate alerts. */
export function sloRuleGroups(options: StreamopsRuleOptions = defaultOptions): RuleGroup[] {
  const errorBudgetRatio = errorBudget(options.errorObjective);
  const latencyBudgetRatio = errorBudget(options.latencyObjective);
  const threshold = options.latencyThresholdSeconds;
  const fastBucket = selector('streamops_consumer_record_age_seconds_bucket', [bucketMatcher(threshold)]);
  const errorTarget = percent(options.errorObjective.target);
  const latencyTarget = percent(options.latencyObjective.target);

  const errorRecords = sloWindows.map((window) =>
    record(
      errorRatioRecord(window),
      `sum_over_time(${errorsPerSecond}[${window}])\n/ ${onScope('engine', 'pipeline')}\nsum_over_time(${consumedPerSecond}[${window}])`,
    ),
  );
  const latencyRecords = sloWindows.map((window) =>
    window === '5m'
      ? record(slowRatioRecord(window), `1 - ${latencyFast} / ${onScope('pipeline')} ${latencyTotal}`)
      : record(
          slowRatioRecord(window),
          `1 - (\n  sum_over_time(${latencyFast}[${window}])\n  / ${onScope('pipeline')}\n  sum_over_time(${latencyTotal}[${window}])\n)`,
        ),
  );

  const fastErrorAnnotations = (value: string) => ({
    summary: 'Pipeline orders is burning its error budget fast',
    description: `Pipeline orders: ${value} of consumed messages ended in error over the long window, against an objective of ${errorTarget} without error (${pairText(fastBurn, errorBudgetRatio)}). At this rate the 30-day error budget is gone within days.`,
  });
  const slowErrorAnnotations = (value: string) => ({
    summary: 'Pipeline orders is burning its error budget',
    description: `Pipeline orders: ${value} of consumed messages ended in error over the long window, against an objective of ${errorTarget} without error (${pairText(slowBurn, errorBudgetRatio)}).`,
  });
  const fastLatencyAnnotations = (value: string) => ({
    summary: 'Pipeline orders is burning its latency budget fast',
    description: `Pipeline orders: ${value} of messages were consumed more than ${threshold}s after entering the pipeline over the long window, against an objective of ${latencyTarget} within ${threshold}s (${pairText(fastBurn, latencyBudgetRatio)}).`,
  });
  const slowLatencyAnnotations = (value: string) => ({
    summary: 'Pipeline orders is burning its latency budget',
    description: `Pipeline orders: ${value} of messages were consumed more than ${threshold}s after entering the pipeline over the long window, against an objective of ${latencyTarget} within ${threshold}s (${pairText(slowBurn, latencyBudgetRatio)}).`,
  });
  const orders = { ...scopeLabels, pipeline: 'orders' };

  return [
    {
      name: 'streamops-slo-recording',
      file: 'streamops-slo',
      rules: [
        record(
          errorsPerSecond,
          `sum ${byScope('engine', 'pipeline')} (\n  streamops_pipeline_error_ratio * streamops_pipeline_consumed_rate_messages_per_second\n)`,
        ),
        record(
          consumedPerSecond,
          `sum ${byScope('engine', 'pipeline')} (streamops_pipeline_consumed_rate_messages_per_second)`,
        ),
        ...errorRecords,
        record(
          latencyTotal,
          `sum ${byScope('pipeline')} (rate(streamops_consumer_record_age_seconds_count[5m]))`,
        ),
        record(latencyFast, `sum ${byScope('pipeline')} (rate(${fastBucket}[5m]))`),
        ...latencyRecords,
      ],
      recordingCases: [
        {
          name: 'the error ratio is weighted by traffic: 1 % at 100 msg/s and 0 % at 300 msg/s make 0.25 %',
          series: [
            {
              series:
                'streamops_pipeline_consumed_rate_messages_per_second{cluster="prod", pipeline="orders", job="a", instance="a:1"}',
              values: '100x29 300x30',
            },
            {
              series:
                'streamops_pipeline_error_ratio{cluster="prod", pipeline="orders", job="a", instance="a:1"}',
              values: '0.01x29 0x30',
            },
          ],
          evalTime: '59m',
          expr: errorRatioRecord('1h'),
          expect: [{ labels: `${errorRatioRecord('1h')}{cluster="prod", pipeline="orders"}`, value: 0.0025 }],
        },
        {
          name: 'the slow share counts messages above the threshold bucket',
          series: latencySeries('orders', threshold, '0+4500x60', 60),
          evalTime: '60m',
          expr: slowRatioRecord('1h'),
          expect: [
            {
              labels: `${slowRatioRecord('1h')}{cluster="prod", namespace="streaming", pipeline="orders"}`,
              value: 0.25,
            },
          ],
        },
      ],
    },
    {
      name: 'streamops-slo-alerts',
      file: 'streamops-slo',
      rules: [
        alert({
          alert: 'StreamopsPipelineErrorBudgetBurnFast',
          expr: burnExpr(errorRatioRecord, fastBurn, errorBudgetRatio),
          for: '2m',
          severity: 'critical',
          summary: 'Pipeline {{ $labels.pipeline }} is burning its error budget fast',
          description: `Pipeline {{ $labels.pipeline }}: {{ $value | humanizePercentage }} of consumed messages ended in error over the long window, against an objective of ${errorTarget} without error (${pairText(fastBurn, errorBudgetRatio)}). At this rate the 30-day error budget is gone within days.`,
          runbook: 'streamopspipelineerrorbudgetburnfast',
          cases: [
            {
              name: '2 % errors for an hour (20× the budget) page',
              series: errorSeries('orders', '0.02x90', 90),
              evalTime: '70m',
              expect: [{ labels: orders, ...fastErrorAnnotations('2%') }],
            },
            {
              name: '0.5 % errors (5× the budget) do not page',
              series: errorSeries('orders', '0.005x70', 70),
              evalTime: '70m',
              expect: [],
            },
            {
              name: 'just under 6× the budget does not page',
              series: errorSeries('orders', '0.0059x70', 70),
              evalTime: '70m',
              edge: true,
              expect: [],
            },
            {
              name: 'a burst that stopped 35 minutes ago no longer pages, though the last hour is still above 14.4×',
              series: errorSeries('orders', '0.05x50 0x35', 85),
              evalTime: '85m',
              edge: true,
              expect: [],
            },
          ],
        }),
        alert({
          alert: 'StreamopsPipelineErrorBudgetBurnSlow',
          expr: burnExpr(errorRatioRecord, slowBurn, errorBudgetRatio),
          for: '15m',
          severity: 'warning',
          summary: 'Pipeline {{ $labels.pipeline }} is burning its error budget',
          description: `Pipeline {{ $labels.pipeline }}: {{ $value | humanizePercentage }} of consumed messages ended in error over the long window, against an objective of ${errorTarget} without error (${pairText(slowBurn, errorBudgetRatio)}).`,
          runbook: 'streamopspipelineerrorbudgetburnslow',
          cases: [
            {
              name: '0.5 % errors for 30 minutes (5× the budget) open a ticket',
              series: errorSeries('orders', '0.005x40', 40),
              evalTime: '30m',
              expect: [{ labels: orders, ...slowErrorAnnotations('0.5%') }],
            },
            {
              name: '0.05 % errors are within the budget',
              series: errorSeries('orders', '0.0005x40', 40),
              evalTime: '30m',
              expect: [],
            },
            {
              name: 'just under the budget stays silent',
              series: errorSeries('orders', '0.0009x40', 40),
              evalTime: '30m',
              edge: true,
              expect: [],
            },
          ],
        }),
        alert({
          alert: 'StreamopsPipelineLatencyBudgetBurnFast',
          expr: burnExpr(slowRatioRecord, fastBurn, latencyBudgetRatio),
          for: '2m',
          severity: 'critical',
          summary: 'Pipeline {{ $labels.pipeline }} is burning its latency budget fast',
          description: `Pipeline {{ $labels.pipeline }}: {{ $value | humanizePercentage }} of messages were consumed more than ${threshold}s after entering the pipeline over the long window, against an objective of ${latencyTarget} within ${threshold}s (${pairText(fastBurn, latencyBudgetRatio)}).`,
          runbook: 'streamopspipelinelatencybudgetburnfast',
          cases: [
            {
              name: '20 % of messages slower than the threshold for an hour page',
              series: latencySeries('orders', threshold, '0+4800x90', 90),
              evalTime: '70m',
              expect: [{ labels: orders, ...fastLatencyAnnotations('20%') }],
            },
            {
              name: '5 % slow messages do not page',
              series: latencySeries('orders', threshold, '0+5700x70', 70),
              evalTime: '70m',
              expect: [],
            },
            {
              name: 'a slow spell that ended 35 minutes ago no longer pages, though the last hour is still above 14.4×',
              series: latencySeries('orders', threshold, '0+3000x50 156000+6000x34', 85),
              evalTime: '85m',
              edge: true,
              expect: [],
            },
          ],
        }),
        alert({
          alert: 'StreamopsPipelineLatencyBudgetBurnSlow',
          expr: burnExpr(slowRatioRecord, slowBurn, latencyBudgetRatio),
          for: '15m',
          severity: 'warning',
          summary: 'Pipeline {{ $labels.pipeline }} is burning its latency budget',
          description: `Pipeline {{ $labels.pipeline }}: {{ $value | humanizePercentage }} of messages were consumed more than ${threshold}s after entering the pipeline over the long window, against an objective of ${latencyTarget} within ${threshold}s (${pairText(slowBurn, latencyBudgetRatio)}).`,
          runbook: 'streamopspipelinelatencybudgetburnslow',
          cases: [
            {
              name: '5 % slow messages for 30 minutes open a ticket',
              series: latencySeries('orders', threshold, '0+5700x40', 40),
              evalTime: '30m',
              expect: [{ labels: orders, ...slowLatencyAnnotations('5%') }],
            },
            {
              name: '0.5 % slow messages are within the budget',
              series: latencySeries('orders', threshold, '0+5970x40', 40),
              evalTime: '30m',
              expect: [],
            },
            {
              name: 'just under the budget stays silent',
              series: latencySeries('orders', threshold, '0+5946x40', 40),
              evalTime: '30m',
              edge: true,
              expect: [],
            },
          ],
        }),
      ],
    },
  ];
}
