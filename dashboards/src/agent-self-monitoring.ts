import { type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { agentUid } from './consumer-lag';
import { defaultOptions, type StreamopsRuleOptions } from './options';
import {
  buildDashboard,
  datasourceVariable,
  labelVariable,
  stat,
  steps,
  timeseries,
  units,
  upMapping,
} from './panels';
import { dashboardScope, selector, type Matchers } from './promql';

/** The agent's own process metrics the dashboard reads (defined in the agent catalogue). */
export const processMetrics = [
  'process_resident_memory_bytes',
  'nodejs_heap_size_used_bytes',
  'process_cpu_seconds_total',
  'nodejs_eventloop_lag_p99_seconds',
] as const;

/** Agent self-monitoring: collection cycles, OTLP ingest, memory and CPU, reporting SDKs. */
export function agentDashboard(options: StreamopsRuleOptions = defaultOptions): Dashboard {
  const s = dashboardScope;
  const ns = ['namespace=~"$namespace"'];
  // Process metrics of the agent only: the series of targets that also serve collector series.
  const ofAgent = (metric: string) =>
    `${selector(metric, ns)} and on (job, instance) group by (job, instance) (${selector('streamops_collector_up', s)})`;
  const rate = (metric: string, by: string, matchers: Matchers = ns) =>
    `sum by (${by}) (rate(${selector(metric, matchers)}[$__rate_interval]))`;

  return buildDashboard({
    uid: agentUid,
    title: 'streamops / Agent self-monitoring',
    description:
      'Is the streamops agent healthy? Collection cycles per cluster, OTLP ingest from instrumented apps, the agent process, and the SDK reporters.',
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
    ],
    rows: [
      {
        title: 'Collection',
        panels: [
          stat({
            title: 'Collector up',
            description: 'Did the last collection cycle of each cluster succeed?',
            unit: units.state,
            width: 6,
            sparkline: false,
            mappings: [upMapping],
            thresholds: steps('red', [1, 'green']),
            queries: [
              { expr: `max by (cluster) (${selector('streamops_collector_up', s)})`, legend: '{{cluster}}' },
            ],
          }),
          stat({
            title: 'Time since last successful cycle',
            description: 'How old the lag series are. Above the stale limit the collector alerts fire.',
            unit: units.seconds,
            width: 6,
            sparkline: false,
            thresholds: steps('green', [60, 'orange'], [options.collectorStaleSeconds, 'red']),
            queries: [
              {
                expr: `time() - max by (cluster) (${selector('streamops_collector_last_success_timestamp_seconds', s)})`,
                legend: '{{cluster}}',
              },
            ],
          }),
          timeseries({
            title: 'Cycle duration',
            description:
              'How long each cluster’s collection cycle takes; near the collection interval, cycles start back to back and lag gets older.',
            unit: units.seconds,
            width: 12,
            min: 0,
            queries: [
              {
                expr: `max by (cluster) (${selector('streamops_collector_cycle_duration_seconds', s)})`,
                legend: '{{cluster}}',
              },
            ],
          }),
          timeseries({
            title: 'Cycles by result',
            description: 'Collection cycles per second that succeeded or failed, per cluster.',
            unit: units.perSecond,
            width: 12,
            min: 0,
            queries: [
              {
                expr: rate('streamops_collector_cycles_total', 'cluster, result', s),
                legend: '{{cluster}} {{result}}',
              },
            ],
          }),
          timeseries({
            title: 'Groups collected',
            description: 'Consumer groups reported per cluster after the allow and deny filters.',
            unit: units.count,
            width: 12,
            min: 0,
            queries: [
              {
                expr: `max by (cluster) (${selector('streamops_collector_groups', s)})`,
                legend: '{{cluster}}',
              },
            ],
          }),
        ],
      },
      {
        title: 'Agent health',
        panels: [
          timeseries({
            title: 'Internal errors by part',
            description:
              'Errors inside the agent per second, by part: cluster_cycle, pipeline_view, engine_poll, render. A failing part serves its last good state; /healthz names the failing sources and the agent logs each error once. Persistent errors fire StreamopsAgentInternalErrors.',
            unit: units.perSecond,
            width: 12,
            min: 0,
            queries: [{ expr: rate('streamops_agent_internal_errors_total', 'part'), legend: '{{part}}' }],
          }),
          timeseries({
            title: 'Degraded pipelines by reason',
            description:
              'Reported pipelines whose inputs the agent cannot model, by reason (non_finite_input, negative_input, model_error); they keep their last good model, and /api/v1/pipelines says why and which instances. Fires StreamopsPipelineDegraded after 5 minutes.',
            unit: units.count,
            width: 12,
            min: 0,
            queries: [
              {
                expr: `max by (reason) (${selector('streamops_pipelines_degraded', ns)})`,
                legend: '{{reason}}',
              },
            ],
          }),
        ],
      },
      {
        title: 'OTLP ingest',
        panels: [
          timeseries({
            title: 'Accepted reports and points',
            description: 'OTLP metrics requests accepted per second, and the data points stored from them.',
            unit: units.perSecond,
            width: 12,
            min: 0,
            queries: [
              {
                expr: rate('streamops_ingest_accepted_payloads_total', 'instance'),
                legend: 'reports {{instance}}',
              },
              {
                expr: rate('streamops_ingest_accepted_points_total', 'instance'),
                legend: 'points {{instance}}',
              },
            ],
          }),
          timeseries({
            title: 'Rejected reports and points by reason',
            description:
              'What the agent refuses, per second: unauthorized (token); forbidden_pipeline and identity_conflict (who the sender is); malformed bodies; value_overflow, type_conflict and timestamp_skew (what the model cannot use); series_limit, instance_limit and pipeline_limit (the caps); rate limiting. Refused reports leave the pipeline view without data.',
            unit: units.perSecond,
            width: 12,
            min: 0,
            queries: [
              {
                expr: rate('streamops_ingest_rejected_payloads_total', 'reason'),
                legend: 'reports {{reason}}',
              },
              { expr: rate('streamops_ingest_rejected_points_total', 'reason'), legend: 'points {{reason}}' },
            ],
          }),
          timeseries({
            title: 'Reporting instances and series held',
            description:
              'Live reporting instances and the series the agent holds for them (both are capped by the ingest limits).',
            unit: units.count,
            width: 12,
            min: 0,
            queries: [
              {
                expr: `sum by (instance) (${selector('streamops_ingest_instances', ns)})`,
                legend: 'instances {{instance}}',
              },
              {
                expr: `sum by (instance) (${selector('streamops_ingest_series', ns)})`,
                legend: 'series {{instance}}',
              },
            ],
          }),
          timeseries({
            title: 'Expired instances',
            description:
              'Instances that stopped reporting and expired after the TTL, per second: deploys and scale-downs, or crashes.',
            unit: units.perSecond,
            width: 12,
            min: 0,
            queries: [
              { expr: rate('streamops_ingest_expired_instances_total', 'instance'), legend: '{{instance}}' },
            ],
          }),
        ],
      },
      {
        title: 'Agent process',
        panels: [
          timeseries({
            title: 'Memory',
            description:
              'Resident memory and used V8 heap of the agent processes. Steady growth with a constant number of groups is a leak.',
            unit: units.bytes,
            width: 12,
            min: 0,
            queries: [
              { expr: ofAgent('process_resident_memory_bytes'), legend: 'resident {{instance}}' },
              { expr: ofAgent('nodejs_heap_size_used_bytes'), legend: 'heap used {{instance}}' },
            ],
          }),
          timeseries({
            title: 'CPU',
            description: 'CPU seconds per second used by the agent processes (1 = one core).',
            unit: units.count,
            width: 6,
            min: 0,
            queries: [
              {
                expr: `rate(${selector('process_cpu_seconds_total', ns)}[$__rate_interval]) and on (job, instance) group by (job, instance) (${selector('streamops_collector_up', s)})`,
                legend: '{{instance}}',
              },
            ],
          }),
          timeseries({
            title: 'Event loop lag p99',
            description:
              'How long work waits for the agent’s event loop; high values delay scrapes and ingest.',
            unit: units.seconds,
            width: 6,
            min: 0,
            queries: [{ expr: ofAgent('nodejs_eventloop_lag_p99_seconds'), legend: '{{instance}}' }],
          }),
        ],
      },
      {
        title: 'Instrumented apps (SDK self-metrics, when Prometheus scrapes the apps)',
        panels: [
          timeseries({
            title: 'Reports sent by outcome',
            description:
              'Reports the SDK reporters sent to the agent per second, by outcome (success or failed).',
            unit: units.perSecond,
            width: 8,
            min: 0,
            queries: [
              { expr: rate('streamops_sdk_reporter_exports_total', 'outcome'), legend: '{{outcome}}' },
            ],
          }),
          timeseries({
            title: 'Reports dropped by reason',
            description:
              'Reports given up per second: superseded while the agent was unreachable (their counts travel in the next one) or rejected by the agent.',
            unit: units.perSecond,
            width: 8,
            min: 0,
            queries: [{ expr: rate('streamops_sdk_reporter_dropped_total', 'reason'), legend: '{{reason}}' }],
          }),
          timeseries({
            title: 'SDK failures and label overflow',
            description:
              'Failures inside the SDK itself (never in user code) and label values replaced by "_other" because a label reached its limit of distinct values.',
            unit: units.perSecond,
            width: 8,
            min: 0,
            queries: [
              {
                expr: rate('streamops_sdk_instrumentation_errors_total', 'operation'),
                legend: 'failed {{operation}}',
              },
              { expr: rate('streamops_sdk_label_overflow_total', 'label'), legend: 'overflow {{label}}' },
            ],
          }),
        ],
      },
    ],
  });
}
