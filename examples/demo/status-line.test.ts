import { type ClusterLagSnapshot, type PipelineModel } from '@streamops/agent';
import { statusLine } from './status-line';

// Only the fields the status line reads; the rest of the agent's types don't matter here.
const snapshot = {
  health: { up: true },
  groups: [{ group: 'orders', lagMessages: 120, lagSeconds: 2.46, status: 'WARN', thresholdStatus: 'OK' }],
} as unknown as ClusterLagSnapshot;

const model = {
  arrivalRate: 99.6,
  effectiveThroughput: 98.2,
  bottleneck: 'enrich',
  deadLetterRatio: 0.0042,
  stages: [
    { stage: 'validate', utilization: 0.05 },
    { stage: 'enrich', utilization: 0.914 },
  ],
} as unknown as PipelineModel;

describe('statusLine', () => {
  it('shows the load, the group lag and statuses, and the model', () => {
    expect(
      statusLine({
        elapsedSeconds: 42.4,
        phase: 'slow enrich',
        produced: 4210,
        snapshot,
        group: 'orders',
        model,
      }),
    ).toBe(
      '[  42 s slow enrich] produced 4210  lag 120 msgs 2.5 s WARN/OK  D 100/s R 98/s bottleneck enrich ρ 0.91 DLQ 0.4%   ',
    );
  });

  it('says what is still missing before the agent has seen the group or a full window', () => {
    const line = statusLine({
      elapsedSeconds: 1,
      phase: 'steady',
      produced: 0,
      snapshot: undefined,
      group: 'orders',
      model: undefined,
    });
    expect(line).toContain('lag -');
    expect(line).toContain('model: waiting for a full window');
  });

  it('flags a collector that is down', () => {
    const down = { ...snapshot, health: { up: false } } as ClusterLagSnapshot;
    expect(
      statusLine({ elapsedSeconds: 5, phase: 'burst', produced: 9, snapshot: down, group: 'orders', model }),
    ).toContain('collector DOWN');
  });
});
