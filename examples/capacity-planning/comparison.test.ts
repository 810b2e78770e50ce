import { type PipelineModel } from '@streamops/agent';
import { compareModels, formatComparison, plannedInstances } from './comparison';

function model(overrides: Partial<PipelineModel>, instances: number, utilization: number): PipelineModel {
  return {
    pipeline: 'scoring',
    bottleneck: 'score',
    arrivalRate: 150,
    consumedRate: 95,
    maxSustainableThroughput: 98,
    lagTrend: 'building',
    lagMessages: 600,
    timeToDrainSeconds: Number.POSITIVE_INFINITY,
    plan: null,
    stages: [{ stage: 'score', instances, utilization }],
    ...overrides,
  } as unknown as PipelineModel;
}

const before = model({}, 1, 0.97);
const after = model(
  { consumedRate: 208, maxSustainableThroughput: 211, lagTrend: 'draining', timeToDrainSeconds: 12.7 },
  2,
  0.98,
);

describe('compareModels', () => {
  it('says the bottleneck is gone when capacity now covers arrivals and the lag drains', () => {
    expect(compareModels(before, after).bottleneckRemoved).toBe(true);
  });

  it('says it is not when capacity still falls short or the lag still builds', () => {
    expect(compareModels(before, model({ maxSustainableThroughput: 140 }, 2, 0.99)).bottleneckRemoved).toBe(
      false,
    );
    expect(
      compareModels(before, { ...after, lagTrend: 'building', timeToDrainSeconds: Number.POSITIVE_INFINITY })
        .bottleneckRemoved,
    ).toBe(false);
  });

  it('says it is not when there was no bottleneck to remove', () => {
    const comfortable = model(
      { maxSustainableThroughput: 300, lagTrend: 'steady', consumedRate: 150 },
      1,
      0.5,
    );
    expect(compareModels(comfortable, after).bottleneckRemoved).toBe(false);
  });

  it('refuses a model without a measured bottleneck', () => {
    expect(() => compareModels(model({ bottleneck: null }, 1, 0.5), after)).toThrow(
      'the model of scoring has no measured bottleneck yet',
    );
  });

  it('prints both sides in a table', () => {
    const table = formatComparison(compareModels(before, after));
    expect(table.split('\n')[0]).toBe(`${''.padEnd(18)}${'before'.padStart(10)}${'after'.padStart(10)}`);
    expect(table).toContain(`${'max sustainable/s'.padEnd(18)}${'98.0'.padStart(10)}${'211.0'.padStart(10)}`);
    expect(table).toContain(
      `${'time to drain (s)'.padEnd(18)}${'Infinity'.padStart(10)}${'12.7'.padStart(10)}`,
    );
  });
});

describe('plannedInstances', () => {
  const plan = (stages: { instancesPlanned: number | null }[], feasible = true) =>
    ({
      pipeline: 'scoring',
      plan: { targetRate: 150, feasible, achievableRate: 120, stages },
    }) as unknown as PipelineModel;

  it('takes the most instances any stage needs', () => {
    expect(
      plannedInstances(plan([{ instancesPlanned: 2 }, { instancesPlanned: 3 }, { instancesPlanned: null }])),
    ).toBe(3);
  });

  it('refuses a missing or infeasible plan, saying why', () => {
    expect(() => plannedInstances({ pipeline: 'scoring', plan: null } as unknown as PipelineModel)).toThrow(
      'the agent returned no plan for scoring',
    );
    expect(() => plannedInstances(plan([{ instancesPlanned: 9 }], false))).toThrow(
      'the plan for 150/s is not feasible: at most 120/s',
    );
  });
});
