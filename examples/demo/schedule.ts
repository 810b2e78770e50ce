/** The demo's load over one period: what happens when, as shares of the period. */
export type DemoPhase = 'steady' | 'burst' | 'slow enrich' | 'recovery';

/** Options of {@link demoSchedule}. */
export interface DemoScheduleOptions {
  /** Orders per second outside the burst. */
  readonly baseRate: number;
  /** Length of the schedule, which then repeats. */
  readonly periodSeconds: number;
}

/** A load schedule that repeats every period: rates, lookup latency and poison messages. */
export interface DemoSchedule {
  readonly baseRate: number;
  readonly periodSeconds: number;
  /** Every n-th order is a poison message. */
  readonly poisonEvery: number;
  phaseAt(elapsedSeconds: number): DemoPhase;
  /** Orders per second wanted at `elapsedSeconds`. */
  rateAt(elapsedSeconds: number): number;
  /** Customer lookup latency at `elapsedSeconds`: the enrich stage's cost per order. */
  lookupLatencyMs(elapsedSeconds: number): number;
  /** One line for people. */
  describe(): string;
}

const burstFactor = 4;
const normalLatencyMs = 2;
const slowLatencyMs = 40;
// Phase boundaries as shares of the period: steady, burst, steady, slow enrich, recovery.
const boundaries: readonly [number, DemoPhase][] = [
  [1 / 3, 'steady'],
  [1 / 2, 'burst'],
  [2 / 3, 'steady'],
  [5 / 6, 'slow enrich'],
  [1, 'recovery'],
];

/**
 * The demo's schedule: steady load, a 4× burst, steady again, an episode where customer
 * lookups take 40 ms (the enrich stage falls behind and lag builds), then recovery.
 * Every 250th order is malformed and ends in the dead-letter topic.
 */
export function demoSchedule(options: DemoScheduleOptions): DemoSchedule {
  const { baseRate, periodSeconds } = options;
  if (!(baseRate > 0)) throw new Error(`the base rate must be positive, got ${baseRate}`);
  if (!(periodSeconds > 0)) throw new Error(`the period must be positive, got ${periodSeconds}`);
  const phaseAt = (elapsedSeconds: number): DemoPhase => {
    const share = (((elapsedSeconds % periodSeconds) + periodSeconds) % periodSeconds) / periodSeconds;
    return boundaries.find(([end]) => share < end)?.[1] ?? 'recovery';
  };
  const at = (fraction: number) => Math.round(fraction * periodSeconds);
  return {
    baseRate,
    periodSeconds,
    poisonEvery: 250,
    phaseAt,
    rateAt: (elapsedSeconds) => (phaseAt(elapsedSeconds) === 'burst' ? baseRate * burstFactor : baseRate),
    lookupLatencyMs: (elapsedSeconds) =>
      phaseAt(elapsedSeconds) === 'slow enrich' ? slowLatencyMs : normalLatencyMs,
    describe: () =>
      `~${baseRate} orders/s; every ${periodSeconds} s: a ${burstFactor}x burst at ${at(1 / 3)}-${at(1 / 2)} s, ` +
      `slow customer lookups (${slowLatencyMs} ms) at ${at(2 / 3)}-${at(5 / 6)} s; every 250th order is malformed`,
  };
}
