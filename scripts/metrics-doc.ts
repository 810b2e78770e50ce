// Generates docs/METRICS.md from the metric catalogues. Run: npm run docs:metrics
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { agentMetricCatalogue } from '@streamops/agent';
import { sdkMetricCatalogue, type MetricDefinition } from '@streamops/sdk';

/** Every catalogue in the project, in documentation order. */
export const allMetricCatalogues: readonly MetricDefinition[] = [
  ...agentMetricCatalogue,
  ...sdkMetricCatalogue,
];

/** Path of the generated document. */
export const metricsDocPath = join(__dirname, '..', 'docs', 'METRICS.md');

function row(definition: MetricDefinition): string {
  const labels = [
    ...definition.labels.map((label) => `\`${label}\``),
    ...(definition.optionalLabels ?? []).map((label) => `\`${label}\` (optional)`),
  ];
  return `| \`${definition.name}\` | ${definition.type} | ${definition.unit} | ${labels.join(', ') || '—'} | ${definition.help.replace(/\|/g, '\\|')} |`;
}

/** Renders docs/METRICS.md: one table per component. */
export function renderMetricsDoc(definitions: readonly MetricDefinition[] = allMetricCatalogues): string {
  const components = [...new Set(definitions.map((definition) => definition.component))];
  const sections = components.map((component) => {
    const rows = definitions.filter((definition) => definition.component === component).map(row);
    return [
      `## ${component}`,
      '',
      '| name | type | unit | labels | help |',
      '| --- | --- | --- | --- | --- |',
      ...rows,
    ].join('\n');
  });
  return [
    '# Metrics',
    '',
    'Generated from the metric catalogues in code (`npm run docs:metrics`); do not edit by hand.',
    'Dashboards and alert rules may only use the names listed here.',
    '',
    ...sections.flatMap((section) => [section, '']),
  ].join('\n');
}

if (require.main === module) {
  writeFileSync(metricsDocPath, renderMetricsDoc());
  console.log(`wrote ${metricsDocPath}`);
}
