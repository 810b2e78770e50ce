import {
  recordKey,
  type ClusterObservation,
  type ObservedGroup,
  type ObservedShareGroup,
} from '../collector/collect-cycle';
import { CommitWindow, type CommitWindowSnapshot } from '../evaluator/commit-window';
import { evaluateGroupStatus, type EvaluatedPartition } from '../evaluator/group-status';
import { evaluatePartitionStatus } from '../evaluator/partition-status';
import {
  evaluateThresholdStatus,
  thresholdsForGroup,
  type GroupThresholdOverride,
  type TimeLagThresholds,
} from '../evaluator/threshold-status';
import {
  lagVelocity,
  offsetRate,
  retentionRisk,
  timeToDrainSeconds,
  type LagObservation,
} from '../lag/lag-dynamics';
import { OffsetHistory } from '../lag/offset-history';
import { partitionLag } from '../lag/partition-lag';
import { timeLag } from '../lag/time-lag';
import {
  partitionKey,
  type CommitEvent,
  type GroupDescription,
  type PartitionWatermarks,
} from '../protocol/cluster-state';
import {
  type ClusterLagSnapshot,
  type CollectorHealth,
  type GroupLagView,
  type MemberView,
  type PartitionLagView,
  type ShareGroupView,
  type TopicLagView,
} from '../protocol/lag-snapshot';

/** Evaluation settings of one cluster's store. */
export interface LagStoreOptions {
  readonly cluster: string;
  readonly windowSize: number;
  readonly defaultThresholds: TimeLagThresholds;
  readonly groupThresholds: readonly GroupThresholdOverride[];
  /** Collection interval; spaces the log end history. */
  readonly intervalMs: number;
  /**
   * Burrow's `min-distance`: a commit less than this after the latest window entry updates
   * that entry instead of taking a slot. Default 0: every commit takes a slot.
   */
  readonly minDistanceMs?: number;
}

// Lag observations kept per group topic for the velocity fit: a few cycles smooth out
// the sawtooth of batch commits without hiding a trend for long.
const VELOCITY_POINTS = 6;

interface PartitionState {
  readonly window: CommitWindow;
  lastCommittedOffset: number | null;
  /**
   * When the cycle that last polled this committed offset started (r_{k−1} of the polling
   * rule): a commit first seen by the next poll was made after it. Null before the first poll.
   */
  lastReadMs: number | null;
  lastSeenMs: number;
  previous: { committedOffset: number | null; logEndOffset: number; timeMs: number } | null;
}

const emptyHealth: CollectorHealth = {
  up: false,
  lastSuccessMs: null,
  lastCycleDurationMs: null,
  lastError: null,
  successfulCycles: 0,
  failedCycles: 0,
};

function groupPartitionKey(group: string, topic: string, partition: number): string {
  return `${group}\u0000${partitionKey(topic, partition)}`;
}

/** Members with their partition counts, and the owner of each assigned partition. */
function memberViews(description: GroupDescription): { members: MemberView[]; owners: Map<string, string> } {
  const owners = new Map<string, string>();
  const members = description.members.map((member): MemberView => {
    let assignedPartitions = 0;
    for (const { topic, partitions } of member.assignment) {
      for (const partition of partitions) owners.set(partitionKey(topic, partition), member.memberId);
      assignedPartitions += partitions.length;
    }
    return {
      memberId: member.memberId,
      clientId: member.clientId,
      host: member.clientHost,
      assignedPartitions,
    };
  });
  return { members, owners };
}

/**
 * A share group as Kafka reports it: no commit window or status is kept, because share
 * groups have no committed offsets to evaluate; lag is Kafka's share lag, as is.
 */
function shareGroupView({ description, offsets }: ObservedShareGroup): ShareGroupView {
  const partitions = [...offsets]
    .sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1))
    .map((offset) => ({
      topic: offset.topic,
      partition: offset.partition,
      startOffset: offset.startOffset,
      lagMessages: offset.lag,
    }));
  const known = partitions.flatMap((partition) =>
    partition.lagMessages === null ? [] : [partition.lagMessages],
  );
  return {
    group: description.group,
    groupType: 'share',
    state: description.state,
    kafkaState: description.kafkaState,
    protocolType: description.protocolType,
    members: memberViews(description).members,
    lagMessages: known.length === 0 ? null : known.reduce((sum, lag) => sum + lag, 0),
    partitions,
  };
}

function maxOrNull(values: readonly (number | null)[]): number | null {
  let max: number | null = null;
  for (const value of values) if (value !== null && (max === null || value > max)) max = value;
  return max;
}

/** True when `event` can be recorded: a real offset (or a tombstone) at a real time. */
function isRecordable(event: CommitEvent): boolean {
  return (
    Number.isFinite(event.commitTimeMs) &&
    (event.offset === null || (Number.isSafeInteger(event.offset) && event.offset >= 0))
  );
}

/**
 * The agent's memory of one cluster: log end histories, commit windows and lag trends,
 * plus the last evaluated snapshot and the collector's health. Every cycle's observation
 * replaces what it covers and drops what it no longer contains, so deleted groups,
 * departed members and unassigned partitions leave no stale series behind.
 *
 * Commit windows (the input of the Burrow rules) are fed in one of two ways per cycle:
 * - **commit log** (`observation.commitLog.available`): one entry per commit read from
 *   `__consumer_offsets`, at its commit time, with the lag against the latest log end sampled
 *   at or before that time (Burrow's rule; null when no sample is that old). An offset
 *   tombstone clears the group's window on that partition. Polls add no entries.
 * - **polling** (no commit log, or not readable this cycle): an entry per cycle in which the
 *   committed offset changed, and for a group with members also per cycle in which it did not
 *   (a member that keeps the same offset is stalled), stamped with the cycle time. Its lag is
 *   a lower bound: the commit came after the previous poll, so the log end sampled at or before
 *   that poll is at or below the log end at the commit.
 *
 * In both modes the polled committed offset drives the lag metrics and the current lag that
 * gates the rules, and a caught-up consumer is stored with lag 0 at the commits it makes.
 */
export class ClusterLagStore {
  private readonly histories = new Map<string, OffsetHistory>();
  private readonly recentLogEnds = new Map<string, number[]>();
  private readonly partitionStates = new Map<string, PartitionState>();
  private readonly minDistanceMs: number;
  private readonly topicLagTrends = new Map<string, LagObservation[]>();
  private health: CollectorHealth = emptyHealth;
  private current: ClusterLagSnapshot;

  constructor(private readonly options: LagStoreOptions) {
    this.minDistanceMs = options.minDistanceMs ?? 0;
    // Checked here, not first at a group's first commit, so a bad setting fails at start-up.
    new CommitWindow({ size: options.windowSize, minDistanceMs: this.minDistanceMs });
    this.current = {
      cluster: options.cluster,
      health: emptyHealth,
      observedAtMs: null,
      groups: [],
      shareGroups: [],
      topics: [],
    };
  }

  /** The last evaluated snapshot with the current health. */
  snapshot(): ClusterLagSnapshot {
    return this.current;
  }

  /**
   * The commit window of `group` on a partition, oldest entry first; null when the store
   * keeps none. For inspection and tests: the status rules read the same entries.
   */
  commitWindow(group: string, topic: string, partition: number): CommitWindowSnapshot | null {
    return this.partitionStates.get(groupPartitionKey(group, topic, partition))?.window.snapshot() ?? null;
  }

  /** Records a failed cycle: lag series stay at the last good values, health says they are stale. */
  recordFailure(error: unknown, durationMs: number): void {
    this.health = {
      ...this.health,
      up: false,
      lastCycleDurationMs: durationMs,
      lastError: error instanceof Error ? error.message : String(error),
      failedCycles: this.health.failedCycles + 1,
    };
    this.current = { ...this.current, health: this.health };
  }

  /** Applies a successful cycle's observation and evaluates every group. */
  apply(observation: ClusterObservation, durationMs: number): ClusterLagSnapshot {
    const nowMs = observation.observedAtMs;
    // Committed offsets were read after the cycle started: the polling rule's r_k.
    const readStartMs = Math.max(0, nowMs - Math.max(0, durationMs));
    const watermarks = new Map<string, PartitionWatermarks>();
    for (const mark of observation.watermarks) {
      const key = partitionKey(mark.topic, mark.partition);
      watermarks.set(key, mark);
      let history = this.histories.get(key);
      if (!history) {
        history = new OffsetHistory({ minSpacingMs: this.options.intervalMs / 2 });
        this.histories.set(key, history);
      }
      // Stamped when the answer arrived: never before the log end was measured (so it stays a lower
      // bound), and without the varying rest of the cycle, which made the sample a commit is measured
      // against alternate between cycles for a consumer committing at a fixed phase.
      history.observe(mark.logEndOffset, Math.min(nowMs, observation.watermarksAtMs ?? nowMs));
      // The STOP lookback: the log ends of the last windowSize cycles, as Burrow keeps the last
      // `intervals` broker offsets.
      const recent = [...(this.recentLogEnds.get(key) ?? []), mark.logEndOffset].slice(
        -this.options.windowSize,
      );
      this.recentLogEnds.set(key, recent);
    }
    for (const key of this.histories.keys()) if (!watermarks.has(key)) this.histories.delete(key);
    for (const key of this.recentLogEnds.keys()) if (!watermarks.has(key)) this.recentLogEnds.delete(key);

    const commitLog = observation.commitLog;
    const fromCommitLog = commitLog !== null && commitLog.available;
    if (fromCommitLog) {
      // Entries polled before the commit log became readable are stamped with cycle times,
      // later than the commits the reader replays from its start position: those would all
      // merge into the latest entry. The replayed commits rebuild the windows instead.
      if (this.health.commitSource === 'polling') {
        for (const state of this.partitionStates.values()) state.window.clear();
      }
      this.recordCommitEvents(commitLog.events, observation.groups, watermarks, nowMs);
    }

    const seenPartitions = new Set<string>();
    const seenTopicTrends = new Set<string>();
    const groups = observation.groups.map((group) =>
      this.evaluateGroup(group, {
        watermarks,
        recordTimestamps: observation.recordTimestamps,
        nowMs,
        readStartMs,
        fromCommitLog,
        seenPartitions,
        seenTopicTrends,
      }),
    );
    for (const key of this.partitionStates.keys())
      if (!seenPartitions.has(key)) this.partitionStates.delete(key);
    for (const key of this.topicLagTrends.keys())
      if (!seenTopicTrends.has(key)) this.topicLagTrends.delete(key);

    this.health = {
      up: true,
      lastSuccessMs: nowMs,
      lastCycleDurationMs: durationMs,
      lastError: null,
      successfulCycles: this.health.successfulCycles + 1,
      failedCycles: this.health.failedCycles,
      commitSource: fromCommitLog ? 'offsets_topic' : 'polling',
      commitLogBacklogRecords: fromCommitLog ? commitLog.backlogRecords : 0,
    };
    const topics = new Map<string, { partition: number; logStartOffset: number; logEndOffset: number }[]>();
    for (const mark of observation.watermarks) {
      const list = topics.get(mark.topic) ?? [];
      list.push({
        partition: mark.partition,
        logStartOffset: mark.logStartOffset,
        logEndOffset: mark.logEndOffset,
      });
      topics.set(mark.topic, list);
    }
    this.current = {
      cluster: this.options.cluster,
      health: this.health,
      observedAtMs: nowMs,
      groups,
      shareGroups: observation.shareGroups.map(shareGroupView),
      topics: [...topics].map(([topic, partitions]) => ({
        topic,
        partitions: partitions.sort((a, b) => a.partition - b.partition),
      })),
    };
    return this.current;
  }

  private partitionState(stateKey: string, nowMs: number): PartitionState {
    let state = this.partitionStates.get(stateKey);
    if (!state) {
      state = {
        window: new CommitWindow({ size: this.options.windowSize, minDistanceMs: this.minDistanceMs }),
        lastCommittedOffset: null,
        lastReadMs: null,
        lastSeenMs: nowMs,
        previous: null,
      };
      this.partitionStates.set(stateKey, state);
    }
    return state;
  }

  /**
   * Commit-log mode: one window entry per commit of a collected group on a partition whose log
   * end the cycle read, in log order. The lag is the one at the commit: against the latest log
   * end sampled at or before the commit time, null when none is that old. A commit stamped
   * before the window's latest entry merges into it (see `CommitWindow.record`).
   */
  private recordCommitEvents(
    events: readonly CommitEvent[],
    groups: readonly ObservedGroup[],
    watermarks: ReadonlyMap<string, PartitionWatermarks>,
    nowMs: number,
  ): void {
    const collected = new Set(groups.map((group) => group.description.group));
    for (const event of events) {
      if (!collected.has(event.group) || !isRecordable(event)) continue;
      const key = partitionKey(event.topic, event.partition);
      // Like Burrow, a commit on a partition whose log end is unknown is not recorded.
      if (!watermarks.has(key)) continue;
      const state = this.partitionState(groupPartitionKey(event.group, event.topic, event.partition), nowMs);
      if (event.offset === null) {
        state.window.clear();
        continue;
      }
      const commitTimeMs = Math.max(0, event.commitTimeMs);
      state.window.record({
        offset: event.offset,
        timestampMs: commitTimeMs,
        logEndOffset: this.histories.get(key)?.logEndAtOrBefore(commitTimeMs) ?? null,
        // The commit log is read before the watermarks, so this cycle's log end came after the
        // commit: the most its lag can have been.
        logEndOffsetAfter: watermarks.get(key)?.logEndOffset ?? null,
      });
    }
  }

  private evaluateGroup(
    { description, commits }: ObservedGroup,
    cycle: {
      readonly watermarks: ReadonlyMap<string, PartitionWatermarks>;
      readonly recordTimestamps: ReadonlyMap<string, number>;
      readonly nowMs: number;
      readonly readStartMs: number;
      readonly fromCommitLog: boolean;
      readonly seenPartitions: Set<string>;
      readonly seenTopicTrends: Set<string>;
    },
  ): GroupLagView {
    const { watermarks, recordTimestamps, nowMs, seenPartitions, seenTopicTrends } = cycle;
    const group = description.group;
    const hasMembers = description.members.length > 0;
    const { members, owners } = memberViews(description);

    const partitions: PartitionLagView[] = [];
    const evaluated: EvaluatedPartition[] = [];
    const rates = new Map<string, { consumed: number; produced: number; known: boolean }>();
    const sortedCommits = [...commits].sort((a, b) =>
      a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1,
    );
    for (const { topic, partition, offset } of sortedCommits) {
      const key = partitionKey(topic, partition);
      const mark = watermarks.get(key);
      if (!mark) continue; // the topic was deleted; nothing to measure against
      const stateKey = groupPartitionKey(group, topic, partition);
      seenPartitions.add(stateKey);
      const state = this.partitionState(stateKey, nowMs);
      const history = this.histories.get(key) ?? null;
      const offsets = {
        logStartOffset: mark.logStartOffset,
        logEndOffset: mark.logEndOffset,
        committedOffset: offset,
      };
      const lag = partitionLag(offsets);
      if (!cycle.fromCommitLog) {
        // Polling cannot see commit times. A group with members that polls the same offset
        // is committing without progress (STALL); a group without members records only
        // movements, so its silence ages into STOP. The commit came after the previous poll,
        // so the log end sampled at or before that poll is a lower bound of the one at the
        // commit: a consumer that caught up after that poll is stored with lag 0.
        // Without a sample that old (the first polls of a partition) the only lower bound is
        // lag 0: polling cannot date the commit, and a null would leave the repeated offsets
        // of a consumer that commits less often than the cycle looking stalled at start-up.
        if (offset !== null && (hasMembers || offset !== state.lastCommittedOffset)) {
          const since = state.lastReadMs;
          const logEnd = since === null ? null : (history?.logEndAtOrBefore(since) ?? null);
          // This cycle's log end was read after the offsets: the most the lag can have been.
          state.window.record({
            offset,
            timestampMs: nowMs,
            logEndOffset: logEnd ?? offset,
            logEndOffsetAfter: mark.logEndOffset,
          });
        }
      } else if (offset !== null && state.window.length === 0) {
        // Committed before the commit log's read position (or its commits were not read yet):
        // one entry from the poll, lag unknown, so that a stopped group still ages into STOP.
        state.window.record({ offset, timestampMs: nowMs, logEndOffset: null });
      }
      state.lastCommittedOffset = offset;
      state.lastReadMs = cycle.readStartMs;
      const recordTimestamp =
        offset === null
          ? undefined
          : recordTimestamps.get(recordKey(topic, partition, Math.max(offset, mark.logStartOffset)));
      const estimate = timeLag({
        ...offsets,
        nowMs,
        committedRecordTimestampMs: recordTimestamp ?? null,
        history,
      });
      const recentLogEndOffsets = this.recentLogEnds.get(key) ?? [];
      const status = evaluatePartitionStatus({
        window: state.window.snapshot(),
        logEndOffset: mark.logEndOffset,
        ...(offset === null ? {} : { committedOffset: offset }),
        recentLogEndOffsets,
        lookbackComplete: recentLogEndOffsets.length >= this.options.windowSize,
        nowMs,
      });
      evaluated.push({ topic, partition, result: status });

      const rate = rates.get(topic) ?? { consumed: 0, produced: 0, known: true };
      const previous = state.previous;
      if (previous && offset !== null && previous.committedOffset !== null) {
        const consumed = offsetRate(
          { offset: previous.committedOffset, timeMs: previous.timeMs },
          { offset, timeMs: nowMs },
        );
        const produced = offsetRate(
          { offset: previous.logEndOffset, timeMs: previous.timeMs },
          { offset: mark.logEndOffset, timeMs: nowMs },
        );
        if (consumed === null || produced === null) rate.known = false;
        else {
          rate.consumed += consumed;
          rate.produced += produced;
        }
      } else if (offset !== null) rate.known = false;
      rates.set(topic, rate);
      state.previous = { committedOffset: offset, logEndOffset: mark.logEndOffset, timeMs: nowMs };

      partitions.push({
        topic,
        partition,
        committedOffset: offset,
        logStartOffset: mark.logStartOffset,
        logEndOffset: mark.logEndOffset,
        lagMessages: lag.kind === 'no-commit' ? null : lag.messages,
        lostMessages: lag.kind === 'behind-log-start' ? lag.lostMessages : 0,
        lagSeconds: estimate.seconds,
        lagSecondsMethod: estimate.method,
        status: status.status,
        memberId: owners.get(key) ?? null,
      });
    }

    const topics: TopicLagView[] = [];
    for (const topic of [...new Set(partitions.map((partition) => partition.topic))]) {
      const topicPartitions = partitions.filter((partition) => partition.topic === topic);
      const lagMessages = topicPartitions.reduce((sum, partition) => sum + (partition.lagMessages ?? 0), 0);
      const trendKey = `${group}\u0000${topic}`;
      seenTopicTrends.add(trendKey);
      const trend = [...(this.topicLagTrends.get(trendKey) ?? []), { lagMessages, timeMs: nowMs }].slice(
        -VELOCITY_POINTS,
      );
      this.topicLagTrends.set(trendKey, trend);
      const rate = rates.get(topic);
      const risks = topicPartitions.map((partition) =>
        retentionRisk({
          logStartOffset: partition.logStartOffset,
          logEndOffset: partition.logEndOffset,
          committedOffset: partition.committedOffset,
        }),
      );
      topics.push({
        topic,
        lagMessages,
        lagSeconds: maxOrNull(topicPartitions.map((partition) => partition.lagSeconds)),
        lagVelocity: lagVelocity(trend),
        timeToDrainSeconds:
          rate && rate.known
            ? timeToDrainSeconds(lagMessages, rate.consumed, rate.produced)
            : lagMessages === 0
              ? 0
              : null,
        retentionRisk: maxOrNull(risks) ?? 0,
      });
    }

    const groupStatus = evaluateGroupStatus({ found: true, partitions: evaluated });
    const thresholds = thresholdsForGroup(
      group,
      this.options.groupThresholds,
      this.options.defaultThresholds,
    );
    const thresholdStatus = evaluateThresholdStatus(
      partitions.map((partition) => ({
        topic: partition.topic,
        partition: partition.partition,
        seconds: partition.lagSeconds,
      })),
      thresholds,
    );
    return {
      group,
      groupType: description.groupType,
      state: description.state,
      kafkaState: description.kafkaState,
      protocolType: description.protocolType,
      members,
      lagMessages: partitions.reduce((sum, partition) => sum + (partition.lagMessages ?? 0), 0),
      lagSeconds: maxOrNull(partitions.map((partition) => partition.lagSeconds)),
      status: groupStatus.status,
      statusReasons:
        groupStatus.partitions.length === 0 && groupStatus.status === 'OK'
          ? []
          : [
              {
                rule: groupStatus.rule,
                message: groupStatus.reason,
                partitions: groupStatus.partitions.map(({ topic, partition }) => ({ topic, partition })),
              },
            ],
      maxLag:
        groupStatus.maxLag === null
          ? null
          : {
              topic: groupStatus.maxLag.topic,
              partition: groupStatus.maxLag.partition,
              status: groupStatus.maxLag.status,
              currentLag: groupStatus.maxLag.currentLag,
            },
      thresholdStatus: thresholdStatus.status,
      thresholdReason: thresholdStatus.reason,
      thresholds,
      topics,
      partitions,
    };
  }
}
