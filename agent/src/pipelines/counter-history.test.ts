import { CounterHistory } from './counter-history';
import { type PipelineCounters } from './model';

function counters(timeMs: number, consumed = 0): PipelineCounters {
  return {
    timeMs,
    inputEndOffsets: null,
    consumed,
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
  };
}

describe('CounterHistory', () => {
  it('needs two snapshots for a window', () => {
    const history = new CounterHistory(5);
    expect(history.window(1000)).toBeNull();
    history.push(counters(0));
    expect(history.window(1000)).toBeNull();
    history.push(counters(500));
    expect(history.window(1000)).toEqual({ earlier: counters(0), later: counters(500) });
  });

  it('picks the newest snapshot at least the window older than the newest', () => {
    const history = new CounterHistory(10);
    for (const time of [0, 10_000, 20_000, 30_000, 40_000]) history.push(counters(time));
    expect(history.window(15_000)?.earlier.timeMs).toBe(20_000);
    expect(history.window(10_000)?.earlier.timeMs).toBe(30_000);
    expect(history.window(1)?.earlier.timeMs).toBe(30_000);
    expect(history.window(60_000)?.earlier.timeMs).toBe(0);
  });

  it('keeps at most maxEntries, dropping the oldest', () => {
    const history = new CounterHistory(3);
    for (let time = 0; time < 10; time++) history.push(counters(time * 1000));
    expect(history.size).toBe(3);
    expect(history.window(60_000)?.earlier.timeMs).toBe(7000);
  });

  it('ignores a snapshot older than the newest and replaces one with the same time', () => {
    const history = new CounterHistory(3);
    history.push(counters(1000));
    expect(history.push(counters(500))).toBe(false);
    expect(history.push(counters(1000, 7))).toBe(true);
    expect(history.size).toBe(1);
    history.push(counters(2000));
    expect(history.window(1000)?.earlier.consumed).toBe(7);
  });

  it('prunes the snapshots the window can no longer pick, and keeps the window the same', () => {
    const history = new CounterHistory(100);
    for (let time = 0; time <= 20_000; time += 1000) history.push(counters(time));
    const before = history.window(5000);
    history.prune(5000);
    expect(history.size).toBe(6);
    expect(history.window(5000)).toEqual(before);
    expect(history.window(5000)?.earlier.timeMs).toBe(15_000);
    history.prune(5000);
    expect(history.size).toBe(6);
  });

  it('rejects fewer than two entries', () => {
    expect(() => new CounterHistory(1)).toThrow('maxEntries must be an integer of at least 2, got 1');
  });
});
