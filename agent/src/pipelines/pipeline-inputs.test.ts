import { type AggregateSeries, type PipelineSnapshot, type StageInstances } from './instance-store';
import { deadLetterTopicPattern, learnTopology, pipelineCounters } from './pipeline-inputs';

function counter(
  metric: string,
  stage: string | null,
  attributes: Record<string, string>,
  value: number,
): AggregateSeries {
  return { metric, unit: '', stage, attributes, kind: 'counter', value, histogram: null, liveInstances: 1 };
}

const outcome = (stage: string, name: string, value: number): AggregateSeries =>
  counter('streamops_stage_messages_total', stage, { outcome: name }, value);
const consumed = (stage: string, topic: string, value: number, group = 'orders-app'): AggregateSeries =>
  counter('streamops_consumer_messages_total', stage, { group, topic }, value);
const produced = (stage: string, topic: string, value: number): AggregateSeries =>
  counter('streamops_producer_messages_total', stage, { topic }, value);
const busy = (stage: string, value: number): AggregateSeries =>
  counter('streamops_stage_busy_seconds_total', stage, {}, value);

function snapshot(series: AggregateSeries[], stages: StageInstances[] = []): PipelineSnapshot {
  return { pipeline: 'orders', engine: 'kafkajs', liveInstances: 3, stages, series };
}

/** The SDK's pipeline(): source consumer, parse → enrich → filter stages, sink producer with a DLQ. */
const sdkPipeline = snapshot(
  [
    consumed('source', 'orders', 1000),
    outcome('parse', 'success', 990),
    outcome('parse', 'error', 10),
    outcome('enrich', 'success', 950),
    outcome('enrich', 'retried', 20),
    outcome('enrich', 'dead_lettered', 20),
    outcome('filter', 'success', 900),
    outcome('filter', 'filtered', 70),
    produced('sink', 'orders-enriched', 900),
    produced('sink', 'orders-dlq', 20),
    busy('parse', 1),
    busy('enrich', 8),
    busy('filter', 0.5),
    counter(
      'streamops_consumer_redelivered_messages_total',
      'source',
      { group: 'orders-app', topic: 'orders' },
      3,
    ),
    counter('streamops_consumer_lost_messages_total', 'source', { group: 'orders-app', topic: 'orders' }, 1),
    counter(
      'streamops_consumer_duplicate_messages_total',
      'source',
      { group: 'orders-app', topic: 'orders' },
      2,
    ),
    {
      metric: 'streamops_consumer_record_age_seconds',
      unit: 's',
      stage: 'source',
      attributes: { group: 'orders-app', topic: 'orders' },
      kind: 'histogram',
      value: 3,
      histogram: { bounds: [1], counts: [2, 1], count: 3, sum: 2 },
      liveInstances: 2,
    },
  ],
  [
    { stage: 'enrich', instances: 2, processGroup: 'enrich' },
    { stage: 'filter', instances: 2, processGroup: 'enrich' },
    { stage: 'parse', instances: 2, processGroup: 'enrich' },
    { stage: 'sink', instances: 2, processGroup: 'enrich' },
    { stage: 'source', instances: 2, processGroup: 'enrich' },
  ],
);

describe('learnTopology', () => {
  it('learns inputs, outputs and dead-letter topics from what the pipeline consumes and produces', () => {
    expect(learnTopology(sdkPipeline)).toEqual({
      pipeline: 'orders',
      inputTopics: ['orders'],
      outputTopics: ['orders-enriched'],
      deadLetterTopics: ['orders-dlq'],
      stages: ['source', 'enrich', 'filter', 'parse', 'sink'],
      stageOrderDeclared: false,
      consumerGroups: ['orders-app'],
    });
  });

  it('treats topics the pipeline both produces and consumes as internal', () => {
    const chained = snapshot([
      consumed('enrich', 'raw', 10, 'enricher'),
      produced('enrich', 'enriched', 10),
      consumed('sink', 'enriched', 10, 'sinker'),
      produced('sink', 'out', 10),
    ]);
    expect(learnTopology(chained)).toMatchObject({
      inputTopics: ['raw'],
      outputTopics: ['out'],
      consumerGroups: ['enricher'],
    });
  });

  it('lets declared parts override what is learnt, keeping undeclared stages after the declared order', () => {
    const topology = learnTopology(sdkPipeline, {
      inputTopics: ['orders', 'orders-retry'],
      deadLetterTopics: [],
      stages: ['source', 'parse', 'enrich', 'filter'],
    });
    expect(topology).toMatchObject({
      inputTopics: ['orders', 'orders-retry'],
      outputTopics: ['orders-dlq', 'orders-enriched'],
      deadLetterTopics: [],
      stages: ['source', 'parse', 'enrich', 'filter', 'sink'],
      stageOrderDeclared: true,
    });
  });

  it.each([
    ['orders-dlq', true],
    ['orders.DLQ', true],
    ['dlt_orders', true],
    ['orders-dead-letter', true],
    ['orders.deadletters', true],
    ['dlq', true],
    ['orders', false],
    ['headless', false],
    ['dltx', false],
  ])('recognises %s as a dead-letter topic: %s', (topic, expected) => {
    expect(deadLetterTopicPattern.test(topic)).toBe(expected);
  });
});

describe('pipelineCounters', () => {
  const T = 1_700_000_000_000;

  it('derives the model counters from the SDK series', () => {
    const topology = learnTopology(sdkPipeline);
    const counters = pipelineCounters(sdkPipeline, topology, T, {
      topicEndOffsets: new Map([['orders', 12_345]]),
    });
    expect(counters).toEqual({
      timeMs: T,
      inputEndOffsets: 12_345,
      consumed: 1000,
      // consumed − filtered − errored − dead-lettered
      processed: 1000 - 70 - 10 - 20,
      filtered: 70,
      errored: 10,
      deadLettered: 20,
      delivered: 900,
      redelivered: 3,
      lost: 1,
      duplicated: 2,
      latency: { bounds: [1], counts: [2, 1], count: 3, sum: 2 },
      stages: [
        { stage: 'source', messages: 1000, busySeconds: null, instances: 2, processGroup: 'enrich' },
        { stage: 'enrich', messages: 990, busySeconds: 8, instances: 2, processGroup: 'enrich' },
        { stage: 'filter', messages: 970, busySeconds: 0.5, instances: 2, processGroup: 'enrich' },
        { stage: 'parse', messages: 1000, busySeconds: 1, instances: 2, processGroup: 'enrich' },
        { stage: 'sink', messages: 920, busySeconds: null, instances: 2, processGroup: 'enrich' },
      ],
    });
  });

  it('counts the last declared stage’s successes as processed', () => {
    // 20 messages are still in flight between enrich and filter: the last stage has seen fewer.
    const inFlight = snapshot(
      sdkPipeline.series
        .filter((series) => series.stage !== 'sink')
        .map((series) =>
          series.stage === 'filter' && series.attributes.outcome === 'success'
            ? { ...series, value: 880 }
            : series,
        ),
    );
    const declared = learnTopology(inFlight, { stages: ['source', 'parse', 'enrich', 'filter'] });
    expect(pipelineCounters(inFlight, declared, T).processed).toBe(880);
    // Without a declared order the last stage is unknown: consumed minus what left otherwise.
    expect(pipelineCounters(inFlight, learnTopology(inFlight), T).processed).toBe(900);
    // A declared last stage without outcomes (a producer) falls back the same way.
    const sinkLast = learnTopology(sdkPipeline, { stages: ['source', 'parse', 'enrich', 'filter', 'sink'] });
    expect(pipelineCounters(sdkPipeline, sinkLast, T).processed).toBe(900);
  });

  it('uses handler errors when no stage reports outcomes', () => {
    const plain = snapshot([
      consumed('consumer', 'in', 500),
      counter(
        'streamops_consumer_handler_errors_total',
        'consumer',
        { group: 'g', topic: 'in', error_type: 'TypeError' },
        5,
      ),
      produced('producer', 'out', 495),
      busy('consumer', 2),
    ]);
    const counters = pipelineCounters(plain, learnTopology(plain), T);
    expect(counters).toMatchObject({
      consumed: 500,
      errored: 5,
      processed: 495,
      delivered: 495,
      filtered: 0,
      latency: null,
    });
    // Stages known only from series (no live instance listed) count 0 instances.
    expect(counters.stages).toEqual([
      { stage: 'consumer', messages: 500, busySeconds: 2, instances: 0, processGroup: 'consumer' },
      { stage: 'producer', messages: 495, busySeconds: null, instances: 0, processGroup: 'producer' },
    ]);
  });

  it('matches OpenTelemetry-style names of the same signals', () => {
    const otel = snapshot([
      counter('streamops.consumer.messages', 'source', { topic: 'in' }, 10),
      counter('streamops.stage.messages', 'work', { outcome: 'success' }, 10),
      counter('streamops.stage.busy', 'work', {}, 0.5),
      counter('streamops.producer.messages', 'sink', { topic: 'out' }, 10),
    ]);
    const counters = pipelineCounters(otel, learnTopology(otel), T);
    expect(counters).toMatchObject({ consumed: 10, processed: 10, delivered: 10 });
    expect(counters.stages.find((entry) => entry.stage === 'work')).toMatchObject({
      messages: 10,
      busySeconds: 0.5,
    });
  });

  it('leaves the input end offsets unknown when any input topic is missing', () => {
    const topology = learnTopology(sdkPipeline, { inputTopics: ['orders', 'other'] });
    expect(
      pipelineCounters(sdkPipeline, topology, T, { topicEndOffsets: new Map([['orders', 5]]) })
        .inputEndOffsets,
    ).toBeNull();
    expect(pipelineCounters(sdkPipeline, topology, T).inputEndOffsets).toBeNull();
    const none = learnTopology(snapshot([]));
    expect(
      pipelineCounters(snapshot([]), none, T, { topicEndOffsets: new Map() }).inputEndOffsets,
    ).toBeNull();
  });

  it('gives zeros for a pipeline that reports nothing the model reads', () => {
    const empty = snapshot([counter('streamops_sdk_label_overflow_total', null, { label: 'topic' }, 3)]);
    expect(pipelineCounters(empty, learnTopology(empty), T)).toMatchObject({
      consumed: 0,
      processed: 0,
      delivered: 0,
      stages: [],
    });
  });

  it('never adds a gauge sent under a counter name into the counters', () => {
    const gauge: AggregateSeries = { ...consumed('source', 'orders', 1e300), kind: 'gauge' };
    const withGauge = snapshot([consumed('source', 'orders', 100), gauge, produced('sink', 'out', 90)]);
    const topology = learnTopology(withGauge);
    expect(pipelineCounters(withGauge, topology, 0)).toMatchObject({ consumed: 100, delivered: 90 });
  });
});
