import { metricNamesIn } from './promql-names';

describe('metricNamesIn', () => {
  it('finds a bare selector', () => {
    expect(metricNamesIn('streamops_collector_up')).toEqual(['streamops_collector_up']);
  });

  it('ignores label matchers, their values and Grafana variables', () => {
    expect(
      metricNamesIn(
        'streamops_consumergroup_lag_seconds{cluster=~"$cluster", namespace=~"$namespace", group!="fake_metric_name"}',
      ),
    ).toEqual(['streamops_consumergroup_lag_seconds']);
  });

  it('ignores functions, aggregations with by/without clauses and their label lists', () => {
    expect(
      metricNamesIn(
        'sum by (cluster, pipeline) (rate(streamops_stage_messages_total[$__rate_interval])) / ignoring (outcome) group_left () sum without (instance, job) (rate(streamops_stage_retries_total[5m]))',
      ),
    ).toEqual(['streamops_stage_messages_total', 'streamops_stage_retries_total']);
    expect(metricNamesIn('sum(x) by (group) > on (cluster, group) group_right (topic) y')).toEqual([
      'x',
      'y',
    ]);
  });

  it('treats aggregation names as metrics only when they are not followed by ( or a clause', () => {
    expect(metricNamesIn('count(group) + max')).toEqual(['group', 'max']);
    expect(metricNamesIn('group by (job) (up)')).toEqual(['up']);
  });

  it('ignores numbers, durations, offsets, subqueries and keywords', () => {
    expect(
      metricNamesIn(
        'max_over_time(a[1h:30s] offset 1h30m) > bool 1.5e3 and b @ 1609746000 unless c or vector(0) * inf + nan + 0x1F',
      ),
    ).toEqual(['a', 'b', 'c']);
  });

  it('keeps recording-rule names with colons and digits', () => {
    expect(metricNamesIn('streamops:pipeline_error_ratio:rate5m > 14.4 * 0.001')).toEqual([
      'streamops:pipeline_error_ratio:rate5m',
    ]);
  });

  it('ignores string arguments, including ones that look like names', () => {
    expect(
      metricNamesIn(
        'label_replace(histogram_quantile(0.99, x_bucket), "dst", "$1", "src", "(not_a_metric)")',
      ),
    ).toEqual(['x_bucket']);
    expect(metricNamesIn(`count_values('value', y) # a comment naming z\n`)).toEqual(['y']);
  });

  it('refuses what it cannot check', () => {
    expect(() => metricNamesIn('{__name__=~"streamops_.*"}')).toThrow(/__name__/);
    expect(() => metricNamesIn('sum(rate(x[5m])')).not.toThrow();
    expect(() => metricNamesIn('x{a="b"')).toThrow(/unbalanced/);
    expect(() => metricNamesIn('x{a="b}')).toThrow(/unterminated/);
  });
});
