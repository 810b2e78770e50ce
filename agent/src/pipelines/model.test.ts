import { modelPipeline, type PipelineCounters, type PipelineModelInput, type StageCounters } from './model';

const T0 = 1_700_000_000_000;

function stage(
  name: string,
  messages: number,
  busySeconds: number | null,
  instances = 1,
  processGroup?: string,
): StageCounters {
  return {
    stage: name,
    messages,
    busySeconds,
    instances,
    ...(processGroup === undefined ? {} : { processGroup }),
  };
}

function counters(timeMs: number, overrides: Partial<PipelineCounters> = {}): PipelineCounters {
  return {
    timeMs,
    inputEndOffsets: 0,
    consumed: 0,
    processed: 0,
    filtered: 0,
    errored: 0,
    deadLettered: 0,
    delivered: 0,
    redelivered: 0,
    lost: 0,
    duplicated: 0,
    latency: null,
    stages: [],
    ...overrides,
  };
}

/**
 * A pipeline in steady state over 10 s: 100 msg/s arrive and are consumed; 5% filtered, 3%
 * errored, 2% dead-lettered, so 90 msg/s are processed and delivered. Stages:
 * source (2 instances, 500 msg/busy-s each), enrich (2 instances, 62.5 msg/busy-s each: the
 * bottleneck) and sink (1 instance, 300 msg/busy-s, sees 90% of the input).
 */
function steady(overrides: Partial<PipelineModelInput> = {}): PipelineModelInput {
  return {
    pipeline: 'orders',
    earlier: counters(T0, {
      inputEndOffsets: 1000,
      stages: [stage('source', 0, 0, 2), stage('enrich', 0, 0, 2), stage('sink', 0, 0, 1)],
    }),
    later: counters(T0 + 10_000, {
      inputEndOffsets: 2000,
      consumed: 1000,
      processed: 900,
      filtered: 50,
      errored: 30,
      deadLettered: 20,
      delivered: 900,
      redelivered: 4,
      lost: 1,
      duplicated: 2,
      stages: [stage('source', 1000, 2, 2), stage('enrich', 1000, 16, 2), stage('sink', 900, 3, 1)],
    }),
    lagMessages: 500,
    inputPartitions: 4,
    ...overrides,
  };
}

describe('modelPipeline: R = D × P × C', () => {
  it('computes D, P, C, R and the delivered rate of a steady pipeline', () => {
    const model = modelPipeline(steady());
    expect(model).toMatchObject({
      pipeline: 'orders',
      timeMs: T0 + 10_000,
      windowSeconds: 10,
      arrivalRate: 100,
      consumedRate: 100,
      processingYield: 0.9,
      deliveryYield: 1,
      deliveredRate: 90,
      mismatch: false,
      lagTrend: 'steady',
      lostTotal: 1,
      duplicatedTotal: 2,
      redeliveredTotal: 4,
    });
    expect(model.effectiveThroughput).toBeCloseTo(90, 9);
    expect(model.filteredRatio).toBeCloseTo(0.05, 12);
    expect(model.errorRatio).toBeCloseTo(0.03, 12);
    expect(model.deadLetterRatio).toBeCloseTo(0.02, 12);
  });

  it('flags a mismatch and a building lag when consumption falls behind arrivals', () => {
    const input = steady();
    const model = modelPipeline({
      ...input,
      later: { ...input.later, inputEndOffsets: 3000 }, // 200 msg/s arrive, 100 are consumed
    });
    expect(model.arrivalRate).toBe(200);
    expect(model.effectiveThroughput).toBeCloseTo(180, 9);
    expect(model.deliveredRate).toBe(90);
    expect(model.mismatch).toBe(true);
    expect(model.lagTrend).toBe('building');
    expect(model.timeToDrainSeconds).toBe(Number.POSITIVE_INFINITY);
  });

  it('flags a draining lag and times it', () => {
    const input = steady();
    const model = modelPipeline({ ...input, later: { ...input.later, inputEndOffsets: 1500 } }); // 50 msg/s arrive
    expect(model.lagTrend).toBe('draining');
    expect(model.mismatch).toBe(true);
    expect(model.timeToDrainSeconds).toBeCloseTo(500 / (100 - 50), 9);
  });

  it('tolerates small differences, relative and absolute', () => {
    const input = steady();
    const within = modelPipeline({ ...input, later: { ...input.later, inputEndOffsets: 2040 } }); // D = 104: within 5%
    expect(within.mismatch).toBe(false);
    expect(within.lagTrend).toBe('steady');
    const strict = modelPipeline({
      ...input,
      later: { ...input.later, inputEndOffsets: 2040 },
      options: { tolerance: 0.01, toleranceFloor: 0 },
    });
    expect(strict.mismatch).toBe(true);
    expect(strict.lagTrend).toBe('building');
    // At 0.5 msg/s against 0.3 msg/s the relative difference is large but below the 1 msg/s floor.
    const slow = modelPipeline({
      pipeline: 'slow',
      earlier: counters(T0),
      later: counters(T0 + 10_000, { inputEndOffsets: 5, consumed: 3, processed: 3, delivered: 3 }),
    });
    expect(slow.lagTrend).toBe('steady');
    expect(slow.mismatch).toBe(false);
  });

  it('keeps C unclamped for fan-out, so that R still predicts the delivered rate', () => {
    const input = steady();
    const model = modelPipeline({ ...input, later: { ...input.later, delivered: 1800 } });
    expect(model.deliveryYield).toBe(2);
    expect(model.effectiveThroughput).toBeCloseTo(180, 9);
    expect(model.deliveredRate).toBe(180);
    expect(model.mismatch).toBe(false);
  });

  it('clamps P to 1 when in-flight messages make a window overshoot', () => {
    const input = steady();
    expect(modelPipeline({ ...input, later: { ...input.later, processed: 1010 } }).processingYield).toBe(1);
  });

  it('reads end-to-end latency quantiles from the window of the merged histogram', () => {
    const input = steady();
    const model = modelPipeline({
      ...input,
      earlier: {
        ...input.earlier,
        latency: { bounds: [0.1, 1, 10], counts: [100, 0, 0, 0], count: 100, sum: 5 },
      },
      later: {
        ...input.later,
        latency: { bounds: [0.1, 1, 10], counts: [150, 49, 1, 0], count: 200, sum: 40 },
      },
    });
    // The window holds 50 in (0, 0.1], 49 in (0.1, 1], 1 in (1, 10].
    expect(model.latencyP50Seconds).toBeCloseTo(0.1, 12);
    expect(model.latencyP99Seconds).toBeCloseTo(1, 12);
    // Mean over the window: (40 − 5) s ÷ (200 − 100) observations.
    expect(model.latencyMeanSeconds).toBeCloseTo(0.35, 12);
    const reset = modelPipeline({
      ...input,
      earlier: { ...input.earlier, latency: { bounds: [1], counts: [5, 5], count: 10, sum: 1 } },
      later: { ...input.later, latency: { bounds: [1], counts: [1, 0], count: 1, sum: 1 } },
    });
    expect(reset.latencyP50Seconds).toBeNull();
    expect(reset.latencyMeanSeconds).toBeNull();
    const noSum = modelPipeline({
      ...input,
      earlier: { ...input.earlier, latency: { bounds: [1], counts: [1, 0], count: 1, sum: null } },
      later: { ...input.later, latency: { bounds: [1], counts: [3, 0], count: 3, sum: null } },
    });
    expect(noSum.latencyMeanSeconds).toBeNull();
    expect(noSum.latencyP50Seconds).not.toBeNull();
  });

  it('labels the model with its engine (kafkajs unless told) and passes the time lag through', () => {
    const model = modelPipeline(steady());
    expect(model.engine).toBe('kafkajs');
    expect(model.lagSeconds).toBeNull();
    expect(model.engineJob).toBeNull();
    expect(model.stages.every((stage) => stage.backpressureRatio === null)).toBe(true);
    const otel = modelPipeline({ ...steady(), engine: 'otel', lagSeconds: 12.5 });
    expect(otel.engine).toBe('otel');
    expect(otel.lagSeconds).toBe(12.5);
  });
});

describe('modelPipeline: stage capacity', () => {
  it('computes μ, ρ and headroom per stage, the bottleneck and the maximum sustainable throughput', () => {
    const model = modelPipeline(steady());
    const [source, enrich, sink] = model.stages;
    expect(source).toMatchObject({
      stage: 'source',
      arrivalRate: 100,
      share: 1,
      instances: 2,
      effectiveInstances: 2,
      partitions: 4,
      concurrency: 1,
      perInstanceServiceRate: 500,
      serviceRate: 1000,
      utilization: 0.1,
      headroom: 900,
      busyRatio: 0.1,
      bottleneck: false,
    });
    expect(enrich).toMatchObject({
      perInstanceServiceRate: 62.5,
      serviceRate: 125,
      utilization: 0.8,
      headroom: 25,
      bottleneck: true,
      busyRatio: 0.8,
    });
    expect(sink).toMatchObject({
      arrivalRate: 90,
      share: 0.9,
      serviceRate: 300,
      utilization: 0.3,
      headroom: 210,
    });
    expect(model.bottleneck).toBe('enrich');
    expect(model.maxSustainableThroughput).toBe(125);
    expect(model.unmeasuredStages).toEqual([]);
    expect(model.timeToDrainSeconds).toBe(Number.POSITIVE_INFINITY);
    expect(model.timeToDrainAtCapacitySeconds).toBeCloseTo(500 / (125 - 100), 9);
  });

  it('scales the maximum sustainable throughput by the share of input a stage sees', () => {
    const input = steady();
    // The sink now needs 3 × the busy time: 100 msg/busy-s for 90% of the input → 111.1 input msg/s.
    const later = {
      ...input.later,
      stages: [stage('source', 1000, 2, 2), stage('enrich', 1000, 4, 2), stage('sink', 900, 9, 1)],
    };
    const model = modelPipeline({ ...input, later });
    expect(model.maxSustainableThroughput).toBeCloseTo(100 / 0.9, 9);
    expect(model.bottleneck).toBe('sink');
  });

  it('multiplies by the configured concurrency', () => {
    const model = modelPipeline(steady({ stageSettings: { enrich: { concurrency: 4 } } }));
    expect(model.stages[1]).toMatchObject({ concurrency: 4, serviceRate: 500, utilization: 0.2 });
    expect(model.bottleneck).toBe('sink');
  });

  it('counts at most one busy instance per partition (fewer partitions than instances)', () => {
    const input = steady({ inputPartitions: 1 });
    const model = modelPipeline(input);
    expect(model.stages[1]).toMatchObject({ instances: 2, effectiveInstances: 1, serviceRate: 62.5 });
    // At 100 msg/s arriving, one partition's consumer cannot keep up.
    expect(model.stages[1]?.utilization).toBeCloseTo(1.6, 12);
    expect(model.stages[1]?.headroom).toBeCloseTo(-37.5, 12);
    const perStage = modelPipeline(
      steady({ inputPartitions: 1, stageSettings: { enrich: { partitions: null } } }),
    );
    expect(perStage.stages[1]).toMatchObject({ partitions: null, effectiveInstances: 2, serviceRate: 125 });
  });

  it('has one instance: μ is the one instance’s rate', () => {
    const model = modelPipeline({
      pipeline: 'single',
      earlier: counters(T0, { inputEndOffsets: 0, stages: [stage('work', 0, 0, 1)] }),
      later: counters(T0 + 5_000, {
        inputEndOffsets: 100,
        consumed: 100,
        processed: 100,
        delivered: 100,
        stages: [stage('work', 100, 2.5, 1)],
      }),
      lagMessages: 0,
    });
    expect(model.stages[0]).toMatchObject({
      arrivalRate: 20,
      serviceRate: 40,
      utilization: 0.5,
      headroom: 20,
      bottleneck: true,
    });
    expect(model.maxSustainableThroughput).toBe(40);
    expect(model.timeToDrainSeconds).toBe(0);
    expect(model.timeToDrainAtCapacitySeconds).toBe(0);
    expect(model.effectiveThroughput).toBe(20);
  });

  it('leaves a stage with zero busy time unmeasured and finds the bottleneck among the others', () => {
    const input = steady();
    const later = {
      ...input.later,
      stages: [stage('source', 1000, 0, 2), stage('enrich', 1000, 16, 2), stage('sink', 900, null, 1)],
    };
    const model = modelPipeline({ ...input, later });
    expect(model.stages[0]).toMatchObject({
      serviceRate: null,
      perInstanceServiceRate: null,
      utilization: null,
      headroom: null,
      busyRatio: 0,
    });
    expect(model.stages[2]).toMatchObject({ serviceRate: null, utilization: null, busyRatio: null });
    expect(model.unmeasuredStages).toEqual(['source', 'sink']);
    expect(model.bottleneck).toBe('enrich');
    expect(model.maxSustainableThroughput).toBe(125);
  });

  it('treats stages of one process group as sharing their instances', () => {
    const input = steady();
    const grouped = (entries: readonly StageCounters[]): StageCounters[] =>
      entries.map((entry) => ({ ...entry, processGroup: entry.stage === 'sink' ? 'sink' : 'worker' }));
    const model = modelPipeline({
      ...input,
      earlier: { ...input.earlier, stages: grouped(input.earlier.stages) },
      later: { ...input.later, stages: grouped(input.later.stages) },
    });
    // source and enrich run one after the other in the same processes: 1 ÷ (1/1000 + 1/125).
    expect(model.maxSustainableThroughput).toBeCloseTo(1 / (1 / 1000 + 1 / 125), 9);
    expect(model.bottleneck).toBe('enrich');
    expect(model.stages.map((entry) => entry.processGroup)).toEqual(['worker', 'worker', 'sink']);
  });

  it('has no bottleneck, no capacity and an idle trend without traffic', () => {
    const idle = counters(T0, {
      inputEndOffsets: 7,
      consumed: 50,
      processed: 50,
      delivered: 50,
      stages: [stage('work', 50, 1, 2)],
    });
    const model = modelPipeline({
      pipeline: 'idle',
      earlier: idle,
      later: { ...idle, timeMs: T0 + 60_000 },
      lagMessages: 0,
    });
    expect(model).toMatchObject({
      arrivalRate: 0,
      consumedRate: 0,
      processingYield: null,
      deliveryYield: null,
      effectiveThroughput: 0,
      deliveredRate: 0,
      mismatch: false,
      lagTrend: 'idle',
      errorRatio: null,
      bottleneck: null,
      maxSustainableThroughput: null,
      unmeasuredStages: ['work'],
      timeToDrainSeconds: 0,
    });
    expect(model.stages[0]).toMatchObject({
      arrivalRate: 0,
      share: 1,
      serviceRate: null,
      utilization: 0,
      headroom: null,
    });
  });

  it('has no bottleneck in a window without traffic, even after earlier traffic', () => {
    const input = steady();
    // Same cumulative counters later: nothing flowed in this window.
    const model = modelPipeline({
      ...input,
      earlier: input.later,
      later: { ...input.later, timeMs: input.later.timeMs + 10_000 },
    });
    expect(model.bottleneck).toBeNull();
    expect(model.stages.every((entry) => entry.utilization === 0)).toBe(true);
  });
});

describe('modelPipeline: degenerate windows', () => {
  it('gives null rates, never negative ones, when counters went down (counter resets)', () => {
    const input = steady();
    const reset = modelPipeline({
      ...input,
      earlier: input.later,
      later: {
        ...input.earlier,
        timeMs: T0 + 20_000,
        stages: [stage('source', 10, 1, 2), stage('enrich', 10, 1, 2), stage('sink', 9, 1, 1)],
      },
    });
    expect(reset.arrivalRate).toBeNull();
    expect(reset.consumedRate).toBeNull();
    expect(reset.deliveredRate).toBeNull();
    expect(reset.processingYield).toBeNull();
    expect(reset.effectiveThroughput).toBeNull();
    expect(reset.mismatch).toBeNull();
    expect(reset.lagTrend).toBe('unknown');
    for (const entry of reset.stages) {
      expect(entry.arrivalRate).toBeNull();
      expect(entry.serviceRate).toBeNull();
    }
    const numbers = JSON.stringify(reset).match(/-\d/g);
    expect(numbers).toBeNull();
  });

  it('gives null rates over an empty window', () => {
    const input = steady();
    const model = modelPipeline({ ...input, earlier: input.later });
    expect(model.windowSeconds).toBe(0);
    expect(model.arrivalRate).toBeNull();
    expect(model.consumedRate).toBeNull();
    expect(model.stages[0]?.arrivalRate).toBeNull();
    expect(model.stages[0]?.busyRatio).toBeNull();
  });

  it('leaves D, R and the trend unknown without end offsets', () => {
    const input = steady();
    const model = modelPipeline({ ...input, later: { ...input.later, inputEndOffsets: null } });
    expect(model.arrivalRate).toBeNull();
    expect(model.effectiveThroughput).toBeNull();
    expect(model.lagTrend).toBe('unknown');
    expect(model.timeToDrainSeconds).toBeNull();
    expect(model.processingYield).toBe(0.9);
  });

  it('has no service rate for a stage that is new in the window', () => {
    const input = steady();
    const later = { ...input.later, stages: [...input.later.stages, stage('audit', 40, 1, 1)] };
    const model = modelPipeline({ ...input, later });
    expect(model.stages[3]).toMatchObject({ stage: 'audit', arrivalRate: null, serviceRate: null, share: 1 });
  });

  it('has no service rate for a stage without live instances, but keeps the per-instance rate', () => {
    const input = steady();
    const later = {
      ...input.later,
      stages: [stage('source', 1000, 2, 0), stage('enrich', 1000, 16, 2), stage('sink', 900, 3, 1)],
    };
    const model = modelPipeline({ ...input, later });
    expect(model.stages[0]).toMatchObject({
      instances: 0,
      serviceRate: null,
      perInstanceServiceRate: 500,
      utilization: null,
    });
  });

  it('leaves time to drain unknown without a lag', () => {
    expect(modelPipeline(steady({ lagMessages: null })).timeToDrainSeconds).toBeNull();
    expect(modelPipeline(steady({ lagMessages: undefined })).timeToDrainAtCapacitySeconds).toBeNull();
  });

  it('reports an infinite time to drain at capacity when arrivals exceed capacity', () => {
    const input = steady();
    const model = modelPipeline({ ...input, later: { ...input.later, inputEndOffsets: 4000 } }); // D = 300 > 125
    expect(model.timeToDrainAtCapacitySeconds).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('modelPipeline: plan', () => {
  it('plans instances for a target within the partitions', () => {
    const plan = modelPipeline(steady({ targetRate: 200 })).plan;
    expect(plan).toMatchObject({
      targetRate: 200,
      maxUtilization: 0.8,
      feasible: true,
      recommendedPartitions: null,
      scaleStages: ['enrich'],
      unmeasuredStages: [],
    });
    expect(plan?.achievableRate).toBeCloseTo(200, 9);
    expect(
      plan?.stages.map((entry) => [
        entry.stage,
        entry.currentInstances,
        entry.instancesNeeded,
        entry.instancesPlanned,
        entry.limitedByPartitions,
      ]),
    ).toEqual([
      ['source', 2, 1, 1, false],
      ['enrich', 2, 4, 4, false],
      ['sink', 1, 1, 1, false],
    ]);
    expect(plan?.stages[1]?.projectedUtilization).toBeCloseTo(0.8, 9);
  });

  it('recommends partitions when they limit the instances', () => {
    const plan = modelPipeline(steady({ targetRate: 400 })).plan;
    expect(plan).toMatchObject({
      feasible: false,
      recommendedPartitions: 8,
      scaleStages: ['enrich', 'sink'],
    });
    expect(plan?.stages[1]).toMatchObject({
      instancesNeeded: 8,
      instancesPlanned: 4,
      partitions: 4,
      limitedByPartitions: true,
    });
    expect(plan?.stages[1]?.projectedUtilization).toBeCloseTo(1.6, 9);
    expect(plan?.stages[2]).toMatchObject({
      instancesNeeded: 2,
      instancesPlanned: 2,
      limitedByPartitions: false,
    });
    expect(plan?.achievableRate).toBeCloseTo(200, 9);
  });

  it('plans with a different utilisation target', () => {
    const plan = modelPipeline(steady({ targetRate: 200, options: { maxUtilization: 1 } })).plan;
    expect(plan?.stages[1]).toMatchObject({ instancesNeeded: 4 });
    expect(plan?.stages[2]).toMatchObject({ instancesNeeded: 1 });
    expect(plan?.achievableRate).toBeCloseTo(250, 9);
  });

  it('is null without a target', () => {
    expect(modelPipeline(steady()).plan).toBeNull();
  });
});

describe('modelPipeline: input checks', () => {
  it.each<[string, (input: PipelineModelInput) => PipelineModelInput, RegExp]>([
    [
      'a negative counter',
      (input) => ({ ...input, later: { ...input.later, consumed: -1 } }),
      /later\.consumed must be a finite, non-negative number/,
    ],
    [
      'a NaN counter',
      (input) => ({ ...input, earlier: { ...input.earlier, delivered: Number.NaN } }),
      /earlier\.delivered/,
    ],
    [
      'time going backwards',
      (input) => ({ ...input, earlier: input.later, later: input.earlier }),
      /later\.timeMs .* is before earlier\.timeMs/,
    ],
    [
      'a negative end offset sum',
      (input) => ({ ...input, later: { ...input.later, inputEndOffsets: -5 } }),
      /inputEndOffsets/,
    ],
    [
      'a fractional instance count',
      (input) => ({ ...input, later: { ...input.later, stages: [stage('x', 1, 1, 1.5)] } }),
      /stages\[0\] \(x\)\.instances must be a non-negative integer/,
    ],
    [
      'negative busy time',
      (input) => ({ ...input, later: { ...input.later, stages: [stage('x', 1, -1)] } }),
      /busySeconds/,
    ],
    [
      'zero concurrency',
      (input) => ({ ...input, stageSettings: { enrich: { concurrency: 0 } } }),
      /stageSettings\.enrich\.concurrency/,
    ],
    [
      'fractional partitions',
      (input) => ({ ...input, stageSettings: { enrich: { partitions: 2.5 } } }),
      /stageSettings\.enrich\.partitions/,
    ],
    [
      'zero input partitions',
      (input) => ({ ...input, inputPartitions: 0 }),
      /inputPartitions must be a positive integer/,
    ],
    ['a negative lag', (input) => ({ ...input, lagMessages: -1 }), /lagMessages/],
    ['a negative time lag', (input) => ({ ...input, lagSeconds: -1 }), /lagSeconds/],
    ['a negative tolerance', (input) => ({ ...input, options: { tolerance: -0.1 } }), /options\.tolerance/],
    ['a zero target', (input) => ({ ...input, targetRate: 0 }), /targetRate must be a positive number/],
    [
      'a utilisation above 1',
      (input) => ({ ...input, targetRate: 10, options: { maxUtilization: 1.5 } }),
      /maxUtilization must be in \(0, 1\]/,
    ],
  ])('rejects %s with a RangeError naming it', (_what, change, message) => {
    expect(() => modelPipeline(change(steady()))).toThrow(RangeError);
    expect(() => modelPipeline(change(steady()))).toThrow(message);
  });
});
