import { type MetricDefinition } from '@streamops/sdk';
import { ExpositionBuilder } from './exposition';

const lag: MetricDefinition = {
  name: 'streamops_test_lag_messages',
  type: 'gauge',
  unit: 'messages',
  labels: ['cluster', 'group'],
  help: 'Lag.\nSecond line with a \\ backslash.',
  component: 'test',
};
const cycles: MetricDefinition = {
  name: 'streamops_test_cycles_total',
  type: 'counter',
  unit: '1',
  labels: [],
  help: 'Cycles.',
  component: 'test',
};

describe('ExpositionBuilder', () => {
  it('renders Prometheus text with escaped help and label values', () => {
    const text = new ExpositionBuilder()
      .add(lag, ['prod', 'payments "eu"\\x\nnext'], 42)
      .add(cycles, [], 3)
      .render('prometheus');
    expect(text).toBe(
      [
        '# HELP streamops_test_lag_messages Lag.\\nSecond line with a \\\\ backslash.',
        '# TYPE streamops_test_lag_messages gauge',
        'streamops_test_lag_messages{cluster="prod",group="payments \\"eu\\"\\\\x\\nnext"} 42',
        '# HELP streamops_test_cycles_total Cycles.',
        '# TYPE streamops_test_cycles_total counter',
        'streamops_test_cycles_total 3',
        '',
      ].join('\n'),
    );
  });

  it('renders OpenMetrics with counter families named without _total and a final # EOF', () => {
    const text = new ExpositionBuilder().add(cycles, [], 1).render('openmetrics');
    expect(text).toBe(
      [
        '# HELP streamops_test_cycles Cycles.',
        '# TYPE streamops_test_cycles counter',
        'streamops_test_cycles_total 1',
        '# EOF',
        '',
      ].join('\n'),
    );
  });

  it('writes special float values the way Prometheus parses them', () => {
    const text = new ExpositionBuilder()
      .add(lag, ['a', 'inf'], Number.POSITIVE_INFINITY)
      .add(lag, ['a', 'ninf'], Number.NEGATIVE_INFINITY)
      .add(lag, ['a', 'nan'], Number.NaN)
      .add(lag, ['a', 'small'], 0.000125)
      .render('prometheus');
    expect(text).toContain('group="inf"} +Inf');
    expect(text).toContain('group="ninf"} -Inf');
    expect(text).toContain('group="nan"} NaN');
    expect(text).toContain('group="small"} 0.000125');
  });

  it('keeps declared families without samples and counts samples', () => {
    const builder = new ExpositionBuilder().declare(lag);
    expect(builder.sampleCount).toBe(0);
    expect(builder.render('prometheus')).toContain('# TYPE streamops_test_lag_messages gauge');
    builder.add(lag, ['a', 'b'], 1).add(lag, ['a', 'c'], 2);
    expect(builder.sampleCount).toBe(2);
  });

  it('rejects samples whose label values do not match the definition', () => {
    expect(() => new ExpositionBuilder().add(lag, ['only-cluster'], 1)).toThrow(
      'streamops_test_lag_messages takes labels [cluster, group], got 1 values',
    );
  });

  it('merges parts so that each family is rendered once, samples in part order', () => {
    const first = new ExpositionBuilder().declare(cycles).add(lag, ['a', 'g'], 1);
    const second = new ExpositionBuilder().add(lag, ['b', 'g'], 2).add(cycles, [], 5);
    const merged = new ExpositionBuilder().merge(first).merge(second);
    expect(merged.render('prometheus')).toBe(
      [
        '# HELP streamops_test_cycles_total Cycles.',
        '# TYPE streamops_test_cycles_total counter',
        'streamops_test_cycles_total 5',
        '# HELP streamops_test_lag_messages Lag.\\nSecond line with a \\\\ backslash.',
        '# TYPE streamops_test_lag_messages gauge',
        'streamops_test_lag_messages{cluster="a",group="g"} 1',
        'streamops_test_lag_messages{cluster="b",group="g"} 2',
        '',
      ].join('\n'),
    );
    // The parts are not changed by merging.
    expect(first.sampleCount).toBe(1);
  });
});
