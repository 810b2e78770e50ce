import { Registry } from 'prom-client';
import { sdkMetricCatalogue, sdkMetrics } from './catalogue';
import { catalogueProblems } from './definition';
import { sdkMetricsFor } from './registry';

describe('SDK metric catalogue', () => {
  it('is sound', () => {
    expect(catalogueProblems(sdkMetricCatalogue)).toEqual([]);
  });

  it('uses the streamops_ prefix and conventional label names', () => {
    const conventional = new Set([
      'pipeline',
      'stage',
      'topic',
      'partition',
      'group',
      'outcome',
      'error_type',
      'reason',
      'operation',
      'label',
    ]);
    for (const definition of sdkMetricCatalogue) {
      expect(definition.name).toMatch(/^streamops_/);
      for (const label of [...definition.labels, ...(definition.optionalLabels ?? [])]) {
        expect(conventional).toContain(label);
      }
      expect(definition.optionalLabels ?? []).not.toContain('topic');
    }
  });
});

describe('sdkMetricsFor', () => {
  it('registers every catalogue metric once per registry and reuses it', async () => {
    const registry = new Registry();
    const metrics = sdkMetricsFor(registry, false, 10);
    expect(sdkMetricsFor(registry, false, 10)).toBe(metrics);
    expect(registry.getMetricsAsArray().map((metric) => metric.name)).toEqual(
      sdkMetricCatalogue.map((definition) => definition.name),
    );
    metrics.counters.producerMessages.cell({ pipeline: 'p', stage: 's', topic: 't' }).inc(3);
    const value = await registry.getSingleMetric(sdkMetrics.producerMessages.name)?.get();
    expect(value?.values).toEqual([{ value: 3, labels: { pipeline: 'p', stage: 's', topic: 't' } }]);
  });

  it('adds optional partition labels only when asked, and refuses to change that later', () => {
    const registry = new Registry();
    const metrics = sdkMetricsFor(registry, true, 10);
    const labels = metrics.withPartition({ pipeline: 'p', stage: 's', group: 'g', topic: 't' }, 2);
    expect(() => metrics.counters.consumerMessages.cell(labels)).not.toThrow();
    expect(() => sdkMetricsFor(registry, false, 10)).toThrow('invalid option "labels.partition"');
  });

  it('counts label overflow and instrumentation errors', async () => {
    const registry = new Registry();
    const metrics = sdkMetricsFor(registry, false, 1);
    metrics.labelLimits.admit('topic', 'a');
    metrics.labelLimits.admit('topic', 'b');
    metrics.countInstrumentationError('consume');
    metrics.countInstrumentationError('consume');
    expect((await registry.getSingleMetric(sdkMetrics.labelOverflow.name)?.get())?.values).toEqual([
      { value: 1, labels: { label: 'topic' } },
    ]);
    expect((await registry.getSingleMetric(sdkMetrics.instrumentationErrors.name)?.get())?.values).toEqual([
      { value: 2, labels: { operation: 'consume' } },
    ]);
  });
});
