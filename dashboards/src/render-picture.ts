/**
 * Renders docs/dashboards.png: the main panels of the generated dashboards, drawn from a
 * real Prometheus. It runs the scenario of the real-Prometheus test (test broker, agent,
 * an instrumented pipeline under load, a stopped consumer group) for a while, runs each
 * panel's own PromQL through the range API, draws the results as SVG line charts and
 * screenshots the page with Debian's Chromium.
 *
 *   npm run dashboards:picture [-- --seconds 75] [-- --out docs/dashboards.png]
 *
 * Needs `prometheus` and `chromium` from Debian (`apt-get install chromium`).
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { allDashboards, panelsOf, variableQueries } from '@streamops/dashboards';
import { startDashboardScenario, substitute } from '../../test/dashboards/scenario';
import { chromiumAvailable, chromiumPath, screenshotHtml } from './screenshot';
import { escapeXml, renderLineChart, type ChartSeries } from './svg-chart';

const stepSeconds = 2;

/** The panels shown, by dashboard uid and panel title, in reading order. */
const shown: readonly (readonly [string, string])[] = [
  ['streamops-consumer-lag', 'Time lag by group'],
  ['streamops-consumer-lag', 'Message lag by group and topic'],
  ['streamops-pipeline-throughput', 'Predicted R against measured delivery'],
  ['streamops-pipeline-throughput', 'Stage utilisation ρ'],
  ['streamops-reliability', 'Error and dead-letter ratios'],
  ['streamops-reliability', 'End-to-end latency p50 / p95 / p99'],
];

interface PanelQuery {
  readonly expr: string;
  readonly legendFormat: string;
}

interface ShownPanel {
  readonly dashboard: string;
  readonly title: string;
  readonly unit: string;
  readonly queries: readonly PanelQuery[];
  /** Every variable of the dashboard on All. */
  readonly variables: Readonly<Record<string, string>>;
}

/** The shown panels, read from the generated dashboard definitions. */
function shownPanels(): ShownPanel[] {
  const dashboards = allDashboards().map(({ dashboard }) => dashboard);
  return shown.map(([uid, title]) => {
    const dashboard = dashboards.find((candidate) => candidate.uid === uid);
    const panel = dashboard && panelsOf(dashboard).find((candidate) => candidate.title === title);
    if (!dashboard || !panel) throw new Error(`no panel "${title}" in dashboard ${uid}`);
    const targets = (panel.targets ?? []) as { expr?: string; legendFormat?: string }[];
    return {
      dashboard: dashboard.title ?? uid,
      title,
      unit: panel.fieldConfig?.defaults?.unit ?? 'short',
      variables: Object.fromEntries(variableQueries(dashboard).map((variable) => [variable.name, '.*'])),
      queries: targets.map((target) => ({
        expr: target.expr ?? '',
        legendFormat: target.legendFormat ?? '',
      })),
    };
  });
}

/** A series' legend, as Grafana writes it from the legend format. */
function legend(format: string, metric: Readonly<Record<string, string>>): string {
  if (format === '' || format === '__auto') {
    const labels = Object.entries(metric)
      .filter(([label]) => label !== '__name__')
      .map(([label, value]) => `${label}="${value}"`);
    return `${metric.__name__ ?? ''}{${labels.join(', ')}}`;
  }
  return format.replace(/\{\{\s*(\w+)\s*\}\}/g, (_match, label: string) => metric[label] ?? '');
}

/** Runs a range query and returns its series. */
async function queryRange(
  prometheusUrl: string,
  query: PanelQuery,
  start: number,
  end: number,
): Promise<ChartSeries[]> {
  const parameters = new URLSearchParams({
    query: query.expr,
    start: String(start),
    end: String(end),
    step: String(stepSeconds),
  });
  const response = await fetch(`${prometheusUrl}/api/v1/query_range?${parameters.toString()}`);
  const body = (await response.json()) as {
    status: string;
    error?: string;
    data?: { result: { metric: Record<string, string>; values: [number, string][] }[] };
  };
  if (body.status !== 'success' || !body.data) throw new Error(`query ${query.expr} failed: ${body.error}`);
  return body.data.result.map((series) => ({
    name: legend(query.legendFormat, series.metric),
    points: series.values.map(([time, value]) => [time, Number(value)] as const),
  }));
}

function page(charts: readonly { panel: ShownPanel; svg: string }[], caption: string): string {
  const figures = charts
    .map(({ panel, svg }) => `<figure><figcaption>${escapeXml(panel.dashboard)}</figcaption>${svg}</figure>`)
    .join('\n');
  return `<!doctype html>
<html><head><meta charset="utf-8"><style>
  body { margin: 0; background: #111217; color: #ccccdc; font-family: Inter, 'DejaVu Sans', Arial, sans-serif; }
  main { padding: 16px; width: 1232px; }
  h1 { font-size: 18px; margin: 0 0 4px; color: #d8d9da; }
  p { font-size: 12px; margin: 0 0 12px; color: #9fa7b3; }
  .grid { display: grid; grid-template-columns: 608px 608px; gap: 16px; }
  figure { margin: 0; }
  figcaption { font-size: 11px; color: #9fa7b3; margin: 0 0 4px 2px; }
  svg { display: block; }
</style></head><body><main>
<h1>streamops dashboards: main panels, from a live Prometheus</h1>
<p>${escapeXml(caption)}</p>
<div class="grid">
${figures}
</div></main></body></html>`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '75' },
      out: { type: 'string', default: join(__dirname, '..', '..', 'docs', 'dashboards.png') },
    },
  });
  const seconds = Number(values.seconds);
  if (!(seconds > 0)) throw new Error(`--seconds must be a positive number, got ${values.seconds}`);
  const out = resolve(values.out);
  if (!chromiumAvailable()) {
    console.error(
      `${chromiumPath} is missing: the picture is screenshotted with Debian's Chromium. ` +
        'Install it with `apt-get install chromium` (as root) and run `npm run dashboards:picture` again.',
    );
    process.exitCode = 1;
    return;
  }
  const panels = shownPanels();

  console.log('starting the scenario (test broker, agent, pipeline, Prometheus)...');
  const scenario = await startDashboardScenario({ name: 'orders' });
  try {
    const start = Math.floor(Date.now() / 1000);
    for (let left = seconds; left > 0; left -= 15) {
      console.log(`collecting for ${left} s more...`);
      await new Promise((wake) => setTimeout(wake, Math.min(15, left) * 1000));
    }
    const end = Math.floor(Date.now() / 1000);

    // Every variable on All: the scenario has one cluster and one pipeline, and both groups show.
    const charts = [];
    for (const panel of panels) {
      // Query order first (as Grafana's legend), then the series of each query by name.
      const series: ChartSeries[] = [];
      for (const query of panel.queries) {
        const expr = substitute(query.expr, panel.variables);
        const result = await queryRange(scenario.prometheus.url, { ...query, expr }, start, end);
        series.push(...result.sort((a, b) => a.name.localeCompare(b.name)));
      }
      if (series.length === 0) console.warn(`warning: "${panel.title}" has no data`);
      const svg = renderLineChart({
        title: panel.title,
        unit: panel.unit,
        series,
        start,
        end,
        gapSeconds: stepSeconds * 3,
        width: 608,
        height: 300,
      });
      charts.push({ panel, svg });
    }
    const caption =
      `${seconds} s of a test broker, the agent and an instrumented three-stage pipeline "orders" ` +
      `fed 100 msg/s (parse retries, enrich dead-letters, score filters), plus a consumer group that stopped. ` +
      `Prometheus scrapes every 1 s; each chart is its panel's own PromQL, every variable on All, ` +
      `$__rate_interval = 1m, times in UTC. Rendered by npm run dashboards:picture.`;
    const html = page(charts, caption);

    await screenshotHtml({ html, out, width: 1264, height: 800 });
    console.log(`wrote ${out}`);
  } finally {
    await scenario.stop();
  }
}

main().then(
  () => process.exit(),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
