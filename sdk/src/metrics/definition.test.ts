import { catalogueProblems, type MetricDefinition } from './definition';

const sound: MetricDefinition = {
  name: 'streamops_example_messages_total',
  type: 'counter',
  unit: 'messages',
  labels: ['topic'],
  help: 'Messages seen.',
  component: 'test',
};

describe('catalogueProblems', () => {
  it('accepts a sound catalogue', () => {
    expect(catalogueProblems([sound])).toEqual([]);
  });

  it.each<[Partial<MetricDefinition>, string]>([
    [{ name: 'streamops-bad' }, 'streamops-bad: not a valid Prometheus metric name'],
    [{ name: 'streamops_example_messages' }, 'streamops_example_messages: counter names end with _total'],
    [{ type: 'gauge' }, 'streamops_example_messages_total: only counters end with _total'],
    [{ help: ' ' }, 'streamops_example_messages_total: empty help text'],
    [{ labels: ['topic', 'topic'] }, 'streamops_example_messages_total: repeated label'],
    [{ labels: ['topic'], optionalLabels: ['topic'] }, 'streamops_example_messages_total: repeated label'],
    [{ labels: ['__name'] }, 'streamops_example_messages_total: invalid label name __name'],
    [{ labels: ['error-type'] }, 'streamops_example_messages_total: invalid label name error-type'],
  ])('reports %o', (change, problem) => {
    expect(catalogueProblems([{ ...sound, ...change }])).toContain(problem);
  });

  it('reports duplicates and histograms without buckets', () => {
    const histogram: MetricDefinition = { ...sound, name: 'streamops_example_seconds', type: 'histogram' };
    expect(catalogueProblems([sound, sound, histogram])).toEqual([
      'streamops_example_messages_total: defined more than once',
      'streamops_example_seconds: histogram without buckets',
    ]);
  });
});
