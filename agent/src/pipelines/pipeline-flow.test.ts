// The pure pieces together, as the agent will wire them: simulated SDK instances of an
// `orders` pipeline (source consumer → parse → enrich → sink producer, all in one process
// per instance, as with the SDK's pipeline()) report cumulative OTLP JSON once a second,
// shaped like the SDK reporter's; the ingest endpoint feeds the instance store; every
// second the store's snapshot becomes counters, and the model runs over a 10 s window.
// Ground truth is the simulation's own arithmetic.
import { OtlpMetricsIngest } from '../ingest/ingest-handler';
import { CounterHistory } from './counter-history';
import { InstanceStore } from './instance-store';
import { modelPipeline, type PipelineModel } from './model';
import { learnTopology, pipelineCounters } from './pipeline-inputs';

const START_MS = 1_700_000_000_000;
const PARSE_SECONDS = 0.001; // per consumed message
const ENRICH_SECONDS = 0.02; // per message reaching enrich
const FILTERED = 0.1; // share of consumed messages parse filters out
const DEAD_LETTERED = 0.05; // share of enrich's input sent to the dead-letter topic
// Instance time per consumed message (both stages run in the instance, one after the other).
const COST = PARSE_SECONDS + (1 - FILTERED) * ENRICH_SECONDS;

/** Cumulative counters of one simulated instance, as its SDK would hold them. */
class SimulatedInstance {
  consumed = 0;
  filtered = 0;
  parsed = 0;
  enriched = 0;
  deadLettered = 0;
  parseBusy = 0;
  enrichBusy = 0;
  running = true;

  constructor(
    readonly id: string,
    public startMs: number,
  ) {}

  /** Processes `messages` consumed messages. */
  process(messages: number): void {
    const parsed = messages * (1 - FILTERED);
    const deadLettered = parsed * DEAD_LETTERED;
    this.consumed += messages;
    this.filtered += messages - parsed;
    this.parsed += parsed;
    this.deadLettered += deadLettered;
    this.enriched += parsed - deadLettered;
    this.parseBusy += messages * PARSE_SECONDS;
    this.enrichBusy += parsed * ENRICH_SECONDS;
  }

  restart(nowMs: number): void {
    Object.assign(this, {
      consumed: 0,
      filtered: 0,
      parsed: 0,
      enriched: 0,
      deadLettered: 0,
      parseBusy: 0,
      enrichBusy: 0,
    });
    this.startMs = nowMs;
  }

  /** An OTLP JSON export like the SDK reporter's: Prometheus names, labels as attributes. */
  body(nowMs: number): Uint8Array {
    const attributes = (labels: Record<string, string>): unknown[] =>
      Object.entries({ pipeline: 'orders', ...labels }).map(([key, value]) => ({
        key,
        value: { stringValue: value },
      }));
    const times = { startTimeUnixNano: `${this.startMs}000000`, timeUnixNano: `${nowMs}000000` };
    const sum = (name: string, points: [Record<string, string>, number][]): unknown => ({
      name,
      sum: {
        aggregationTemporality: 2,
        isMonotonic: true,
        dataPoints: points.map(([labels, value]) => ({
          attributes: attributes(labels),
          ...times,
          asDouble: value,
        })),
      },
    });
    const metrics = [
      sum('streamops_consumer_messages_total', [
        [{ stage: 'source', group: 'orders-app', topic: 'orders' }, this.consumed],
      ]),
      sum('streamops_stage_messages_total', [
        [{ stage: 'parse', outcome: 'success' }, this.parsed],
        [{ stage: 'parse', outcome: 'filtered' }, this.filtered],
        [{ stage: 'enrich', outcome: 'success' }, this.enriched],
        [{ stage: 'enrich', outcome: 'dead_lettered' }, this.deadLettered],
      ]),
      sum('streamops_stage_busy_seconds_total', [
        [{ stage: 'parse' }, this.parseBusy],
        [{ stage: 'enrich' }, this.enrichBusy],
      ]),
      sum('streamops_producer_messages_total', [
        [{ stage: 'sink', topic: 'orders-enriched' }, this.enriched],
        [{ stage: 'sink', topic: 'orders-dlq' }, this.deadLettered],
      ]),
      {
        name: 'process_cpu_seconds_total',
        sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ ...times, asDouble: 1 }] },
      },
    ];
    const resource = [
      { key: 'service.name', value: { stringValue: 'orders-app' } },
      { key: 'service.instance.id', value: { stringValue: this.id } },
      { key: 'streamops.pipeline', value: { stringValue: 'orders' } },
    ];
    return Buffer.from(
      JSON.stringify({
        resourceMetrics: [
          {
            resource: { attributes: resource },
            scopeMetrics: [{ scope: { name: '@streamops/sdk' }, metrics }],
          },
        ],
      }),
    );
  }
}

interface Run {
  readonly models: Map<number, PipelineModel>;
  readonly lagAt: Map<number, number>;
  readonly ingest: OtlpMetricsIngest;
  readonly store: InstanceStore;
}

/**
 * Runs the simulation for `seconds`, with `arrivalsAt(second)` messages arriving each
 * second and the running instances consuming as much as they can (each has one second of
 * instance time per second).
 */
function simulate(
  seconds: number,
  arrivalsAt: (second: number) => number,
  events: (second: number, instances: SimulatedInstance[], nowMs: number) => void,
): Run {
  const clock = { now: START_MS };
  const store = new InstanceStore({ now: () => clock.now, instanceTtlMs: 10_000 });
  const ingest = new OtlpMetricsIngest({ sink: store, now: () => clock.now });
  const history = new CounterHistory(64);
  const instances = ['a', 'b', 'c'].map((id) => new SimulatedInstance(id, START_MS));
  const models = new Map<number, PipelineModel>();
  const lagAt = new Map<number, number>();
  let endOffset = 0;
  let consumedOffset = 0;

  for (let second = 1; second <= seconds; second++) {
    clock.now = START_MS + second * 1000;
    events(second, instances, clock.now);
    endOffset += arrivalsAt(second);
    const running = instances.filter((instance) => instance.running);
    const capacity = running.length / COST;
    const consumed = Math.min(endOffset - consumedOffset, capacity);
    consumedOffset += consumed;
    for (const instance of running) {
      instance.process(consumed / running.length);
      const response = ingest.handle({
        contentType: 'application/json',
        contentEncoding: undefined,
        authorization: undefined,
        body: instance.body(clock.now),
      });
      expect(response.status).toBe(200);
    }
    const [snapshot] = store.snapshot().pipelines;
    if (snapshot === undefined) continue;
    const topology = learnTopology(snapshot, { stages: ['source', 'parse', 'enrich', 'sink'] });
    history.push(
      pipelineCounters(snapshot, topology, clock.now, { topicEndOffsets: new Map([['orders', endOffset]]) }),
    );
    const window = history.window(10_000);
    lagAt.set(second, endOffset - consumedOffset);
    if (window !== null) {
      models.set(
        second,
        modelPipeline({
          pipeline: 'orders',
          ...window,
          lagMessages: endOffset - consumedOffset,
          inputPartitions: 6,
          targetRate: 300,
        }),
      );
    }
  }
  return { models, lagAt, ingest, store };
}

function at(run: Run, second: number): PipelineModel {
  const model = run.models.get(second);
  if (model === undefined) throw new Error(`no model at ${second} s`);
  return model;
}

/** Every rate, ratio and count the model produced over the run is non-negative or null. */
function expectNoNegativeRates(run: Run): void {
  for (const [second, model] of run.models) {
    const values = [
      model.arrivalRate,
      model.consumedRate,
      model.deliveredRate,
      model.effectiveThroughput,
      model.processingYield,
      model.deliveryYield,
      ...model.stages.flatMap((stage) => [stage.arrivalRate, stage.serviceRate, stage.utilization]),
    ];
    for (const value of values) {
      if (value !== null && value < 0) throw new Error(`negative value ${value} at ${second} s`);
    }
  }
}

describe('pipeline flow: SDK reports → ingest → store → model', () => {
  it('measures D, P, C and R of a steady pipeline against ground truth', () => {
    const run = simulate(
      20,
      () => 90,
      () => undefined,
    );
    const model = at(run, 20);
    expect(model.arrivalRate).toBeCloseTo(90, 9);
    expect(model.consumedRate).toBeCloseTo(90, 9);
    expect(model.processingYield).toBeCloseTo((1 - FILTERED) * (1 - DEAD_LETTERED), 9);
    expect(model.filteredRatio).toBeCloseTo(FILTERED, 9);
    expect(model.deadLetterRatio).toBeCloseTo((1 - FILTERED) * DEAD_LETTERED, 9);
    expect(model.deliveryYield).toBeCloseTo(1, 9);
    expect(model.effectiveThroughput).toBeCloseTo(90 * 0.9 * 0.95, 9);
    expect(model.deliveredRate).toBeCloseTo(90 * 0.9 * 0.95, 9);
    expect(model.mismatch).toBe(false);
    expect(model.lagTrend).toBe('steady');
    expect(model.timeToDrainSeconds).toBe(0);
    // Stages: enrich takes 20 ms a message, parse 1 ms; all four stages share the three processes.
    const enrich = model.stages.find((stage) => stage.stage === 'enrich');
    expect(enrich).toMatchObject({ instances: 3, processGroup: 'enrich' });
    expect(enrich?.serviceRate).toBeCloseTo(3 / ENRICH_SECONDS, 6);
    expect(enrich?.utilization).toBeCloseTo((90 * 0.9 * ENRICH_SECONDS) / 3, 9);
    expect(model.bottleneck).toBe('enrich');
    expect(model.maxSustainableThroughput).toBeCloseTo(3 / COST, 6);
    expect(model.unmeasuredStages).toEqual(['source', 'sink']);
    // Plan for 300 msg/s at 80 %: ⌈300 × 0.019 ÷ 0.8⌉ = 8 instances, capped at 6 partitions.
    expect(model.plan).toMatchObject({
      feasible: false,
      recommendedPartitions: 8,
      scaleStages: ['enrich', 'parse'],
    });
    // Ingest kept only the streamops metrics.
    expect(run.ingest.counts().ignoredPoints).toBe(60);
  });

  it('keeps rates right and non-negative when an instance leaves, expires and another restarts', () => {
    const run = simulate(
      70,
      () => 90,
      (second, instances, nowMs) => {
        const [, b, c] = instances;
        if (second === 21 && c !== undefined) c.running = false; // leaves; its partitions move to a and b
        // Same id, counters from zero, after two seconds down: the agent takes a later start
        // under a live id only once the old process has missed a report.
        if (second === 44 && b !== undefined) b.running = false;
        if (second === 46 && b !== undefined) {
          b.restart(nowMs);
          b.running = true;
        }
      },
    );
    expectNoNegativeRates(run);
    // Not while b is down (44–46) or its backlog drains (to about 60): those rates are lower, then higher.
    for (const second of [30, 35, 40, 43, 65, 70]) {
      const model = at(run, second);
      expect({ second, consumed: model.consumedRate }).toEqual({
        second,
        consumed: expect.closeTo(90, 6) as number,
      });
      expect(model.deliveredRate).toBeCloseTo(90 * 0.9 * 0.95, 6);
      expect(model.effectiveThroughput).toBeCloseTo(90 * 0.9 * 0.95, 6);
    }
    // c expired 10 s after its last report; the store froze its counts.
    expect(run.store.stats()).toMatchObject({ instances: 2, expiredInstances: 1 });
    const enrich = at(run, 70).stages.find((stage) => stage.stage === 'enrich');
    expect(enrich?.instances).toBe(2);
    expect(enrich?.serviceRate).toBeCloseTo(2 / ENRICH_SECONDS, 6);
  });

  it('sees lag build when arrivals exceed capacity, and times its drain', () => {
    const capacity = 3 / COST; // ≈ 157.9 msg/s
    const run = simulate(
      60,
      (second) => (second <= 15 ? 90 : second <= 30 ? 250 : 50),
      () => undefined,
    );
    expectNoNegativeRates(run);
    const building = at(run, 30);
    expect(building.arrivalRate).toBeCloseTo(250, 9);
    expect(building.consumedRate).toBeCloseTo(capacity, 6);
    expect(building.lagTrend).toBe('building');
    expect(building.mismatch).toBe(true);
    expect(building.timeToDrainSeconds).toBe(Number.POSITIVE_INFINITY);
    expect(building.maxSustainableThroughput).toBeCloseTo(capacity, 6);
    const enrich = building.stages.find((stage) => stage.stage === 'enrich');
    const parse = building.stages.find((stage) => stage.stage === 'parse');
    // Saturated: the two co-located stages keep the processes busy all the time.
    expect((enrich?.utilization ?? 0) + (parse?.utilization ?? 0)).toBeCloseTo(1, 6);
    expect(building.bottleneck).toBe('enrich');

    const draining = at(run, 40);
    expect(draining.arrivalRate).toBeCloseTo(50, 9);
    expect(draining.lagTrend).toBe('draining');
    const lag = run.lagAt.get(40) ?? 0;
    expect(lag).toBeGreaterThan(0);
    expect(draining.timeToDrainSeconds).toBeCloseTo(lag / (capacity - 50), 6);
    // The lag is indeed gone about that long after.
    const drainedBy = 40 + Math.ceil(draining.timeToDrainSeconds ?? 0);
    expect(run.lagAt.get(drainedBy)).toBe(0);
    expect(run.lagAt.get(drainedBy - 2)).toBeGreaterThan(0);
    expect(at(run, 60).lagTrend).toBe('steady');
  });
});
