import { readFileSync } from 'node:fs';
import { catalogueProblems } from '@streamops/sdk';
import { allMetricCatalogues, metricsDocPath, renderMetricsDoc } from '../scripts/metrics-doc';

describe('metric catalogue', () => {
  it('has no naming or definition problems', () => {
    expect(catalogueProblems(allMetricCatalogues)).toEqual([]);
  });

  it('is documented by an up-to-date docs/METRICS.md (run npm run docs:metrics)', () => {
    expect(readFileSync(metricsDocPath, 'utf8')).toBe(renderMetricsDoc());
  });

  it('puts no member or host labels on lag series', () => {
    const lagSeries = allMetricCatalogues.filter((definition) => /lag/.test(definition.name));
    expect(lagSeries.length).toBeGreaterThan(0);
    for (const definition of lagSeries) {
      expect(definition.labels).not.toEqual(expect.arrayContaining(['member_id']));
      expect(definition.labels).not.toEqual(expect.arrayContaining(['host']));
      expect(definition.labels).not.toEqual(expect.arrayContaining(['client_id']));
    }
  });
});
