/**
 * Collector alerts: failing cycles, stale lag, and collector series that stopped arriving,
 * so that a broken or missing agent never looks like healthy silence.
 */
import { defaultOptions, type StreamopsRuleOptions } from '../options';
import { byScope, onScope } from '../promql';
import { alert, promql, type InputSeries, type RuleGroup } from './model';

const agentLabels = 'cluster="prod", namespace="streaming", job="streamops-agent", instance="agent:9308"';
const prod = { cluster: 'prod', namespace: 'streaming' };
const up = (values: string): InputSeries => ({ series: `streamops_collector_up{${agentLabels}}`, values });
const lastSuccess = (values: string): InputSeries => ({
  series: `streamops_collector_last_success_timestamp_seconds{${agentLabels}}`,
  values,
});

export function collectorRuleGroups(options: StreamopsRuleOptions = defaultOptions): RuleGroup[] {
  const stale = options.collectorStaleSeconds;
  return [
    {
      name: 'streamops-collector',
      file: 'streamops-collector',
      rules: [
        alert({
          alert: 'StreamopsCollectorDown',
          expr: `max ${byScope()} (streamops_collector_up) == 0`,
          for: '5m',
          severity: 'critical',
          summary: 'The streamops collector cannot read cluster {{ $labels.cluster }}',
          description:
            'Collection cycles of cluster {{ $labels.cluster }} have failed for 5 minutes (streamops_collector_up = {{ $value }}). Lag series are frozen at the last good cycle, so lag alerts may be blind.',
          runbook: 'streamopscollectordown',
          cases: [
            {
              name: 'failing for ten minutes fires',
              series: [up('1x3 0x12')],
              evalTime: '12m',
              expect: [
                {
                  labels: prod,
                  summary: 'The streamops collector cannot read cluster prod',
                  description:
                    'Collection cycles of cluster prod have failed for 5 minutes (streamops_collector_up = 0). Lag series are frozen at the last good cycle, so lag alerts may be blind.',
                },
              ],
            },
            { name: 'a healthy collector does not fire', series: [up('1x15')], evalTime: '12m', expect: [] },
            {
              name: 'failing for less than 5 minutes is only pending',
              series: [up('1x8 0x6')],
              evalTime: '12m',
              edge: true,
              expect: [],
            },
          ],
        }),
        alert({
          alert: 'StreamopsCollectorStale',
          expr: `time() - max ${byScope()} (streamops_collector_last_success_timestamp_seconds) > ${stale}`,
          for: '1m',
          severity: 'critical',
          summary: 'Lag of cluster {{ $labels.cluster }} is {{ $value | humanizeDuration }} old',
          description: `The last successful collection cycle of cluster {{ $labels.cluster }} ended {{ $value | humanizeDuration }} ago (more than ${stale}s): lag series and lag alerts show an old state.`,
          runbook: 'streamopscollectorstale',
          cases: [
            {
              name: 'no successful cycle for ten minutes fires',
              // Cycles succeed every minute (the value is the time in seconds), then stop at 10m.
              series: [lastSuccess('0+60x10 600x15')],
              evalTime: '20m',
              expect: [
                {
                  labels: prod,
                  summary: 'Lag of cluster prod is 10m 0s old',
                  description: `The last successful collection cycle of cluster prod ended 10m 0s ago (more than ${stale}s): lag series and lag alerts show an old state.`,
                },
              ],
            },
            {
              name: 'cycles that keep succeeding do not fire',
              series: [lastSuccess('0+60x25')],
              evalTime: '20m',
              expect: [],
            },
            {
              name: `exactly ${stale}s since the last success does not fire`,
              series: [lastSuccess(`0+60x10 600x15`)],
              evalTime: `${(600 + stale) / 60}m`,
              edge: true,
              expect: [],
            },
          ],
        }),
        alert({
          alert: 'StreamopsCollectorMetricsAbsent',
          expr: promql`
            time() - max ${byScope()} (max_over_time(streamops_collector_last_success_timestamp_seconds[1d]))
            unless ${onScope()}
            max ${byScope()} (streamops_collector_up)`,
          for: '5m',
          severity: 'critical',
          summary: 'No collector metrics for cluster {{ $labels.cluster }}',
          description:
            'Prometheus has stopped receiving the collector series of cluster {{ $labels.cluster }} (the agent is down, not scraped, or no longer collects the cluster). Its last successful cycle was {{ $value | humanizeDuration }} ago; every lag alert of the cluster is blind.',
          runbook: 'streamopscollectormetricsabsent',
          cases: [
            {
              name: 'series gone for 25 minutes fire',
              series: [up('1x30'), lastSuccess('0+60x30')],
              evalTime: '60m',
              expect: [
                {
                  labels: prod,
                  summary: 'No collector metrics for cluster prod',
                  description:
                    'Prometheus has stopped receiving the collector series of cluster prod (the agent is down, not scraped, or no longer collects the cluster). Its last successful cycle was 30m 0s ago; every lag alert of the cluster is blind.',
                },
              ],
            },
            {
              name: 'series that keep coming do not fire',
              series: [up('1x60'), lastSuccess('0+60x60')],
              evalTime: '60m',
              expect: [],
            },
            {
              name: 'series gone for less than the staleness delta plus 5 minutes are only pending',
              series: [up('1x30'), lastSuccess('0+60x30')],
              evalTime: '39m',
              edge: true,
              expect: [],
            },
          ],
        }),
        alert({
          alert: 'StreamopsCollectorAbsent',
          expr: 'absent(streamops_collector_up)',
          for: '15m',
          severity: 'warning',
          summary: 'No streamops collector metrics at all',
          description:
            'absent(streamops_collector_up) has been {{ $value }} for 15 minutes: no streamops agent is scraped by this Prometheus, so no consumer-lag alert can fire. (The one rule without a cluster label: there is no series to take it from.)',
          runbook: 'streamopscollectorabsent',
          cases: [
            {
              name: 'no collector series for 20 minutes fires',
              series: [{ series: 'streamops_ingest_instances{job="streamops-agent"}', values: '1x30' }],
              evalTime: '20m',
              expect: [
                {
                  labels: {},
                  summary: 'No streamops collector metrics at all',
                  description:
                    'absent(streamops_collector_up) has been 1 for 15 minutes: no streamops agent is scraped by this Prometheus, so no consumer-lag alert can fire. (The one rule without a cluster label: there is no series to take it from.)',
                },
              ],
            },
            { name: 'a scraped collector does not fire', series: [up('1x30')], evalTime: '20m', expect: [] },
            {
              name: 'absent for less than 15 minutes is only pending',
              series: [up('1x5')],
              evalTime: '20m',
              edge: true,
              expect: [],
            },
          ],
        }),
      ],
    },
  ];
}
