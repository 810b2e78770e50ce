/**
 * Alerts on the agent's own health: errors inside it, pipelines it cannot model, and OTLP
 * reports it refuses at its caps or for their identity. Every one of them means that some
 * numbers the other alerts read are missing or frozen, while the collector looks up.
 *
 * The agent's self-metrics carry no cluster label of their own (it is there when the scrape
 * adds one), so the cases below scrape them with a namespace only: the alerts then carry
 * `namespace` and an empty `cluster`.
 */
import { byScope } from '../promql';
import { alert, promql, type InputSeries, type RuleGroup } from './model';

const agentLabels = 'namespace="streaming", job="streamops-agent", instance="agent:9308"';
const streaming = { namespace: 'streaming' };
const internalErrors = (part: string, values: string): InputSeries => ({
  series: `streamops_agent_internal_errors_total{part="${part}", ${agentLabels}}`,
  values,
});
const degraded = (reason: string, values: string): InputSeries => ({
  series: `streamops_pipelines_degraded{reason="${reason}", ${agentLabels}}`,
  values,
});
const refusedPoints = (reason: string, values: string): InputSeries => ({
  series: `streamops_ingest_rejected_points_total{reason="${reason}", ${agentLabels}}`,
  values,
});
const refusedReports = (reason: string, values: string): InputSeries => ({
  series: `streamops_ingest_rejected_payloads_total{reason="${reason}", ${agentLabels}}`,
  values,
});

/** Ingest refusals at a cap: new series, instances or pipelines are dropped. */
export const capReasons = ['series_limit', 'instance_limit', 'pipeline_limit'] as const;
/** Ingest refusals for who the sender is: a token used for another pipeline, an instance id held by another. */
export const identityReasons = ['identity_conflict', 'forbidden_pipeline'] as const;

/*
 * Persistence, shared by the error and refusal alerts: "something counted in the last 5
 * minutes" held for 10 minutes. One error or refusal keeps a 5-minute increase above zero
 * for less than 5 minutes, so it never fires, nor does a short burst (a Kafka or engine blip
 * in one cycle, a rollout whose new instances wait for the old ones' TTL at the instance
 * cap, an old process's last report under an id its successor took). Something that keeps
 * recurring at least every 5 minutes fires after 10. The more obvious `increase(...[10m]) > 0`
 * for 5m would fire 5 minutes after a single error, since the 10-minute window keeps it for 10.
 */
const persistence = { window: '5m', for: '10m' } as const;

/**
 * Refusals for `reasons` in the last 5 minutes, by reason: points refused inside accepted
 * reports plus reports refused as a whole (then none of their points is counted as a point,
 * so both counters are needed). `or` keeps both sides, as the label_replace makes their label
 * sets differ, and still works when one of the two series is missing.
 */
function refusals(reasons: readonly string[]): string {
  const matcher = `reason=~"${reasons.join('|')}"`;
  return promql`
    sum ${byScope('reason')} (
      increase(streamops_ingest_rejected_points_total{${matcher}}[${persistence.window}])
      or
      label_replace(increase(streamops_ingest_rejected_payloads_total{${matcher}}[${persistence.window}]), "refused", "reports", "", "")
    ) > 0`;
}

export function agentRuleGroups(): RuleGroup[] {
  return [
    {
      name: 'streamops-agent',
      file: 'streamops-agent',
      rules: [
        alert({
          alert: 'StreamopsAgentInternalErrors',
          expr: `sum ${byScope('part')} (increase(streamops_agent_internal_errors_total[${persistence.window}])) > 0`,
          for: persistence.for,
          severity: 'warning',
          summary: 'The streamops agent keeps failing in its {{ $labels.part }} part',
          description:
            'The agent counted {{ $value | humanize }} internal errors in its {{ $labels.part }} part in the last 5 minutes, and has kept counting them for 10 minutes. The part serves its last good state meanwhile, so some series are frozen; /healthz names the failing sources.',
          runbook: 'streamopsagentinternalerrors',
          cases: [
            {
              name: 'an error every minute for a quarter of an hour fires',
              series: [internalErrors('pipeline_view', '0x5 1+1x20'), internalErrors('render', '0x25')],
              evalTime: '20m',
              expect: [
                {
                  labels: { ...streaming, part: 'pipeline_view' },
                  summary: 'The streamops agent keeps failing in its pipeline_view part',
                  description:
                    'The agent counted 5 internal errors in its pipeline_view part in the last 5 minutes, and has kept counting them for 10 minutes. The part serves its last good state meanwhile, so some series are frozen; /healthz names the failing sources.',
                },
              ],
            },
            {
              // At 12m an `increase(...[10m]) > 0` held for 5m would fire (from 11m to 15m).
              name: 'one transient error does not fire',
              series: [internalErrors('cluster_cycle', '0x5 1x25')],
              evalTime: '12m',
              expect: [],
            },
            {
              // Errors from 6m to 9m keep the 5-minute increase above zero until 13m: 7 minutes pending.
              name: 'a burst of errors shorter than 5 minutes never fires',
              series: [internalErrors('engine_poll', '0x5 1+1x3 4x25')],
              evalTime: '13m',
              edge: true,
              expect: [],
            },
            {
              name: 'errors for less than 10 minutes are only pending',
              series: [internalErrors('render', '0x5 1+1x20')],
              evalTime: '15m',
              edge: true,
              expect: [],
            },
          ],
        }),
        alert({
          alert: 'StreamopsPipelineDegraded',
          expr: `max ${byScope('reason')} (streamops_pipelines_degraded) > 0`,
          for: '5m',
          severity: 'warning',
          summary: 'Pipelines the agent cannot model ({{ $labels.reason }}): {{ $value }}',
          description:
            'Reported pipelines whose inputs could not be modelled ({{ $labels.reason }}) for 5 minutes: {{ $value }}. Their throughput and capacity series keep the last good model, so their alerts see an old state; /api/v1/pipelines names them and the instances involved.',
          runbook: 'streamopspipelinedegraded',
          cases: [
            {
              name: 'a pipeline degraded for ten minutes fires',
              series: [degraded('non_finite_input', '0x3 1x15'), degraded('negative_input', '0x18')],
              evalTime: '12m',
              expect: [
                {
                  labels: { ...streaming, reason: 'non_finite_input' },
                  summary: 'Pipelines the agent cannot model (non_finite_input): 1',
                  description:
                    'Reported pipelines whose inputs could not be modelled (non_finite_input) for 5 minutes: 1. Their throughput and capacity series keep the last good model, so their alerts see an old state; /api/v1/pipelines names them and the instances involved.',
                },
              ],
            },
            {
              name: 'no degraded pipeline does not fire',
              series: [degraded('non_finite_input', '0x15'), degraded('model_error', '0x15')],
              evalTime: '12m',
              expect: [],
            },
            {
              name: 'degraded for less than 5 minutes is only pending',
              series: [degraded('model_error', '0x8 1x6')],
              evalTime: '12m',
              edge: true,
              expect: [],
            },
          ],
        }),
        alert({
          alert: 'StreamopsIngestCapReached',
          expr: refusals(capReasons),
          for: persistence.for,
          severity: 'warning',
          summary: 'The agent refuses OTLP reports at its {{ $labels.reason }} cap',
          description:
            'The agent refused {{ $value | humanize }} points and whole reports for {{ $labels.reason }} in the last 5 minutes, and has kept refusing them for 10 minutes: an ingest cap is reached, new series, instances or pipelines are dropped, and the pipeline numbers are incomplete.',
          runbook: 'streamopsingestcapreached',
          cases: [
            {
              name: 'points and reports refused at the series cap for a quarter of an hour fire',
              series: [
                refusedPoints('series_limit', '0x5 0+10x20'),
                refusedReports('series_limit', '0x5 0+1x20'),
                refusedPoints('instance_limit', '0x25'),
                refusedReports('instance_limit', '0x25'),
              ],
              evalTime: '20m',
              expect: [
                {
                  labels: { ...streaming, reason: 'series_limit' },
                  summary: 'The agent refuses OTLP reports at its series_limit cap',
                  description:
                    'The agent refused 55 points and whole reports for series_limit in the last 5 minutes, and has kept refusing them for 10 minutes: an ingest cap is reached, new series, instances or pipelines are dropped, and the pipeline numbers are incomplete.',
                },
              ],
            },
            {
              name: 'whole reports refused at the instance cap (no point counted) fire',
              series: [refusedReports('instance_limit', '0x5 0+2x20')],
              evalTime: '20m',
              expect: [
                {
                  labels: { ...streaming, reason: 'instance_limit' },
                  summary: 'The agent refuses OTLP reports at its instance_limit cap',
                  description:
                    'The agent refused 10 points and whole reports for instance_limit in the last 5 minutes, and has kept refusing them for 10 minutes: an ingest cap is reached, new series, instances or pipelines are dropped, and the pipeline numbers are incomplete.',
                },
              ],
            },
            {
              name: 'refusals for other reasons (rate limiting, malformed bodies) do not fire',
              series: [
                refusedPoints('rate_limited', '0+10x25'),
                refusedReports('malformed_protobuf', '0+1x25'),
                refusedPoints('pipeline_limit', '0x25'),
              ],
              evalTime: '20m',
              expect: [],
            },
            {
              name: 'refusals during a rollout shorter than 5 minutes never fire',
              series: [refusedPoints('instance_limit', '0x5 0+30x3 90x20')],
              evalTime: '13m',
              edge: true,
              expect: [],
            },
            {
              name: 'refusals for less than 10 minutes are only pending',
              series: [refusedPoints('pipeline_limit', '0x5 0+10x20')],
              evalTime: '15m',
              edge: true,
              expect: [],
            },
          ],
        }),
        alert({
          alert: 'StreamopsIngestIdentityConflicts',
          expr: refusals(identityReasons),
          for: persistence.for,
          severity: 'warning',
          summary: 'The agent refuses OTLP reports for {{ $labels.reason }}',
          description:
            'The agent refused {{ $value | humanize }} points and whole reports for {{ $labels.reason }} in the last 5 minutes, and has kept refusing them for 10 minutes: a client reports a pipeline its token is not bound to, or an instance id that another token or process holds. It is misconfigured, or hostile.',
          runbook: 'streamopsingestidentityconflicts',
          cases: [
            {
              name: 'an instance id claimed under another token for a quarter of an hour fires',
              series: [
                refusedReports('identity_conflict', '0x5 0+1x20'),
                refusedPoints('identity_conflict', '0x25'),
                refusedReports('forbidden_pipeline', '0x25'),
              ],
              evalTime: '20m',
              expect: [
                {
                  labels: { ...streaming, reason: 'identity_conflict' },
                  summary: 'The agent refuses OTLP reports for identity_conflict',
                  description:
                    'The agent refused 5 points and whole reports for identity_conflict in the last 5 minutes, and has kept refusing them for 10 minutes: a client reports a pipeline its token is not bound to, or an instance id that another token or process holds. It is misconfigured, or hostile.',
                },
              ],
            },
            {
              name: 'refusals for other reasons (a wrong token, limits) do not fire',
              series: [
                refusedReports('unauthorized', '0+5x25'),
                refusedPoints('series_limit', '0+10x25'),
                refusedPoints('forbidden_pipeline', '0x25'),
              ],
              evalTime: '20m',
              expect: [],
            },
            {
              name: "an old process's last report under a taken id never fires",
              series: [refusedReports('identity_conflict', '0x5 1x20')],
              evalTime: '12m',
              edge: true,
              expect: [],
            },
            {
              name: 'refusals for less than 10 minutes are only pending',
              series: [refusedPoints('forbidden_pipeline', '0x5 0+20x20')],
              evalTime: '15m',
              edge: true,
              expect: [],
            },
          ],
        }),
      ],
    },
  ];
}
