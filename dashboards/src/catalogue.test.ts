import { GROUP_STATUS_CODE, PARTITION_STATUS_CODE, THRESHOLD_STATUS_CODE } from '@streamops/agent';
import { sdkMetrics } from '@streamops/sdk';
import { allMetricCatalogues } from '../../scripts/metrics-doc';
import { processMetrics } from './agent-self-monitoring';
import { allDashboards } from './dashboards';
import { defaultOptions } from './options';
import { metricNamesIn } from './promql-names';
import { panelTargets, variableQueries } from './queries';
import { thresholdOverrideRecord } from './rules/consumer-lag';
import { allRuleGroups, isAlert, isRecording } from './rules/render';
import { groupStatusCodes, partitionStatusCodes, thresholdStatusCodes } from './status-codes';

// Every metric name a dashboard or rule reads must come from a metric catalogue (docs/METRICS.md),
// be a histogram's _bucket/_count/_sum series, or be recorded by our own rules. The agent's
// process metrics (prom-client defaults, no catalogue) are the one listed exception.

const groups = allRuleGroups();
const recorded = new Set(
  groups.flatMap((group) => group.rules.filter(isRecording).map((rule) => rule.record)),
);

function knownNames(): Map<string, string> {
  const known = new Map<string, string>();
  for (const definition of allMetricCatalogues) {
    known.set(definition.name, 'catalogue');
    if (definition.type === 'histogram') {
      for (const suffix of ['_bucket', '_count', '_sum']) known.set(definition.name + suffix, 'histogram');
    }
  }
  for (const name of recorded) known.set(name, 'recording rule');
  // Per-group threshold overrides: recorded by our rules when configured, else by the user's own.
  known.set(thresholdOverrideRecord, 'recording rule (overrides)');
  return known;
}

interface Use {
  readonly where: string;
  readonly expr: string;
}

function dashboardUses(): Use[] {
  return allDashboards().flatMap(({ dashboard }) => [
    ...panelTargets(dashboard).map((target) => ({
      where: `${target.dashboard} / ${target.panel} / ${target.refId}`,
      expr: target.expr,
    })),
    ...variableQueries(dashboard).map((variable) => ({
      where: `${dashboard.title} / variable ${variable.name}`,
      expr: variable.query.replace(/^label_values\((.*),\s*\w+\)$/s, '$1'),
    })),
  ]);
}

function ruleUses(): Use[] {
  return groups.flatMap((group) =>
    group.rules.flatMap((rule) => {
      const name = isAlert(rule) ? rule.alert : rule.record;
      const uses: Use[] = [{ where: `${group.name} / ${name}`, expr: rule.expr }];
      // The promtool cases' input series must be real series too.
      if (isAlert(rule)) {
        for (const alertCase of rule.cases) {
          for (const series of alertCase.series) {
            uses.push({ where: `${group.name} / ${name} / case "${alertCase.name}"`, expr: series.series });
          }
        }
      }
      return uses;
    }),
  );
}

describe('metric names in dashboards and rules', () => {
  const known = knownNames();

  it('finds the queries (the scan is not vacuous)', () => {
    expect(dashboardUses().length).toBeGreaterThan(80);
    expect(ruleUses().length).toBeGreaterThan(30);
    expect(metricNamesIn(dashboardUses()[0]!.expr).length).toBeGreaterThan(0);
  });

  it('uses only catalogue metrics and recorded series in every dashboard query and variable', () => {
    const unknown: string[] = [];
    for (const use of dashboardUses()) {
      for (const name of metricNamesIn(use.expr)) {
        if (!known.has(name)) unknown.push(`${use.where}: ${name}`);
      }
    }
    expect(unknown).toEqual([]);
  });

  it('uses only catalogue metrics and recorded series in every rule and promtool input', () => {
    const unknown: string[] = [];
    for (const use of ruleUses()) {
      for (const name of metricNamesIn(use.expr)) if (!known.has(name)) unknown.push(`${use.where}: ${name}`);
    }
    expect(unknown).toEqual([]);
  });

  it('records only names that no catalogue defines, in level:metric:operation form', () => {
    for (const name of recorded) {
      expect(allMetricCatalogues.map((definition) => definition.name)).not.toContain(name);
      expect(name).toMatch(/^[a-z_]+:[a-z0-9_]+:[a-z0-9_]+$/);
    }
  });

  it('finds the agent process metrics it reads in the agent catalogue', () => {
    for (const name of processMetrics) expect(known.has(name)).toBe(true);
  });
});

describe('values shared with the agent and the SDK', () => {
  it('maps the status codes the agent exports', () => {
    expect(groupStatusCodes).toEqual(GROUP_STATUS_CODE);
    expect(partitionStatusCodes).toEqual(PARTITION_STATUS_CODE);
    expect(thresholdStatusCodes).toEqual(THRESHOLD_STATUS_CODE);
  });

  it('sets the latency objective on a bucket bound of the record-age histogram', () => {
    expect(sdkMetrics.consumerRecordAge.buckets).toContain(defaultOptions.latencyThresholdSeconds);
  });
});
