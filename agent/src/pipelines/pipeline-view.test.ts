import { type AggregateSeries, type InstanceStore, type PipelineSnapshot } from './instance-store';
import { PipelineView } from './pipeline-view';

const START = 1_700_000_000_000;

function consumed(value: number, topic = 'in'): AggregateSeries {
  return {
    metric: 'streamops_consumer_messages_total',
    unit: '1',
    stage: 'enrich',
    attributes: { group: 'g', topic },
    kind: 'counter',
    value,
    histogram: null,
    liveInstances: 1,
  };
}

function pipeline(name: string, series: AggregateSeries[]): PipelineSnapshot {
  return {
    pipeline: name,
    engine: 'kafkajs',
    liveInstances: 2,
    stages: [{ stage: 'enrich', instances: 2, processGroup: 'enrich' }],
    series,
  };
}

/** A store whose snapshot the test sets, and whose holders are fixed per pipeline. */
class FakeStore implements Pick<InstanceStore, 'snapshot' | 'holders'> {
  pipelines: PipelineSnapshot[] = [];
  holdersOf: Record<string, string[]> = {};
  snapshot() {
    return { timeMs: 0, pipelines: this.pipelines };
  }
  holders(name: string): string[] {
    return this.holdersOf[name] ?? [];
  }
}

function setup() {
  const store = new FakeStore();
  const logged: string[] = [];
  const view = new PipelineView(store, {
    windowMs: 10_000,
    declared: [],
    targetRate: null,
    log: (line) => logged.push(line),
  });
  return { store, view, logged };
}

describe('PipelineView isolation', () => {
  it('marks a pipeline whose counters sum to Infinity degraded and keeps modelling the others', () => {
    const { store, view, logged } = setup();
    store.holdersOf = { bad: ['a', 'b'] };
    store.pipelines = [pipeline('bad', [consumed(10)]), pipeline('good', [consumed(10)])];
    view.update(START, []);
    store.pipelines = [pipeline('bad', [consumed(20)]), pipeline('good', [consumed(20)])];
    view.update(START + 10_000, []);
    expect(view.models().map((model) => [model.pipeline, model.consumedRate])).toEqual([
      ['bad', 1],
      ['good', 1],
    ]);

    // Two finite values whose sum is not: the store's aggregate is Infinity.
    store.pipelines = [pipeline('bad', [consumed(Infinity)]), pipeline('good', [consumed(40)])];
    view.update(START + 20_000, []);
    const [bad, good] = view.models();
    expect(good).toMatchObject({ pipeline: 'good', consumedRate: 2 });
    expect(good?.degraded).toBeUndefined();
    expect(bad).toMatchObject({
      pipeline: 'bad',
      consumedRate: 1,
      modelAt: START + 10_000,
      degraded: { reason: 'non_finite_input', instances: ['a', 'b'], sinceMs: START + 20_000 },
    });
    expect(bad?.degraded?.message).toContain('streamops_consumer_messages_total');
    expect(view.degradedCounts()).toEqual({ non_finite_input: 1, negative_input: 0, model_error: 0 });

    // Still degraded: logged once, not every update.
    view.update(START + 21_000, []);
    expect(logged).toEqual([
      expect.stringMatching(
        /^streamops-agent: pipeline "bad" degraded \(non_finite_input\): .*; instances a, b$/,
      ),
    ]);

    // The bad values leave: the pipeline recovers, logged once, and the bad snapshot never entered its history.
    store.pipelines = [pipeline('bad', [consumed(60)]), pipeline('good', [consumed(60)])];
    view.update(START + 30_000, []);
    expect(view.models()[0]).toMatchObject({ pipeline: 'bad', consumedRate: 2 });
    expect(view.models()[0]?.degraded).toBeUndefined();
    expect(view.degradedCounts().non_finite_input).toBe(0);
    expect(logged).toHaveLength(2);
    expect(logged[1]).toBe('streamops-agent: pipeline "bad" recovered');
  });

  it('marks a negative counter negative_input and serves an empty model when there was never a good one', () => {
    const { store, view } = setup();
    store.holdersOf = { bad: ['x'] };
    store.pipelines = [pipeline('bad', [consumed(-5)])];
    view.update(START, []);
    const [bad] = view.models();
    expect(bad).toMatchObject({
      pipeline: 'bad',
      consumedRate: null,
      modelAt: null,
      degraded: { reason: 'negative_input', instances: ['x'] },
    });
  });

  it('marks a sum over series that is not finite, though each series is', () => {
    const { store, view } = setup();
    store.pipelines = [
      pipeline('bad', [consumed(Number.MAX_VALUE, 'in'), consumed(Number.MAX_VALUE, 'in2')]),
    ];
    view.update(START, []);
    expect(view.models()[0]?.degraded).toMatchObject({
      reason: 'non_finite_input',
      message: 'the consumed counter sums to Infinity',
    });
  });

  it('marks a pipeline whose model throws model_error, and logs each change of reason', () => {
    const { store, view, logged } = setup();
    store.pipelines = [pipeline('p', [consumed(-1)])];
    view.update(START, []);
    store.pipelines = [pipeline('p', [consumed(10)])];
    view.update(START + 10_000, []);
    // The model refuses a stage with a fractional instance count.
    const broken = {
      ...pipeline('p', [consumed(20)]),
      stages: [{ stage: 'enrich', instances: 1.5, processGroup: 'enrich' }],
    };
    store.pipelines = [broken];
    view.update(START + 20_000, []);
    expect(view.models()[0]?.degraded).toMatchObject({ reason: 'model_error' });
    expect(view.models()[0]?.degraded?.message).toContain('instances must be a non-negative integer');
    expect(view.planFor('p', 100)).toBeUndefined();
    store.pipelines = [
      { ...broken, series: [{ ...consumed(30), histogram: { bounds: [], counts: [], count: NaN, sum: 0 } }] },
    ];
    view.update(START + 30_000, []);
    expect(logged.map((line) => /\((\w+)\)|recovered/.exec(line)?.[0])).toEqual([
      '(negative_input)',
      'recovered',
      '(model_error)',
      '(non_finite_input)',
    ]);
  });

  it('forgets a degraded pipeline that stops reporting', () => {
    const { store, view } = setup();
    store.pipelines = [pipeline('bad', [consumed(Infinity)])];
    view.update(START, []);
    expect(view.degraded().size).toBe(1);
    store.pipelines = [];
    view.update(START + 1_000, []);
    expect(view.degraded().size).toBe(0);
    expect(view.models()).toEqual([]);
  });
});
