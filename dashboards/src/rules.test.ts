import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { defaultOptions } from './options';
import { thresholdOverrideRecord } from './rules/consumer-lag';
import {
  allAlerts,
  allRuleGroups,
  isRecording,
  renderPrometheusRule,
  renderRuleFiles,
  runbookUrl,
} from './rules/render';

const alerts = allAlerts();
const runbooks = readFileSync(join(__dirname, '..', '..', 'docs', 'runbooks.md'), 'utf8');

/** GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens. */
function anchors(markdown: string): Set<string> {
  const found = new Set<string>();
  for (const match of markdown.matchAll(/^#{1,6}\s+(.+?)\s*$/gm)) {
    found.add(
      match[1]!
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .replace(/\s/g, '-'),
    );
  }
  return found;
}

describe.each(alerts.map((rule) => [rule.alert, rule] as const))('%s', (_name, rule) => {
  it('has a summary, a description with the live value, a severity and a runbook section', () => {
    expect(rule.summary.trim().length).toBeGreaterThan(10);
    expect(rule.description).toMatch(/\{\{ \$value( \| \w+)? \}\}/);
    expect(['critical', 'warning']).toContain(rule.severity);
    expect(rule.runbook).toBe(rule.alert.toLowerCase());
    expect(anchors(runbooks)).toContain(rule.runbook);
    expect(runbookUrl(rule)).toBe(`${defaultOptions.runbookBaseUrl}#${rule.runbook}`);
  });

  it('has promtool cases that fire, that must not fire, and at the edge', () => {
    expect(rule.cases.some((alertCase) => alertCase.expect.length > 0)).toBe(true);
    expect(rule.cases.some((alertCase) => alertCase.expect.length === 0 && !alertCase.edge)).toBe(true);
    expect(rule.cases.some((alertCase) => alertCase.expect.length === 0 && alertCase.edge)).toBe(true);
    for (const alertCase of rule.cases) {
      for (const expected of alertCase.expect) {
        // A firing case states the rendered description, so the live value is checked by promtool.
        expect(expected.description).not.toContain('{{');
      }
    }
  });

  it('keeps cluster and namespace in every aggregation and join', () => {
    if (rule.expr.startsWith('absent(')) return; // nothing to aggregate: see its description
    const clauses = rule.expr.match(/\b(by|on)\s*\(([^)]*)\)/g) ?? [];
    expect(clauses.length).toBeGreaterThan(0);
    for (const clause of clauses) expect(clause).toMatch(/\(cluster, namespace\b/);
  });
});

describe('rule set', () => {
  it('has unique alert names and the alerts the issue asks for', () => {
    const names = alerts.map((rule) => rule.alert);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(
      expect.arrayContaining([
        'StreamopsConsumerGroupTimeLagHigh',
        'StreamopsConsumerGroupStatusError',
        'StreamopsConsumerPartitionStopped',
        'StreamopsConsumerPartitionStalled',
        'StreamopsConsumerLagGrowing',
        'StreamopsConsumerTimeToDrainHigh',
        'StreamopsPipelineLostMessages',
        'StreamopsPipelineDeadLetterRatioHigh',
        'StreamopsPipelineErrorBudgetBurnFast',
        'StreamopsPipelineErrorBudgetBurnSlow',
        'StreamopsPipelineLatencyBudgetBurnFast',
        'StreamopsPipelineLatencyBudgetBurnSlow',
        'StreamopsPipelineNoInstances',
        'StreamopsPipelineMetricsAbsent',
        'StreamopsCollectorDown',
        'StreamopsCollectorStale',
        'StreamopsCollectorMetricsAbsent',
        'StreamopsCollectorAbsent',
      ]),
    );
  });

  it('has a runbook section for every alert and no section for an alert that does not exist', () => {
    const sections = [...runbooks.matchAll(/^## (Streamops\w+)\s*$/gm)].map((match) => match[1]);
    expect(sections.sort()).toEqual(alerts.map((rule) => rule.alert).sort());
  });

  it('records per-group threshold overrides from the options', () => {
    const groups = allRuleGroups({
      ...defaultOptions,
      timeLagThresholdOverrides: [{ group: 'batch-reports', seconds: 3600 }],
    });
    const overrides = groups.flatMap((group) =>
      group.rules.filter(isRecording).filter((rule) => rule.record === thresholdOverrideRecord),
    );
    expect(overrides).toEqual([
      {
        kind: 'record',
        record: thresholdOverrideRecord,
        expr: 'vector(3600)',
        labels: { group: 'batch-reports' },
      },
    ]);
  });

  it('renders rule files Prometheus reads and a PrometheusRule with the same groups', () => {
    const files = renderRuleFiles();
    const fromFiles = [...files.values()].flatMap((text) => (parse(text) as { groups: unknown[] }).groups);
    const manifest = parse(renderPrometheusRule('streamops', { release: 'prometheus' })) as {
      kind: string;
      metadata: { labels: Record<string, string> };
      spec: { groups: unknown[] };
    };
    expect(manifest.kind).toBe('PrometheusRule');
    expect(manifest.metadata.labels).toEqual({ release: 'prometheus' });
    expect(manifest.spec.groups).toEqual(fromFiles);
    for (const group of fromFiles as {
      rules: { alert?: string; annotations?: Record<string, string> }[];
    }[]) {
      for (const rule of group.rules.filter((candidate) => candidate.alert)) {
        expect(Object.keys(rule.annotations ?? {}).sort()).toEqual(['description', 'runbook_url', 'summary']);
      }
    }
  });
});
