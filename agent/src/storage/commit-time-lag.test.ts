/**
 * The lag stored in the commit window is the lag at commit time (issue 24), in both ways the
 * store is fed: commits read from `__consumer_offsets` ("commit log") and polled committed
 * offsets ("polling"). Synthetic clusters with injected times: a log end that grows at a
 * known rate, commits at known times, collection cycles at known (seeded) times.
 */
import { type ClusterObservation } from '../collector/collect-cycle';
import { CommitWindow, type CommitRecord } from '../evaluator/commit-window';
import { evaluatePartitionStatus, type PartitionStatusResult } from '../evaluator/partition-status';
import { type GroupStatus } from '../evaluator/status-codes';
import { type CommitEvent, type GroupMember } from '../protocol/cluster-state';
import { ClusterLagStore } from './cluster-lag-store';
import { seededRandom } from '../fixtures/seeded-random';

/** The window's commits as Burrow would show them: offset, time and (lower-bound) lag. */
function withoutUpperBounds(commits: readonly CommitRecord[] | undefined): CommitRecord[] | undefined {
  return commits?.map(({ offset, timestampMs, lag }) => ({ offset, timestampMs, lag }));
}

type Mode = 'commit-log' | 'polling';

const TOPIC = 'orders';
const GROUP = 'steady';

const member: GroupMember = {
  memberId: 'consumer-1-abc',
  clientId: 'consumer-1',
  clientHost: '/127.0.0.1',
  assignment: [{ topic: TOPIC, partitions: [0] }],
};

/**
 * One cycle's observation of GROUP on TOPIC partition 0: the polled offset (null: polled, none
 * committed; undefined: the partition not polled at all), the log end and the commit log.
 */
function oneGroupObservation(options: {
  readonly atMs: number;
  readonly offset: number | null | undefined;
  readonly logEnd: number;
  readonly commitLog: ClusterObservation['commitLog'];
  readonly members?: readonly GroupMember[];
}): ClusterObservation {
  const members = options.members ?? [member];
  const state = members.length > 0 ? 'Stable' : 'Empty';
  return {
    observedAtMs: options.atMs,
    groups: [
      {
        description: {
          group: GROUP,
          groupType: 'classic',
          state,
          kafkaState: state,
          protocolType: 'consumer',
          members,
        },
        commits: options.offset === undefined ? [] : [{ topic: TOPIC, partition: 0, offset: options.offset }],
      },
    ],
    shareGroups: [],
    watermarks: [{ topic: TOPIC, partition: 0, logStartOffset: 0, logEndOffset: options.logEnd }],
    recordTimestamps: new Map(),
    commitLog: options.commitLog,
  };
}

interface Commit {
  readonly timeMs: number;
  readonly offset: number;
}

interface Scenario {
  readonly mode: Mode;
  /** Log end offset at a time: never decreasing. */
  readonly logEnd: (timeMs: number) => number;
  /** Commits, oldest first, at strictly increasing times. */
  readonly commits: readonly Commit[];
  /** Cycle times, increasing. */
  readonly cycles: readonly number[];
  /** How long each cycle took (default 0: everything read at the cycle time). */
  readonly durationMs?: (cycle: number) => number;
  readonly members?: boolean;
  readonly windowSize?: number;
  readonly intervalMs: number;
}

interface CycleResult {
  readonly atMs: number;
  readonly group: GroupStatus;
  readonly partition: string | undefined;
  readonly rule: string | undefined;
  readonly window: ReturnType<ClusterLagStore['commitWindow']>;
}

/**
 * Runs a scenario through a store. Each cycle at T reads (all at T) the latest commit at or
 * before T, the log end at T and, in commit-log mode, every commit made since the last cycle.
 */
function run(scenario: Scenario): CycleResult[] {
  const store = new ClusterLagStore({
    cluster: 'local',
    windowSize: scenario.windowSize ?? 10,
    defaultThresholds: { warnSeconds: 3600, errSeconds: 7200 },
    groupThresholds: [],
    intervalMs: scenario.intervalMs,
  });
  const results: CycleResult[] = [];
  let previousMs = Number.NEGATIVE_INFINITY;
  let next = 0;
  scenario.cycles.forEach((atMs, index) => {
    const events: CommitEvent[] = [];
    while (next < scenario.commits.length && (scenario.commits[next]?.timeMs ?? Infinity) <= atMs) {
      const commit = scenario.commits[next]!;
      if (commit.timeMs > previousMs) {
        events.push({
          group: GROUP,
          topic: TOPIC,
          partition: 0,
          offset: commit.offset,
          commitTimeMs: commit.timeMs,
        });
      }
      next += 1;
    }
    const polled = next > 0 ? scenario.commits[next - 1] : undefined;
    const members = (scenario.members ?? true) ? [member] : [];
    const observation = oneGroupObservation({
      atMs,
      offset: polled?.offset,
      logEnd: scenario.logEnd(atMs),
      commitLog: scenario.mode === 'commit-log' ? { available: true, events, backlogRecords: 0 } : null,
      members,
    });
    const snapshot = store.apply(observation, scenario.durationMs?.(index) ?? 0);
    const group = snapshot.groups[0];
    results.push({
      atMs,
      group: group?.status ?? 'NOTFOUND',
      partition: group?.partitions[0]?.status,
      rule: group?.statusReasons[0]?.partitions.length ? group.statusReasons[0].rule : undefined,
      window: store.commitWindow(GROUP, TOPIC, 0),
    });
    previousMs = atMs;
  });
  return results;
}

/** The store before issue 24, for the regression notes: an entry per cycle with the poll-time lag. */
function pollTimeStatuses(scenario: Scenario): PartitionStatusResult[] {
  const window = new CommitWindow({ size: scenario.windowSize ?? 10 });
  const recent: number[] = [];
  const statuses: PartitionStatusResult[] = [];
  for (const atMs of scenario.cycles) {
    const polled = [...scenario.commits].reverse().find((commit) => commit.timeMs <= atMs);
    const logEndOffset = scenario.logEnd(atMs);
    recent.push(logEndOffset);
    if (polled === undefined) continue;
    window.record({ offset: polled.offset, timestampMs: atMs, logEndOffset });
    statuses.push(
      evaluatePartitionStatus({
        window: window.snapshot(),
        logEndOffset,
        recentLogEndOffsets: recent.slice(-2),
        nowMs: atMs,
      }),
    );
  }
  return statuses;
}

/** 20 records a second, one every 50 ms: the traffic of the side-by-side run. */
const twentyPerSecond = (timeMs: number): number => Math.floor(timeMs / 50);

/** Times from `firstMs` every `everyMs` up to `untilMs`, each moved by up to ±`jitterMs`. */
function every(
  everyMs: number,
  firstMs: number,
  untilMs: number,
  random?: () => number,
  jitterMs = 0,
): number[] {
  const times: number[] = [];
  for (let atMs = firstMs; atMs <= untilMs; atMs += everyMs) {
    const jitter = random === undefined ? 0 : Math.round((random() * 2 - 1) * jitterMs);
    times.push(Math.max(0, atMs + jitter));
  }
  return times;
}

describe('lag at commit time in the commit window', () => {
  describe('caught-up-steady: a consumer that commits the log end under 20 records/s', () => {
    const cases: [Mode, number, number][] = [];
    for (const mode of ['commit-log', 'polling'] as const)
      for (const commitEveryMs of [500, 1000, 5000])
        for (const cycleEveryMs of [1000, 5000, 15_000]) cases.push([mode, commitEveryMs, cycleEveryMs]);

    it.each(cases)(
      '%s: commits every %i ms, cycles every %i ms at seeded phases: OK at every cycle for 120 s',
      (mode, commitEveryMs, cycleEveryMs) => {
        for (const seed of [1, 2, 3]) {
          const random = seededRandom(seed * 7919 + commitEveryMs + cycleEveryMs);
          const commitPhase = Math.floor(random() * commitEveryMs);
          const cyclePhase = Math.floor(random() * cycleEveryMs);
          const commits = every(commitEveryMs, commitPhase, 120_000).map((timeMs) => ({
            timeMs,
            offset: twentyPerSecond(timeMs),
          }));
          // Cycles wander by up to a tenth of the interval around their phase.
          const cycles = every(cycleEveryMs, cyclePhase + cycleEveryMs, 120_000, random, cycleEveryMs / 10);
          const results = run({ mode, logEnd: twentyPerSecond, commits, cycles, intervalMs: cycleEveryMs });
          // (Before the first commit the group has no partitions: OK, with no partition status.)
          expect(
            results.filter(
              (result) =>
                result.group !== 'OK' || (result.partition !== undefined && result.partition !== 'OK'),
            ),
          ).toEqual([]);
          // The consumer commits the log end: every lag the window holds is 0 (or unknown at start-up) ...
          const lags = results.flatMap((result) => result.window?.commits ?? []).map((commit) => commit.lag);
          if (mode === 'commit-log')
            expect(new Set(lags.filter((lag) => lag !== null))).toEqual(new Set([0]));
          // ... and in polling mode at least every entry of a cycle in which the offset moved.
          else expect(lags).toContain(0);
        }
      },
    );

    it('regression: the poll-time lag of the old store gave WARN for the same consumer (issue 24)', () => {
      const commits = every(1000, 0, 120_000).map((timeMs) => ({ timeMs, offset: twentyPerSecond(timeMs) }));
      const scenario: Scenario = {
        mode: 'polling',
        logEnd: twentyPerSecond,
        commits,
        cycles: every(1000, 900, 120_000),
        intervalMs: 1000,
      };
      // Every poll-time lag is 18 (the records produced in the 900 ms since the commit):
      // equal lags are "not decreasing", so the old store said WARN at nearly every cycle.
      const old = pollTimeStatuses(scenario);
      expect(old.filter((status) => status.status === 'WARN').length).toBeGreaterThan(old.length * 0.9);
      expect(run(scenario).every((result) => result.group === 'OK')).toBe(true);
      expect(run({ ...scenario, mode: 'commit-log' }).every((result) => result.group === 'OK')).toBe(true);
    });
  });

  describe('constant-lag-47: commits 47 behind the log end, phase-locked to the cycle', () => {
    // Commits at k + 0.5 s (from 3.5 s, once the log holds 47 records), cycles at k + 0.4 s:
    // the log end sampled before each commit is 2 records older, so every stored lag is 45
    // and never decreases.
    const commits = every(1000, 3500, 120_000).map((timeMs) => ({
      timeMs,
      offset: twentyPerSecond(timeMs) - 47,
    }));
    const cycles = every(1000, 400, 120_000);

    it('commit log: WARN from the second entry on, with lag 45 at every commit', () => {
      const results = run({ mode: 'commit-log', logEnd: twentyPerSecond, commits, cycles, intervalMs: 1000 });
      const firstTwoEntries = results.findIndex((result) => (result.window?.commits.length ?? 0) >= 2);
      expect(firstTwoEntries).toBeGreaterThan(0);
      expect(results.slice(0, firstTwoEntries).every((result) => result.group === 'OK')).toBe(true);
      const judged = results.slice(firstTwoEntries);
      expect(judged.filter((result) => result.group !== 'WARN')).toEqual([]);
      expect(judged.every((result) => result.rule === 'partition-warnings')).toBe(true);
      expect(new Set(results.at(-1)?.window?.commits.map((commit) => commit.lag))).toEqual(new Set([45]));
    });

    it('commit log with the cycle jittered: the lags jitter within their sampling band, no decrease is certain, WARN holds', () => {
      const random = seededRandom(47);
      const jittered = every(1000, 400, 120_000, random, 300);
      const results = run({
        mode: 'commit-log',
        logEnd: twentyPerSecond,
        commits,
        cycles: jittered,
        intervalMs: 1000,
      });
      const windows = results.slice(12);
      // The stored (lower-bound) lags jitter, as Burrow's would with a jittered refresh...
      const lags = results.flatMap((result) => result.window?.commits ?? []).map((commit) => commit.lag);
      expect(lags.every((lag) => lag === null || (lag >= 47 - 30 && lag <= 47))).toBe(true);
      expect(new Set(lags).size).toBeGreaterThan(1);
      // ...but every drop stays inside the band [lag, lagUpper] each commit is known within, so the
      // lag never certainly decreased: WARN in every full window, where Burrow could say OK.
      expect(windows.every((result) => result.group === 'WARN')).toBe(true);
    });
  });

  describe('members stay connected but stop committing', () => {
    // Commits the log end every second for 20 s, then nothing; records keep coming.
    const commits = every(1000, 0, 20_000).map((timeMs) => ({ timeMs, offset: twentyPerSecond(timeMs) }));
    const cycles = every(1000, 500, 60_000);

    it('commit log: STOP once the silence outlasts the window span, never STALL', () => {
      const results = run({ mode: 'commit-log', logEnd: twentyPerSecond, commits, cycles, intervalMs: 1000 });
      expect(results.filter((result) => result.atMs < 20_000).every((result) => result.group === 'OK')).toBe(
        true,
      );
      expect(results.some((result) => result.partition === 'STALL')).toBe(false);
      // The window spans 9 s (10 commits, 1 s apart) and the lookback 10 cycles: STOP within ~11 s.
      const stopped = results.filter((result) => result.atMs > 32_000);
      expect(stopped.every((result) => result.partition === 'STOP' && result.group === 'ERR')).toBe(true);
    });

    it('polling: STALL instead (a documented difference: a poll cannot tell "no commit" from "the same offset")', () => {
      const results = run({ mode: 'polling', logEnd: twentyPerSecond, commits, cycles, intervalMs: 1000 });
      const late = results.filter((result) => result.atMs > 32_000);
      expect(late.every((result) => result.partition === 'STALL' && result.group === 'ERR')).toBe(true);
    });

    it('polling without members: STOP, since only a moving offset is recorded', () => {
      const results = run({
        mode: 'polling',
        logEnd: twentyPerSecond,
        commits,
        cycles,
        intervalMs: 1000,
        members: false,
      });
      expect(
        results.filter((result) => result.atMs > 32_000).every((result) => result.partition === 'STOP'),
      ).toBe(true);
    });
  });

  describe('commit log details', () => {
    it('clears the window on an offset tombstone and ignores commits of groups it does not collect', () => {
      const store = new ClusterLagStore({
        cluster: 'local',
        windowSize: 10,
        defaultThresholds: { warnSeconds: 3600, errSeconds: 7200 },
        groupThresholds: [],
        intervalMs: 1000,
      });
      const observation = (atMs: number, events: CommitEvent[], offset: number | null): ClusterObservation =>
        oneGroupObservation({
          atMs,
          offset,
          logEnd: 100,
          commitLog: { available: true, events, backlogRecords: 7 },
        });
      const event = (offset: number | null, commitTimeMs: number, group = GROUP): CommitEvent => ({
        group,
        topic: TOPIC,
        partition: 0,
        offset,
        commitTimeMs,
      });
      store.apply(observation(1000, [], 90), 0);
      const snapshot = store.apply(
        observation(2000, [event(95, 1500), event(96, 1600), event(1, 1700, 'other-group')], 96),
        0,
      );
      expect(snapshot.health).toMatchObject({ commitSource: 'offsets_topic', commitLogBacklogRecords: 7 });
      // The first cycle had no commit to read: one entry from the poll, lag unknown.
      expect(withoutUpperBounds(store.commitWindow(GROUP, TOPIC, 0)?.commits)).toEqual([
        { offset: 90, timestampMs: 1000, lag: null },
        { offset: 95, timestampMs: 1500, lag: 5 },
        { offset: 96, timestampMs: 1600, lag: 4 },
      ]);
      expect(store.commitWindow('other-group', TOPIC, 0)).toBeNull();
      // A commit stamped before the latest entry merges into it (as Burrow does); a tombstone clears.
      store.apply(observation(3000, [event(97, 1550)], 97), 0);
      expect(withoutUpperBounds(store.commitWindow(GROUP, TOPIC, 0)?.commits)?.at(-1)).toEqual({
        offset: 97,
        timestampMs: 1600,
        lag: 3,
      });
      store.apply(observation(4000, [event(null, 3500)], null), 0);
      expect(withoutUpperBounds(store.commitWindow(GROUP, TOPIC, 0)?.commits)).toEqual([]);
    });

    it('rebuilds the windows from the replayed commits when the commit log becomes readable', () => {
      const commits = every(1000, 2000, 20_000).map((timeMs) => ({
        timeMs,
        offset: twentyPerSecond(timeMs) - 30,
      }));
      const polledFirst = run({
        mode: 'polling',
        logEnd: twentyPerSecond,
        commits,
        cycles: every(1000, 500, 10_000),
        intervalMs: 1000,
      });
      expect(polledFirst.at(-1)?.window?.commits.at(-1)?.timestampMs).toBe(9500);
      // The same consumer, but from 10.5 s the commit log is readable and replays every commit.
      const store = new ClusterLagStore({
        cluster: 'local',
        windowSize: 10,
        defaultThresholds: { warnSeconds: 3600, errSeconds: 7200 },
        groupThresholds: [],
        intervalMs: 1000,
      });
      const cycle = (atMs: number, commitLog: ClusterObservation['commitLog']): void => {
        const polled = [...commits].reverse().find((commit) => commit.timeMs <= atMs);
        store.apply(
          oneGroupObservation({
            atMs,
            offset: polled?.offset ?? null,
            logEnd: twentyPerSecond(atMs),
            commitLog,
          }),
          0,
        );
      };
      for (const atMs of every(1000, 500, 9500)) cycle(atMs, null);
      const replayed = commits
        .filter((commit) => commit.timeMs <= 10_500)
        .map((commit) => ({
          group: GROUP,
          topic: TOPIC,
          partition: 0,
          offset: commit.offset,
          commitTimeMs: commit.timeMs,
        }));
      cycle(10_500, { available: true, events: replayed, backlogRecords: 0 });
      // Commits 2..10 s, each against the log end sampled 500 ms before it: lag 30 − 10 = 20.
      expect(withoutUpperBounds(store.commitWindow(GROUP, TOPIC, 0)?.commits)).toEqual(
        replayed
          .slice(-10)
          .map((event) => ({ offset: event.offset, timestampMs: event.commitTimeMs, lag: 20 })),
      );
    });

    it('falls back to polling for a cycle whose commit log is unavailable, and says so in the health', () => {
      const commits = every(1000, 0, 10_000).map((timeMs) => ({ timeMs, offset: twentyPerSecond(timeMs) }));
      const store = new ClusterLagStore({
        cluster: 'local',
        windowSize: 10,
        defaultThresholds: { warnSeconds: 3600, errSeconds: 7200 },
        groupThresholds: [],
        intervalMs: 1000,
      });
      const snapshot = store.apply(
        oneGroupObservation({
          atMs: 500,
          offset: commits[0]!.offset,
          logEnd: 10,
          commitLog: { available: false, reason: 'TOPIC_AUTHORIZATION_FAILED on __consumer_offsets' },
        }),
        0,
      );
      expect(snapshot.health).toMatchObject({ commitSource: 'polling', commitLogBacklogRecords: 0 });
      expect(withoutUpperBounds(store.commitWindow(GROUP, TOPIC, 0)?.commits)).toEqual([
        // Polling, first poll: no earlier sample, so the lower bound 0.
        { offset: 0, timestampMs: 500, lag: 0 },
      ]);
    });
  });

  describe('invariant: 0 ≤ true lag at commit − stored lag ≤ rate × (commit time − sample time)', () => {
    /** A random consumer: commits at random gaps, at a random distance behind the log end, never backwards. */
    function randomScenario(seed: number, mode: Mode): { scenario: Scenario; rate: number } {
      const random = seededRandom(seed);
      const rate = 1 + Math.floor(random() * 200); // records per second
      const logEnd = (timeMs: number): number => Math.floor((rate * timeMs) / 1000);
      const commits: Commit[] = [];
      let previousOffset = 0;
      for (
        let timeMs = 1 + Math.floor(random() * 3000);
        timeMs < 180_000;
        timeMs += 100 + Math.floor(random() * 8000)
      ) {
        const behind = random() < 0.2 ? 0 : Math.floor(random() * 400);
        previousOffset = Math.max(previousOffset, logEnd(timeMs) - behind);
        commits.push({ timeMs, offset: previousOffset });
      }
      const cycles: number[] = [];
      for (
        let atMs = Math.floor(random() * 5000);
        atMs < 180_000;
        atMs += 500 + Math.floor(random() * 15_000)
      ) {
        cycles.push(atMs);
      }
      const durations = cycles.map(() => Math.floor(random() * 300));
      return {
        rate,
        scenario: {
          mode,
          logEnd,
          commits,
          cycles,
          // Cycles that took a while: polling then measures against the log end before the previous cycle began.
          durationMs: (index) =>
            Math.min(durations[index] ?? 0, Math.max(0, (cycles[index] ?? 0) - (cycles[index - 1] ?? 0) - 1)),
          members: false,
          // Spacing of the log end history: below the shortest cycle gap, so no sample is thinned out.
          intervalMs: 400,
        },
      };
    }

    /** The latest cycle at or before `timeMs`: the log end sample the store may use. */
    function sampleAtOrBefore(cycles: readonly number[], timeMs: number): number | undefined {
      return [...cycles].reverse().find((atMs) => atMs <= timeMs);
    }

    it.each([1, 2, 3, 4, 5, 6, 7, 8])('commit log, seed %i', (seed) => {
      const { scenario, rate } = randomScenario(seed, 'commit-log');
      const byTime = new Map(scenario.commits.map((commit) => [commit.timeMs, commit]));
      let checked = 0;
      for (const result of run(scenario)) {
        for (const entry of result.window?.commits ?? []) {
          const commit = byTime.get(entry.timestampMs);
          if (commit === undefined) continue; // the poll's stand-in before the first commit read
          const truth = Math.max(0, scenario.logEnd(commit.timeMs) - commit.offset);
          const sample = sampleAtOrBefore(scenario.cycles, commit.timeMs);
          if (sample === undefined) {
            expect(entry.lag).toBeNull();
            continue;
          }
          expect(entry.lag).not.toBeNull();
          expect(entry.lag!).toBeLessThanOrEqual(truth);
          expect(truth - entry.lag!).toBeLessThanOrEqual(Math.ceil((rate * (commit.timeMs - sample)) / 1000));
          checked += 1;
        }
      }
      expect(checked).toBeGreaterThan(50);
    });

    it.each([1, 2, 3, 4, 5, 6, 7, 8])('polling, seed %i', (seed) => {
      const { scenario, rate } = randomScenario(seed, 'polling');
      let checked = 0;
      const results = run(scenario);
      results.forEach((result, index) => {
        const entry = result.window?.commits.at(-1);
        if (entry === undefined || entry.timestampMs !== result.atMs || index === 0) return;
        // The entry stands for the commit the poll saw: made after the previous cycle's reads.
        const commit = [...scenario.commits].reverse().find((candidate) => candidate.timeMs <= result.atMs)!;
        const truth = Math.max(0, scenario.logEnd(commit.timeMs) - commit.offset);
        const previousStart = (scenario.cycles[index - 1] ?? 0) - (scenario.durationMs?.(index - 1) ?? 0);
        const sample = sampleAtOrBefore(scenario.cycles, previousStart);
        if (sample === undefined) {
          // No sample that old: 0 is the only lower bound polling has.
          expect(entry.lag).toBe(0);
          return;
        }
        expect(entry.lag!).toBeLessThanOrEqual(truth);
        expect(truth - entry.lag!).toBeLessThanOrEqual(Math.ceil((rate * (commit.timeMs - sample)) / 1000));
        checked += 1;
      });
      expect(checked).toBeGreaterThan(5);
    });
  });
});
