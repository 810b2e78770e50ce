import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { allDashboards } from './dashboards';
import { units } from './panels';
import { panelsOf, panelTargets, rowsOf, variableQueries } from './queries';

const dashboards = allDashboards();
const knownUnits = new Set<string>(Object.values(units));

describe.each(dashboards.map(({ file, dashboard }) => [file, dashboard] as const))(
  '%s',
  (_file, dashboard) => {
    const panels = panelsOf(dashboard);

    it('has rows of panels', () => {
      expect(rowsOf(dashboard).length).toBeGreaterThanOrEqual(3);
      expect(panels.length).toBeGreaterThanOrEqual(10);
    });

    it('gives every panel a description, a unit, thresholds and at least one query on $datasource', () => {
      for (const panel of panels) {
        const where = `${dashboard.title} / ${panel.title}`;
        expect({ where, description: (panel.description ?? '').length > 20 }).toEqual({
          where,
          description: true,
        });
        const defaults = panel.fieldConfig?.defaults as
          { unit?: string; thresholds?: { steps: unknown[] } } | undefined;
        expect({ where, unit: knownUnits.has(defaults?.unit ?? '') }).toEqual({ where, unit: true });
        expect({ where, thresholds: (defaults?.thresholds?.steps.length ?? 0) > 0 }).toEqual({
          where,
          thresholds: true,
        });
        expect(panel.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
        expect((panel.targets ?? []).length).toBeGreaterThan(0);
        for (const target of (panel.targets ?? []) as { datasource?: unknown }[]) {
          expect(target.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
        }
      }
    });

    it('has the datasource, cluster and namespace variables, and group or pipeline, all tolerant of a missing label', () => {
      const list = dashboard.templating.list ?? [];
      expect(list[0]).toMatchObject({ type: 'datasource', name: 'datasource', query: 'prometheus' });
      const names = list.map((variable) => variable.name);
      expect(names).toEqual(expect.arrayContaining(['cluster', 'namespace']));
      if (dashboard.uid !== 'streamops-agent') {
        expect(names.includes('group') || names.includes('pipeline')).toBe(true);
      }
      for (const variable of variableQueries(dashboard)) {
        expect(variable.query).toMatch(/^label_values\(.+, \w+\)$/);
        // All is `.*`, which matches an empty (absent) label too.
        expect(variable.allValue).toBe('.*');
      }
    });

    it('scopes every query by namespace, and by cluster where the series can carry it', () => {
      for (const target of panelTargets(dashboard)) {
        const selectors = target.expr.match(/[a-z_:]+\{[^}]*\}/g) ?? [];
        expect({ panel: target.panel, selectors: selectors.length > 0 }).toEqual({
          panel: target.panel,
          selectors: true,
        });
        for (const selector of selectors) {
          expect({
            panel: target.panel,
            selector,
            namespace: selector.includes('namespace=~"$namespace"'),
          }).toEqual({
            panel: target.panel,
            selector,
            namespace: true,
          });
        }
      }
    });

    it('links to the other streamops dashboards with the variables and time range', () => {
      expect(dashboard.tags).toContain('streamops');
      expect(dashboard.links).toEqual([
        expect.objectContaining({
          type: 'dashboards',
          tags: ['streamops'],
          includeVars: true,
          keepTime: true,
        }),
      ]);
    });

    it('lays panels out on the 24-column grid with unique ids', () => {
      const all = dashboard.panels ?? [];
      expect(new Set(all.map((panel) => panel.id)).size).toBe(all.length);
      for (const panel of all) {
        expect((panel.gridPos?.x ?? 0) + (panel.gridPos?.w ?? 0)).toBeLessThanOrEqual(24);
      }
    });
  },
);

it('gives every dashboard its own uid and file', () => {
  expect(new Set(dashboards.map(({ dashboard }) => dashboard.uid)).size).toBe(dashboards.length);
  expect(new Set(dashboards.map(({ file }) => file)).size).toBe(dashboards.length);
});

it('covers the panels the issue asks for', () => {
  const titles = dashboards.flatMap(({ dashboard }) => panelsOf(dashboard).map((panel) => panel.title ?? ''));
  for (const wanted of [
    /groups by status/i,
    /top 10 groups by time lag/i,
    /top 10 groups by message lag/i,
    /lag velocity/i,
    /time to drain/i,
    /retention risk/i,
    /partition lag/i,
    /collector up/i,
    /D: arrival/i,
    /P: processing/i,
    /C: delivery/i,
    /R: predicted/i,
    /R measured/i,
    /utilisation/i,
    /headroom/i,
    /bottleneck/i,
    /max sustainable/i,
    /forecast/i,
    /error and dead-letter/i,
    /retry ratio/i,
    /lost messages/i,
    /duplicated messages/i,
    /redelivered/i,
    /p50 \/ p95 \/ p99/i,
    /burn rate/i,
    /cycle duration/i,
    /accepted reports/i,
    /rejected reports/i,
    /memory/i,
  ]) {
    expect({ wanted: String(wanted), found: titles.some((title) => wanted.test(title)) }).toEqual({
      wanted: String(wanted),
      found: true,
    });
  }
});

it('documents every panel in docs/dashboards.md', () => {
  const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'dashboards.md'), 'utf8');
  for (const { dashboard } of dashboards) {
    expect(doc).toContain(`(\`${dashboard.uid}\`)`);
    for (const panel of panelsOf(dashboard)) {
      expect({ panel: panel.title, documented: doc.includes(`| ${panel.title ?? ''} `) }).toEqual({
        panel: panel.title,
        documented: true,
      });
    }
  }
});
