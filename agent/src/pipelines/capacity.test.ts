import { planCapacity, type StageCapacityInput } from './capacity';

function stage(overrides: Partial<StageCapacityInput> & { stage: string }): StageCapacityInput {
  return {
    processGroup: overrides.stage,
    instances: 1,
    partitions: null,
    share: 1,
    perInstanceServiceRate: 100,
    ...overrides,
  };
}

describe('planCapacity', () => {
  it('needs ⌈target × share ÷ (μ per instance × max utilisation)⌉ instances per independent stage', () => {
    const plan = planCapacity(
      [
        stage({ stage: 'parse', perInstanceServiceRate: 1000 }),
        stage({ stage: 'enrich', perInstanceServiceRate: 50, instances: 3 }),
        stage({ stage: 'sink', perInstanceServiceRate: 200, share: 0.5 }),
      ],
      300,
      0.75,
    );
    expect(plan.stages.map((entry) => [entry.stage, entry.instancesNeeded, entry.instancesPlanned])).toEqual([
      ['parse', 1, 1],
      ['enrich', 8, 8], // 300 ÷ (50 × 0.75) = 8
      ['sink', 1, 1], // 150 ÷ (200 × 0.75) = 1
    ]);
    expect(plan.feasible).toBe(true);
    expect(plan.scaleStages).toEqual(['enrich']);
    expect(plan.achievableRate).toBeCloseTo(300, 9);
  });

  it('does not round an exact need up because of floating-point noise', () => {
    const plan = planCapacity([stage({ stage: 'work', perInstanceServiceRate: 10 / 3 })], 10, 1);
    expect(plan.stages[0]?.instancesNeeded).toBe(3);
  });

  it('needs at least one instance for any positive target', () => {
    expect(
      planCapacity([stage({ stage: 'fast', perInstanceServiceRate: 1e9 })], 0.001, 0.8).stages[0]
        ?.instancesNeeded,
    ).toBe(1);
  });

  it('caps instances at the partitions and recommends a partition count', () => {
    const plan = planCapacity(
      [
        stage({ stage: 'enrich', perInstanceServiceRate: 10, partitions: 6, instances: 6 }),
        stage({ stage: 'sink', partitions: 3 }),
      ],
      200,
      1,
    );
    expect(plan.stages[0]).toMatchObject({
      instancesNeeded: 20,
      instancesPlanned: 6,
      limitedByPartitions: true,
    });
    expect(plan.stages[0]?.projectedUtilization).toBeCloseTo(200 / 60, 9);
    expect(plan.stages[1]).toMatchObject({
      instancesNeeded: 2,
      instancesPlanned: 2,
      limitedByPartitions: false,
    });
    expect(plan).toMatchObject({ feasible: false, recommendedPartitions: 20 });
    expect(plan.achievableRate).toBeCloseTo(60, 9);
    expect(plan.scaleStages).toEqual(['enrich', 'sink']);
  });

  it('recommends the largest need among limited stages', () => {
    const plan = planCapacity(
      [
        stage({ stage: 'a', perInstanceServiceRate: 10, partitions: 2 }),
        stage({ stage: 'b', perInstanceServiceRate: 5, partitions: 2 }),
      ],
      50,
      1,
    );
    expect(plan.recommendedPartitions).toBe(10);
  });

  it('plans a process group as one: its stages share instances', () => {
    // parse and enrich run in the same processes: one input message costs 1/100 + 1/25 = 0.05 instance-seconds.
    const plan = planCapacity(
      [
        stage({
          stage: 'parse',
          processGroup: 'worker',
          perInstanceServiceRate: 100,
          instances: 2,
          partitions: 12,
        }),
        stage({
          stage: 'enrich',
          processGroup: 'worker',
          perInstanceServiceRate: 25,
          instances: 2,
          partitions: 12,
        }),
        stage({ stage: 'sink', perInstanceServiceRate: 1000 }),
      ],
      100,
      0.5,
    );
    expect(plan.stages.map((entry) => [entry.stage, entry.processGroup, entry.instancesNeeded])).toEqual([
      ['parse', 'worker', 10],
      ['enrich', 'worker', 10],
      ['sink', 'sink', 1],
    ]);
    expect(plan.stages[1]?.projectedUtilization).toBeCloseTo(0.4, 9);
    expect(plan.stages[0]?.projectedUtilization).toBeCloseTo(0.1, 9);
    // The costlier stage of the group is named first.
    expect(plan.scaleStages).toEqual(['enrich', 'parse']);
    expect(plan.achievableRate).toBeCloseTo((10 * 0.5) / 0.05, 9);
  });

  it('leaves unmeasured stages out and says so', () => {
    const plan = planCapacity(
      [stage({ stage: 'known' }), stage({ stage: 'unknown', perInstanceServiceRate: null })],
      50,
      1,
    );
    expect(plan.unmeasuredStages).toEqual(['unknown']);
    expect(plan.stages[1]).toMatchObject({
      instancesNeeded: null,
      instancesPlanned: null,
      projectedUtilization: null,
      limitedByPartitions: false,
    });
    expect(plan.achievableRate).toBeCloseTo(100, 9);
    expect(plan.feasible).toBe(true);
  });

  it('has no achievable rate when nothing is measured', () => {
    const plan = planCapacity([stage({ stage: 'x', perInstanceServiceRate: null })], 50, 1);
    expect(plan).toMatchObject({
      achievableRate: null,
      recommendedPartitions: null,
      scaleStages: [],
      unmeasuredStages: ['x'],
    });
  });

  it('asks to scale from zero instances', () => {
    expect(planCapacity([stage({ stage: 'x', instances: 0 })], 50, 1).scaleStages).toEqual(['x']);
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('rejects the target %s', (target) => {
    expect(() => planCapacity([], target, 0.8)).toThrow(/targetRate must be a positive number/);
  });

  it.each([0, 1.01, Number.NaN])('rejects the utilisation %s', (utilization) => {
    expect(() => planCapacity([], 10, utilization)).toThrow(/maxUtilization must be in \(0, 1\]/);
  });
});
