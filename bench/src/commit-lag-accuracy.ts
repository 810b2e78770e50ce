/**
 * Accuracy and cost of the lag at commit time (issue 24), in process: no broker, seeded, deterministic
 * apart from the timings. Synthetic partitions with known arrival times, consumers that commit at
 * known times, and agent cycles at random phases are fed through the real ClusterLagStore (both
 * commit sources); every stored lag is compared with the true lag at the commit instant, and every
 * status with the one the same rules give on the true lags.
 */
import { type ClusterObservation } from '../../agent/src/collector/collect-cycle';
import {
  compactString,
  concat,
  int16,
  int32,
  int64,
  noTags,
} from '../../agent/src/collector/kafka-protocol/fixtures/bytes';
import { decodeOffsetsTopicRecord } from '../../agent/src/collector/kafka-protocol/offsets-topic-codec';
import { CommitWindow } from '../../agent/src/evaluator/commit-window';
import { evaluatePartitionStatus } from '../../agent/src/evaluator/partition-status';
import { type CommitEvent, type GroupMember } from '../../agent/src/protocol/cluster-state';
import { ClusterLagStore } from '../../agent/src/storage/cluster-lag-store';
import { num, range, type Section, type Table } from './report';
import { collectGarbage, nowNs, rotate, type BenchOptions } from './runtime';
import { percentile, summarize, type Summary } from './stats';
import { seededRandom } from '../../agent/src/fixtures/seeded-random';

const TOPIC = 'orders';
const WINDOW = 10;
const T0 = 1_750_000_000_000;
const DURATION_MIN_MS = 50;
const DURATION_MAX_MS = 500;

/** A produce process: the true log end at any instant. */
interface Profile {
  readonly id: string;
  readonly label: string;
  /** The peak rate the nominal bounds use, records/s. */
  readonly peakRate: number;
  logEnd(timeMs: number): number;
}

function steady(rate: number): Profile {
  return {
    id: `steady-${rate}`,
    label: `steady ${num(rate)}/s`,
    peakRate: rate,
    logEnd: (timeMs) => Math.max(0, Math.floor((rate * (timeMs - T0)) / 1000)),
  };
}

/** On/off Poisson: bursts at 200/s lasting 1 s on average, 9 s quiet on average (mean ≈ 20/s). */
function bursty(seed: number, untilMs: number): Profile {
  const random = seededRandom(seed);
  const exp = (meanMs: number): number => -Math.log(1 - random()) * meanMs;
  const arrivals: number[] = [];
  let timeMs = T0;
  while (timeMs < untilMs) {
    const burstEnd = timeMs + exp(1000);
    for (let at = timeMs + exp(5); at < burstEnd; at += exp(5)) arrivals.push(at);
    timeMs = burstEnd + exp(9000);
  }
  return {
    id: 'bursty',
    label: 'bursty Poisson (200/s bursts, mean ≈ 20/s)',
    peakRate: 200,
    logEnd: (at) => {
      let low = 0;
      let high = arrivals.length;
      while (low < high) {
        const mid = (low + high) >>> 1;
        if (arrivals[mid]! <= at) low = mid + 1;
        else high = mid;
      }
      return low;
    },
  };
}

type ConsumerId = 'caught-up' | 'lag-47' | 'half-rate' | 'stalled';
const consumers: readonly ConsumerId[] = ['caught-up', 'lag-47', 'half-rate', 'stalled'];

function committedOffset(consumer: ConsumerId, profile: Profile, timeMs: number): number {
  const end = profile.logEnd(timeMs);
  switch (consumer) {
    case 'caught-up':
      return end;
    case 'lag-47':
      return Math.max(0, end - 47);
    case 'half-rate':
      return Math.floor(end / 2);
    case 'stalled':
      return profile.logEnd(T0 + 2000);
  }
}

export type EstimatorId = 'A' | 'B' | 'old' | 'A-interp';
export const estimatorIds: readonly EstimatorId[] = ['A', 'B', 'old', 'A-interp'];
const estimatorLabels: Record<EstimatorId, string> = {
  A: 'A: commit log (latest sample at or before the commit)',
  B: 'B: polling lower bound',
  old: 'old: poll-time lag',
  'A-interp': 'A-interp: log end interpolated to the commit time',
};

/** Error samples (true − estimate, messages) of one estimator on one profile. */
interface ErrorSamples {
  errors: number[];
  /** Ratio of the error to its per-commit bound (A, B only). */
  worstBoundRatio: number;
  violations: number;
  unknown: number;
}

interface StatusCounts {
  cycles: number;
  agree: number;
  byConsumer: Record<ConsumerId, { cycles: number; ok: number; warn: number; stall: number }>;
}

function emptyStatus(): StatusCounts {
  const byConsumer = {} as StatusCounts['byConsumer'];
  for (const consumer of consumers) byConsumer[consumer] = { cycles: 0, ok: 0, warn: 0, stall: 0 };
  return { cycles: 0, agree: 0, byConsumer };
}

const member = (group: string): GroupMember => ({
  memberId: `${group}-1`,
  clientId: group,
  clientHost: '/127.0.0.1',
  assignment: [{ topic: TOPIC, partitions: [0] }],
});

function newStore(windowSize: number, intervalMs: number): ClusterLagStore {
  return new ClusterLagStore({
    cluster: 'sim',
    windowSize,
    defaultThresholds: { warnSeconds: 3600, errSeconds: 7200 },
    groupThresholds: [],
    intervalMs,
  });
}

/** A window fed outside the store (truth, old, A-interp), evaluated with the store's inputs. */
class MirrorWindow {
  readonly window = new CommitWindow({ size: WINDOW });
  status(logEndOffset: number, committedOffset: number, recent: readonly number[], nowMs: number): string {
    return evaluatePartitionStatus({
      window: this.window.snapshot(),
      logEndOffset,
      committedOffset,
      recentLogEndOffsets: recent,
      lookbackComplete: recent.length >= WINDOW,
      nowMs,
    }).status;
  }
}

interface Scenario {
  readonly profile: Profile;
  readonly commitEveryMs: number;
  readonly cycleEveryMs: number;
  readonly seed: number;
  readonly lengthMs: number;
}

interface Accumulator {
  readonly errors: Map<string, ErrorSamples>;
  readonly statuses: Record<EstimatorId | 'truth', StatusCounts>;
  commits: number;
  cycles: number;
}

function errorSamples(acc: Accumulator, estimator: EstimatorId, profile: Profile): ErrorSamples {
  const key = `${estimator}\u0000${profile.id}`;
  let samples = acc.errors.get(key);
  if (!samples) {
    samples = { errors: [], worstBoundRatio: 0, violations: 0, unknown: 0 };
    acc.errors.set(key, samples);
  }
  return samples;
}

function simulate(scenario: Scenario, acc: Accumulator): void {
  const { profile, commitEveryMs: N, cycleEveryMs: M } = scenario;
  const random = seededRandom(scenario.seed);
  const commitPhase = Math.floor(random() * N);
  const cyclePhase = Math.floor(random() * M);
  const endMs = T0 + scenario.lengthMs;
  const commitTimes: number[] = [];
  for (let at = T0 + commitPhase; at <= endMs; at += N) commitTimes.push(at);

  const statusA = newStore(WINDOW, M);
  const accuracyA = newStore(4 * WINDOW, M); // large enough to keep every commit of a cycle
  const storeB = newStore(WINDOW, M);
  const truth = new Map(consumers.map((c) => [c, new MirrorWindow()]));
  const old = new Map(consumers.map((c) => [c, new MirrorWindow()]));
  const interp = new Map(consumers.map((c) => [c, new MirrorWindow()]));
  const lastPolled = new Map<ConsumerId, number | null>(consumers.map((c) => [c, null]));
  const samples: { stampMs: number; logEnd: number }[] = [];
  const recent: number[] = [];
  let nextCommit = 0;
  const aBoundMs = M + DURATION_MAX_MS;
  const bBoundMs = 2 * M + DURATION_MAX_MS;

  for (let startMs = T0 + cyclePhase; startMs + DURATION_MAX_MS <= endMs; startMs += M) {
    const durationMs = DURATION_MIN_MS + Math.floor(random() * (DURATION_MAX_MS - DURATION_MIN_MS));
    const observedAtMs = startMs + durationMs;
    // Within the cycle: log ends, the commit log, and the committed offsets are read at random moments.
    const logEndReadMs = startMs + Math.floor(random() * durationMs);
    const commitLogReadMs = startMs + Math.floor(random() * durationMs);
    const pollMs = startMs + Math.floor(random() * durationMs);
    const logEnd = profile.logEnd(logEndReadMs);
    samples.push({ stampMs: observedAtMs, logEnd });
    recent.push(logEnd);
    if (recent.length > WINDOW) recent.shift();

    const newCommits: number[] = [];
    while (nextCommit < commitTimes.length && commitTimes[nextCommit]! <= commitLogReadMs)
      newCommits.push(commitTimes[nextCommit++]!);
    const events: CommitEvent[] = [];
    for (const timeMs of newCommits)
      for (const consumer of consumers)
        events.push({
          group: consumer,
          topic: TOPIC,
          partition: 0,
          offset: committedOffset(consumer, profile, timeMs),
          commitTimeMs: timeMs,
        });
    const polledTime = [...commitTimes].reverse().find((timeMs) => timeMs <= pollMs);
    const observation = (commitLog: ClusterObservation['commitLog']): ClusterObservation => ({
      observedAtMs,
      groups: consumers.map((consumer) => ({
        description: {
          group: consumer,
          groupType: 'classic',
          state: 'Stable',
          kafkaState: 'Stable',
          protocolType: 'consumer',
          members: [member(consumer)],
        },
        commits:
          polledTime === undefined
            ? []
            : [{ topic: TOPIC, partition: 0, offset: committedOffset(consumer, profile, polledTime) }],
      })),
      shareGroups: [],
      watermarks: [{ topic: TOPIC, partition: 0, logStartOffset: 0, logEndOffset: logEnd }],
      recordTimestamps: new Map(),
      commitLog,
    });
    const log = { available: true as const, events, backlogRecords: 0 };
    const snapshotA = statusA.apply(observation(log), durationMs);
    accuracyA.apply(observation(log), durationMs);
    const snapshotB = storeB.apply(observation(null), durationMs);
    acc.cycles += 1;

    for (const consumer of consumers) {
      // A: every commit read this cycle, as the store stored it.
      const windowA = accuracyA.commitWindow(consumer, TOPIC, 0)?.commits ?? [];
      const truthWindow = truth.get(consumer)!;
      const interpWindow = interp.get(consumer)!;
      for (const timeMs of newCommits) {
        const offset = committedOffset(consumer, profile, timeMs);
        const trueLogEnd = profile.logEnd(timeMs);
        const trueLag = Math.max(0, trueLogEnd - offset);
        truthWindow.window.record({ offset, timestampMs: timeMs, logEndOffset: trueLogEnd });
        acc.commits += 1;
        const entry = windowA.find((candidate) => candidate.timestampMs === timeMs);
        const a = errorSamples(acc, 'A', profile);
        if (entry?.lag === null || entry === undefined) a.unknown += 1;
        else {
          const error = trueLag - entry.lag;
          a.errors.push(error);
          const bound = trueLogEnd - profile.logEnd(timeMs - aBoundMs);
          if (error < 0 || error > bound) a.violations += 1;
          if (bound > 0) a.worstBoundRatio = Math.max(a.worstBoundRatio, error / bound);
        }
        // A-interp: between the latest sample at or before the commit and the next one.
        const before = [...samples].reverse().find((sample) => sample.stampMs <= timeMs);
        const after = samples.find((sample) => sample.stampMs > timeMs);
        const ai = errorSamples(acc, 'A-interp', profile);
        if (before === undefined) ai.unknown += 1;
        else {
          const interpolated =
            after === undefined
              ? before.logEnd
              : Math.round(
                  before.logEnd +
                    ((after.logEnd - before.logEnd) * (timeMs - before.stampMs)) /
                      (after.stampMs - before.stampMs),
                );
          ai.errors.push(trueLag - Math.max(0, interpolated - offset));
          interpWindow.window.record({ offset, timestampMs: timeMs, logEndOffset: interpolated });
        }
      }

      // B: the entry this cycle recorded for an offset that moved (a new commit, seen by this poll).
      const polledOffset = polledTime === undefined ? null : committedOffset(consumer, profile, polledTime);
      const previous = lastPolled.get(consumer) ?? null;
      lastPolled.set(consumer, polledOffset);
      if (polledTime !== undefined && polledOffset !== null) {
        const trueLogEnd = profile.logEnd(polledTime);
        const trueLag = Math.max(0, trueLogEnd - polledOffset);
        if (previous !== null && polledOffset !== previous) {
          const entry = storeB.commitWindow(consumer, TOPIC, 0)?.commits.at(-1);
          const b = errorSamples(acc, 'B', profile);
          if (entry === undefined || entry.timestampMs !== observedAtMs || entry.lag === null) b.unknown += 1;
          else {
            const error = trueLag - entry.lag;
            b.errors.push(error);
            const bound = trueLogEnd - profile.logEnd(polledTime - bBoundMs);
            if (error < 0 || error > bound) b.violations += 1;
            if (bound > 0) b.worstBoundRatio = Math.max(b.worstBoundRatio, error / bound);
          }
        }
        // old: an entry per cycle, lag against the log end of this poll.
        old
          .get(consumer)!
          .window.record({ offset: polledOffset, timestampMs: observedAtMs, logEndOffset: logEnd });
        errorSamples(acc, 'old', profile).errors.push(trueLag - Math.max(0, logEnd - polledOffset));
      }

      if (polledOffset === null) continue;
      // Statuses, from the first cycle that has a commit of this consumer.
      const truthStatus = truthWindow.status(logEnd, polledOffset, recent, observedAtMs);
      const tally = (estimator: EstimatorId | 'truth', status: string | undefined): void => {
        const counts = acc.statuses[estimator];
        counts.cycles += 1;
        if (status === truthStatus) counts.agree += 1;
        const mine = counts.byConsumer[consumer];
        mine.cycles += 1;
        if (status === 'OK') mine.ok += 1;
        if (status === 'WARN') mine.warn += 1;
        if (status === 'STALL') mine.stall += 1;
      };
      const statusOf = (snapshot: ReturnType<ClusterLagStore['apply']>): string | undefined =>
        snapshot.groups.find((group) => group.group === consumer)?.partitions[0]?.status;
      tally('truth', truthStatus);
      tally('A', statusOf(snapshotA));
      tally('B', statusOf(snapshotB));
      tally('old', old.get(consumer)!.status(logEnd, polledOffset, recent, observedAtMs));
      tally('A-interp', interpWindow.status(logEnd, polledOffset, recent, observedAtMs));
    }
  }
}

export interface ErrorRow {
  readonly estimator: EstimatorId;
  readonly profile: string;
  readonly entries: number;
  readonly unknown: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly min: number;
  /** Share of entries with estimate > true lag. */
  readonly overShare: number;
  /** Nominal bound r_peak × (M+D) (A) or r_peak × (2M+D) (B) at the largest M; null for the others. */
  readonly nominalBound: number | null;
  /** Entries outside 0 ≤ error ≤ per-commit bound (A, B); 0 for the others. */
  readonly violations: number;
  /** Largest error ÷ per-commit bound (records produced in the bound's span before the commit). */
  readonly worstBoundRatio: number | null;
}

export interface StatusRow {
  readonly estimator: EstimatorId | 'truth';
  readonly cycles: number;
  readonly agreement: number;
  readonly caughtUpOk: number;
  readonly lag47Warn: number;
  readonly halfRateWarn: number;
  readonly stalledStall: number;
}

export interface CommitLagAccuracyResult {
  readonly sizes: {
    readonly commitEveryMs: readonly number[];
    readonly cycleEveryMs: readonly number[];
    readonly seeds: number;
    readonly lengthMs: number;
    readonly decodeRecords: number;
    readonly repetitions: number;
    readonly groupPartitions: number;
  };
  readonly scenarios: number;
  readonly commits: number;
  readonly cycles: number;
  readonly errors: readonly ErrorRow[];
  readonly statuses: readonly StatusRow[];
  readonly decode: { readonly nsPerRecord: Summary; readonly recordsPerSecond: Summary };
  readonly apply: {
    readonly nsPerCommitEvent: Summary;
    readonly nsPerPolledEntry: Summary;
    readonly evaluationNsPerGroupPartition: Summary;
    readonly eventsPerCycle: number;
  };
}

/** Records as Kafka 4.x writes them: key v1, value v4 (flexible), tagged fields empty. */
function offsetRecords(count: number): { key: Buffer; value: Buffer }[] {
  const string = (value: string): Buffer => {
    const utf8 = Buffer.from(value, 'utf8');
    return concat(int16(utf8.length), utf8);
  };
  const records: { key: Buffer; value: Buffer }[] = [];
  for (let index = 0; index < count; index += 1) {
    records.push({
      key: concat(int16(1), string(`group-${index % 200}`), string(`topic-${index % 50}`), int32(index % 64)),
      value: concat(
        int16(4),
        int64(1_000_000 + index),
        int32(5),
        compactString(''),
        int64(T0 + index),
        noTags,
      ),
    });
  }
  return records;
}

function measureDecode(count: number, repetitions: number): CommitLagAccuracyResult['decode'] {
  const records = offsetRecords(count);
  const ns: number[] = [];
  let sink = 0;
  for (let rep = 0; rep < repetitions + 1; rep += 1) {
    collectGarbage();
    const started = nowNs();
    for (const { key, value } of records) {
      const record = decodeOffsetsTopicRecord(key, value);
      if (record.kind === 'commit') sink += record.offset;
    }
    const elapsed = nowNs() - started;
    if (rep > 0) ns.push(elapsed / count); // the first pass warms up the JIT
  }
  if (sink === 0) throw new Error('decoded no commit');
  return { nsPerRecord: summarize(ns), recordsPerSecond: summarize(ns.map((value) => 1e9 / value)) };
}

/** Apply cost: one cycle of G groups × P partitions, with E commit events each, polled, or neither. */
function measureApply(
  groups: number,
  partitions: number,
  eventsPerPartition: number,
  repetitions: number,
): CommitLagAccuracyResult['apply'] {
  const names = Array.from({ length: groups }, (_, index) => `group-${index}`);
  const observation = (cycle: number, commitLog: 'events' | 'empty' | 'none'): ClusterObservation => {
    const nowMs = T0 + cycle * 1000;
    const logEnd = cycle * 100;
    const events: CommitEvent[] = [];
    if (commitLog === 'events')
      for (const group of names)
        for (let partition = 0; partition < partitions; partition += 1)
          for (let index = 0; index < eventsPerPartition; index += 1)
            events.push({
              group,
              topic: TOPIC,
              partition,
              offset: logEnd - 100 + index,
              commitTimeMs: nowMs - 1000 + ((index + 1) * 1000) / (eventsPerPartition + 1),
            });
    return {
      observedAtMs: nowMs,
      groups: names.map((group) => ({
        description: {
          group,
          groupType: 'classic',
          state: 'Stable',
          kafkaState: 'Stable',
          protocolType: 'consumer',
          members: [
            {
              memberId: `${group}-1`,
              clientId: group,
              clientHost: '/127.0.0.1',
              assignment: [{ topic: TOPIC, partitions: Array.from({ length: partitions }, (_, p) => p) }],
            },
          ],
        },
        commits: Array.from({ length: partitions }, (_, partition) => ({
          topic: TOPIC,
          partition,
          offset: logEnd - 1,
        })),
      })),
      shareGroups: [],
      watermarks: Array.from({ length: partitions }, (_, partition) => ({
        topic: TOPIC,
        partition,
        logStartOffset: 0,
        logEndOffset: logEnd,
      })),
      recordTimestamps: new Map(),
      commitLog: commitLog === 'none' ? null : { available: true, events, backlogRecords: 0 },
    };
  };
  const kinds = ['events', 'empty', 'none'] as const;
  const stores = new Map(kinds.map((kind) => [kind, newStore(WINDOW, 1000)]));
  const timings = new Map<(typeof kinds)[number], number[]>(kinds.map((kind) => [kind, []]));
  const warmUp = 1;
  const cyclesPerTiming = 5;
  let cycle = 0;
  for (let rep = 0; rep < warmUp + repetitions; rep += 1) {
    const first = cycle + 1;
    cycle += cyclesPerTiming;
    // Each repetition runs the three shapes in a different order.
    for (const kind of rotate(kinds, rep)) {
      const inputs = Array.from({ length: cyclesPerTiming }, (_, index) => observation(first + index, kind));
      collectGarbage();
      const started = nowNs();
      for (const input of inputs) stores.get(kind)!.apply(input, 10);
      const elapsed = (nowNs() - started) / cyclesPerTiming;
      if (rep >= warmUp) timings.get(kind)!.push(elapsed);
    }
  }
  const gp = groups * partitions;
  const events = gp * eventsPerPartition;
  const empty = timings.get('empty')!;
  return {
    nsPerCommitEvent: summarize(
      timings.get('events')!.map((value, index) => (value - empty[index]!) / events),
    ),
    nsPerPolledEntry: summarize(timings.get('none')!.map((value, index) => (value - empty[index]!) / gp)),
    evaluationNsPerGroupPartition: summarize(empty.map((value) => value / gp)),
    eventsPerCycle: events,
  };
}

export async function runCommitLagAccuracyBench(options: BenchOptions): Promise<CommitLagAccuracyResult> {
  const smoke = options.smoke;
  const sizes = {
    commitEveryMs: smoke ? [1000] : [500, 1000, 5000],
    cycleEveryMs: smoke ? [1000, 5000] : [1000, 5000, 15_000],
    seeds: smoke ? 1 : 4,
    lengthMs: smoke ? 60_000 : 240_000,
    decodeRecords: smoke ? 2_000 : 100_000,
    repetitions: smoke ? 3 : 15,
    groupPartitions: smoke ? 200 : 2_000,
  };
  const acc: Accumulator = {
    errors: new Map(),
    statuses: {
      truth: emptyStatus(),
      A: emptyStatus(),
      B: emptyStatus(),
      old: emptyStatus(),
      'A-interp': emptyStatus(),
    },
    commits: 0,
    cycles: 0,
  };
  const profiles: Profile[] = [];
  let scenarios = 0;
  for (let seed = 1; seed <= sizes.seeds; seed += 1) {
    const seedProfiles = [steady(20), bursty(seed * 104_729, T0 + sizes.lengthMs + 1000), steady(1000)];
    if (seed === 1) profiles.push(...seedProfiles);
    for (const profile of seedProfiles)
      for (const commitEveryMs of sizes.commitEveryMs)
        for (const cycleEveryMs of sizes.cycleEveryMs) {
          simulate(
            {
              profile,
              commitEveryMs,
              cycleEveryMs,
              seed: seed * 7919 + commitEveryMs * 31 + cycleEveryMs,
              lengthMs: sizes.lengthMs,
            },
            acc,
          );
          scenarios += 1;
        }
    options.log(`commit-lag: seed ${seed}/${sizes.seeds} simulated`);
  }
  const maxM = Math.max(...sizes.cycleEveryMs);
  const errors: ErrorRow[] = [];
  for (const estimator of estimatorIds)
    for (const profile of profiles) {
      const samples = errorSamples(acc, estimator, profile);
      const values = samples.errors;
      const nominal =
        estimator === 'A'
          ? (profile.peakRate * (maxM + DURATION_MAX_MS)) / 1000
          : estimator === 'B'
            ? (profile.peakRate * (2 * maxM + DURATION_MAX_MS)) / 1000
            : null;
      errors.push({
        estimator,
        profile: profile.label,
        entries: values.length,
        unknown: samples.unknown,
        p50: percentile(values, 50),
        p99: percentile(values, 99),
        max: values.length === 0 ? Number.NaN : Math.max(...values),
        min: values.length === 0 ? Number.NaN : Math.min(...values),
        overShare:
          values.length === 0 ? Number.NaN : values.filter((error) => error < 0).length / values.length,
        nominalBound: nominal,
        violations: samples.violations,
        worstBoundRatio: estimator === 'A' || estimator === 'B' ? samples.worstBoundRatio : null,
      });
    }
  const share = (part: number, whole: number): number => (whole === 0 ? Number.NaN : part / whole);
  const statuses: StatusRow[] = (['truth', ...estimatorIds] as const).map((estimator) => {
    const counts = acc.statuses[estimator];
    const by = counts.byConsumer;
    return {
      estimator,
      cycles: counts.cycles,
      agreement: share(counts.agree, counts.cycles),
      caughtUpOk: share(by['caught-up'].ok, by['caught-up'].cycles),
      lag47Warn: share(by['lag-47'].warn, by['lag-47'].cycles),
      halfRateWarn: share(by['half-rate'].warn, by['half-rate'].cycles),
      stalledStall: share(by.stalled.stall, by.stalled.cycles),
    };
  });
  options.log('commit-lag: measuring decode and apply cost');
  const decode = measureDecode(sizes.decodeRecords, sizes.repetitions);
  const apply = measureApply(sizes.groupPartitions / 10, 10, 5, sizes.repetitions);
  await Promise.resolve();
  return { sizes, scenarios, commits: acc.commits, cycles: acc.cycles, errors, statuses, decode, apply };
}

const percent = (value: number): string => (Number.isNaN(value) ? 'n/a' : `${num(value * 100, 1)} %`);

export function renderCommitLagAccuracy(result: CommitLagAccuracyResult): Section {
  const { sizes } = result;
  const errorTable: Table = {
    caption: 'Stored lag versus the true lag at the commit (error = true − estimate, messages)',
    headers: [
      'estimator',
      'produce',
      'entries (unknown)',
      'p50',
      'p99',
      'max',
      'min',
      'estimate > true',
      'nominal bound',
      'worst error ÷ per-commit bound',
      'bound violations',
    ],
    rows: result.errors.map((row) => [
      row.estimator,
      row.profile,
      `${num(row.entries)} (${num(row.unknown)})`,
      num(row.p50, 1),
      num(row.p99, 1),
      num(row.max),
      num(row.min),
      percent(row.overShare),
      row.nominalBound === null ? '–' : num(row.nominalBound),
      row.worstBoundRatio === null ? '–' : num(row.worstBoundRatio, 2),
      row.estimator === 'A' || row.estimator === 'B' ? num(row.violations) : '–',
    ]),
  };
  const statusTable: Table = {
    caption: `Partition status at every cycle (window ${WINDOW}), against the rules run on the true lags at commit`,
    headers: [
      'window fed by',
      'cycles',
      'agreement with truth',
      'caught-up: OK',
      'constant lag 47: WARN',
      'half rate: WARN',
      'stalled: STALL',
    ],
    rows: result.statuses.map((row) => [
      row.estimator === 'truth' ? 'truth (true lag at commit)' : estimatorLabels[row.estimator],
      num(row.cycles),
      percent(row.agreement),
      percent(row.caughtUpOk),
      percent(row.lag47Warn),
      percent(row.halfRateWarn),
      percent(row.stalledStall),
    ]),
  };
  const costTable: Table = {
    caption: `Cost, median (min–max) over ${sizes.repetitions} repetitions`,
    headers: ['what', 'figure'],
    rows: [
      ['decode a __consumer_offsets commit (key v1, value v4), ns/record', range(result.decode.nsPerRecord)],
      ['decode, records/s', range(result.decode.recordsPerSecond)],
      [
        `store apply, per commit event (${num(result.apply.eventsPerCycle)} events a cycle), ns`,
        range(result.apply.nsPerCommitEvent),
      ],
      ['store apply, per polled entry (polling mode), ns', range(result.apply.nsPerPolledEntry)],
      [
        `store apply without entries, per group-partition (${num(sizes.groupPartitions)}; evaluation), ns`,
        range(result.apply.evaluationNsPerGroupPartition),
      ],
    ],
  };
  const bad = result.errors.filter(
    (row) => (row.estimator === 'A' || row.estimator === 'B') && (row.violations > 0 || row.overShare > 0),
  );
  const aB = result.statuses.filter((row) => row.estimator === 'A' || row.estimator === 'B');
  return {
    title: 'Lag at commit time: accuracy and cost',
    intro: [
      'In process, no broker; seeded, so every figure but the timings is the same on every run. ' +
        `Produce processes: steady 20/s, bursty on/off Poisson (200/s bursts of 1 s mean, 9 s mean quiet; seeded), steady 1,000/s. ` +
        'Four groups commit on the same partition: caught up (commits the true log end), a constant lag of 47, half the produce rate, and stalled (one offset forever, members stay). ' +
        `Commits every N ∈ {${sizes.commitEveryMs.map((ms) => num(ms / 1000, 1)).join(', ')}} s, agent cycles every M ∈ {${sizes.cycleEveryMs.map((ms) => num(ms / 1000)).join(', ')}} s, each taking D = ${DURATION_MIN_MS}–${DURATION_MAX_MS} ms, at random phases (${sizes.seeds} seed(s), ${num(sizes.lengthMs / 1000)} s simulated each: ${num(result.scenarios)} scenarios, ${num(result.commits)} commits, ${num(result.cycles)} cycles). ` +
        'Within a cycle the log end, the commit log and the committed offsets are read at random moments; the observation is stamped at its end.',
      'Ground truth is the true log end at each commit instant. A and B are the real ClusterLagStore in commit-log and polling mode (B scored on the entries of a moved offset: those stand for a commit); ' +
        '"old" is the lag the store kept before issue 24 (log end at the poll − polled offset, an entry per cycle); A-interp interpolates the sampled log ends linearly to the commit time (reference only). ' +
        'Statuses: the real store for A and B, the real CommitWindow and evaluatePartitionStatus with the store’s inputs for the others and for the truth.',
    ],
    tables: [errorTable, statusTable, costTable],
    notes: [
      `Stated bounds: A 0 ≤ error ≤ r_max·(M+D), B 0 ≤ error ≤ r_max·(2M+D). Each entry is checked against the records actually produced in that span before its commit (the per-commit bound, which is r_max·span with the empirical r_max); "nominal bound" uses the peak rate and the largest M. ${bad.length === 0 ? 'No entry of A or B is outside its bound or above the true lag.' : `BOUND VIOLATED: ${bad.map((row) => `${row.estimator} on ${row.profile} (${row.violations} entries, ${percent(row.overShare)} above truth)`).join('; ')}.`}`,
      `Caught-up consumer OK in ${aB.map((row) => `${row.estimator}: ${percent(row.caughtUpOk)}`).join(', ')} of its cycles (required: 100 %).`,
      `A-interp is closer (smaller p99) but overestimates whenever production is uneven between two samples (${result.errors
        .filter((row) => row.estimator === 'A-interp')
        .map((row) => `${percent(row.overShare)} of entries on ${row.profile}`)
        .join(
          ', ',
        )}): the caught-up guarantee no longer holds by construction (here the caught-up consumer was OK in ${percent(result.statuses.find((row) => row.estimator === 'A-interp')?.caughtUpOk ?? Number.NaN)} of its cycles).`,
      'Agreement with the truth is low for every estimator on the trend rule alone: on exact lags the constant-47 and half-rate consumers are WARN, while a sampled log end makes the stored lags jitter and a decrease shows (docs/concepts.md, and Burrow has the same property).',
      'The old poll-time lag overestimates by the records produced since the commit, which is why a caught-up consumer under steady traffic showed WARN (issue 24).',
      'The decode cost is the real codec on buffers already in memory (no fetch, no record batch parsing); the apply costs are differences between cycles of the same store shape with and without entries.',
    ],
  };
}
