import { demoSchedule } from './schedule';

describe('demoSchedule', () => {
  const schedule = demoSchedule({ baseRate: 100, periodSeconds: 60 });

  it('runs steady, burst, steady, slow enrich and recovery over one period, then repeats', () => {
    expect(
      [0, 19.9, 20, 29.9, 30, 39.9, 40, 49.9, 50, 59.9].map((second) => schedule.phaseAt(second)),
    ).toEqual([
      'steady',
      'steady',
      'burst',
      'burst',
      'steady',
      'steady',
      'slow enrich',
      'slow enrich',
      'recovery',
      'recovery',
    ]);
    expect(schedule.phaseAt(80)).toBe('burst');
  });

  it('quadruples the rate only in the burst and slows lookups only in the slow episode', () => {
    expect(schedule.rateAt(10)).toBe(100);
    expect(schedule.rateAt(25)).toBe(400);
    expect(schedule.rateAt(45)).toBe(100);
    expect(schedule.lookupLatencyMs(25)).toBe(2);
    expect(schedule.lookupLatencyMs(45)).toBe(40);
  });

  it('scales the phases with the period', () => {
    const short = demoSchedule({ baseRate: 10, periodSeconds: 12 });
    expect(short.phaseAt(4)).toBe('burst');
    expect(short.phaseAt(8)).toBe('slow enrich');
    expect(short.describe()).toContain('burst at 4-6 s');
  });

  it('rejects a rate or period that is not positive', () => {
    expect(() => demoSchedule({ baseRate: 0, periodSeconds: 60 })).toThrow(
      'the base rate must be positive, got 0',
    );
    expect(() => demoSchedule({ baseRate: 1, periodSeconds: Number.NaN })).toThrow(
      'the period must be positive',
    );
  });
});
