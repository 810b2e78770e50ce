import { Registry } from 'prom-client';
import { CellCounter, CellHistogram } from './cell-metrics';

describe('CellCounter', () => {
  it('exposes cell values through get() and the text exposition, and resets them in place', async () => {
    const registry = new Registry();
    const counter = new CellCounter({
      name: 'x_total',
      help: 'X.',
      labelNames: ['topic'],
      registers: [registry],
    });
    const cell = counter.cell({ topic: 'a' });
    expect(counter.cell({ topic: 'a' })).toBe(cell);
    cell.inc();
    cell.inc(2);
    counter.cell({ topic: 'b' });
    expect((await counter.get()).values).toEqual([
      { value: 3, labels: { topic: 'a' } },
      { value: 0, labels: { topic: 'b' } },
    ]);
    expect(await registry.metrics()).toContain('x_total{topic="a"} 3');
    registry.resetMetrics();
    cell.inc();
    expect((await counter.get()).values[0]).toEqual({ value: 1, labels: { topic: 'a' } });
  });

  it('rejects missing and unknown labels when a cell is bound', () => {
    const counter = new CellCounter({ name: 'y_total', help: 'Y.', labelNames: ['topic'], registers: [] });
    expect(() => counter.cell({})).toThrow('y_total: missing label topic');
    expect(() => counter.cell({ topic: 'a', group: 'b' })).toThrow('y_total: unknown label group');
  });
});

describe('CellHistogram', () => {
  it('renders cumulative buckets, sum and count like prom-client', async () => {
    const registry = new Registry();
    const histogram = new CellHistogram({
      name: 'd_seconds',
      help: 'D.',
      labelNames: ['topic'],
      buckets: [1, 0.1],
      registers: [registry],
    });
    const cell = histogram.cell({ topic: 'a' });
    cell.observe(0.05);
    cell.observe(0.1);
    cell.observe(0.5);
    cell.observe(7);
    cell.observe(Number.NaN);
    expect((await histogram.get()).values).toEqual([
      { labels: { topic: 'a', le: 0.1 }, value: 2, metricName: 'd_seconds_bucket' },
      { labels: { topic: 'a', le: 1 }, value: 3, metricName: 'd_seconds_bucket' },
      { labels: { topic: 'a', le: '+Inf' }, value: 4, metricName: 'd_seconds_bucket' },
      { labels: { topic: 'a' }, value: 7.65, metricName: 'd_seconds_sum' },
      { labels: { topic: 'a' }, value: 4, metricName: 'd_seconds_count' },
    ]);
    const text = await registry.metrics();
    expect(text).toContain('d_seconds_bucket{topic="a",le="0.1"} 2');
    expect(text).toContain('d_seconds_count{topic="a"} 4');
    registry.resetMetrics();
    expect((await histogram.get()).values.at(-1)?.value).toBe(0);
  });
});
