import {
  recordKey,
  type ClusterObservation,
  type ObservedGroup,
  type ObservedShareGroup,
} from '../collector/collect-cycle';
import { type GroupMember, type GroupType } from '../protocol/cluster-state';
import { ClusterLagStore } from './cluster-lag-store';

const member: GroupMember = {
  memberId: 'consumer-1-abc',
  clientId: 'consumer-1',
  clientHost: '/127.0.0.1',
  assignment: [{ topic: 'orders', partitions: [0, 1] }],
};

function store() {
  return new ClusterLagStore({
    cluster: 'local',
    windowSize: 3,
    defaultThresholds: { warnSeconds: 10, errSeconds: 60 },
    groupThresholds: [{ group: /^slow-/, warnSeconds: 100, errSeconds: 600 }],
    intervalMs: 1000,
  });
}

function group(
  name: string,
  commits: [number, number | null][],
  members: GroupMember[] = [member],
  groupType: GroupType = 'classic',
): ObservedGroup {
  const state = members.length > 0 ? 'Stable' : 'Empty';
  return {
    description: { group: name, groupType, state, kafkaState: state, protocolType: 'consumer', members },
    commits: commits.map(([partition, offset]) => ({ topic: 'orders', partition, offset })),
  };
}

function observation(
  atMs: number,
  groups: ObservedGroup[],
  ends: [number, number][] = [
    [0, 100],
    [1, 50],
  ],
  timestamps: [number, number, number][] = [],
  shareGroups: ObservedShareGroup[] = [],
): ClusterObservation {
  return {
    observedAtMs: atMs,
    groups,
    shareGroups,
    watermarks: ends.map(([partition, end]) => ({
      topic: 'orders',
      partition,
      logStartOffset: 0,
      logEndOffset: end,
    })),
    recordTimestamps: new Map(
      timestamps.map(([partition, offset, ts]) => [recordKey('orders', partition, offset), ts]),
    ),
    commitLog: null,
  };
}

describe('ClusterLagStore', () => {
  it('computes exact lag per partition, topic and group, with time lag from record timestamps', () => {
    const snapshot = store().apply(
      observation(
        100_000,
        [
          group('billing', [
            [0, 90],
            [1, null],
          ]),
        ],
        undefined,
        [[0, 90, 97_500]],
      ),
      25,
    );
    const billing = snapshot.groups[0];
    expect(billing?.partitions.map((p) => [p.partition, p.lagMessages, p.lagSeconds, p.memberId])).toEqual([
      [0, 10, 2.5, 'consumer-1-abc'],
      [1, null, null, 'consumer-1-abc'],
    ]);
    expect(billing?.lagMessages).toBe(10);
    expect(billing?.lagSeconds).toBe(2.5);
    expect(billing?.topics[0]).toMatchObject({
      topic: 'orders',
      lagMessages: 10,
      lagSeconds: 2.5,
      retentionRisk: 0.1,
    });
    expect(billing?.members).toEqual([
      { memberId: 'consumer-1-abc', clientId: 'consumer-1', host: '/127.0.0.1', assignedPartitions: 2 },
    ]);
    expect(snapshot.health).toMatchObject({ up: true, lastSuccessMs: 100_000, lastCycleDurationMs: 25 });
    expect(snapshot.topics).toEqual([
      {
        topic: 'orders',
        partitions: [
          { partition: 0, logStartOffset: 0, logEndOffset: 100 },
          { partition: 1, logStartOffset: 0, logEndOffset: 50 },
        ],
      },
    ]);
  });

  it('reports STALL for a group with members whose offset does not move while it has lag', () => {
    const lagStore = store();
    let snapshot;
    // Polling: the first poll has no earlier log end to bound the lag with, so it is stored as
    // 0 (the only lower bound) and the group is OK until that entry leaves the window of 3.
    for (let cycle = 0; cycle < 3; cycle++) {
      snapshot = lagStore.apply(observation(1000 * cycle, [group('stuck', [[0, 40]])]), 1);
      expect(snapshot.groups[0]?.partitions[0]?.status).toBe('OK');
    }
    snapshot = lagStore.apply(observation(3000, [group('stuck', [[0, 40]])]), 1);
    expect(snapshot?.groups[0]?.partitions[0]?.status).toBe('STALL');
    expect(snapshot?.groups[0]?.status).toBe('ERR');
    expect(snapshot?.groups[0]?.statusReasons[0]?.partitions).toEqual([{ topic: 'orders', partition: 0 }]);
  });

  it('reports STOP for an Empty group that stopped committing, and keeps reporting its lag', () => {
    const lagStore = store();
    lagStore.apply(observation(0, [group('gone-quiet', [[0, 10]], [])]), 1);
    lagStore.apply(observation(1000, [group('gone-quiet', [[0, 20]], [])]), 1);
    const snapshot = lagStore.apply(observation(60_000, [group('gone-quiet', [[0, 20]], [])]), 1);
    const quiet = snapshot.groups[0];
    expect(quiet?.state).toBe('Empty');
    expect(quiet?.lagMessages).toBe(80);
    expect(quiet?.partitions[0]?.status).toBe('STOP');
    expect(quiet?.status).toBe('ERR');
  });

  it('measures velocity and time to drain from consecutive cycles', () => {
    const lagStore = store();
    lagStore.apply(observation(0, [group('draining', [[0, 0]])], [[0, 100]]), 1);
    // In 10 s the group consumed 100 and producers added 50: the lag fell from 100 to 50.
    const snapshot = lagStore.apply(observation(10_000, [group('draining', [[0, 100]])], [[0, 150]]), 1);
    const topic = snapshot.groups[0]?.topics[0];
    expect(topic?.lagVelocity).toBe(-5);
    expect(topic?.timeToDrainSeconds).toBe(10); // 50 ÷ (10 − 5)
  });

  it('drops departed groups and partitions on the next cycle', () => {
    const lagStore = store();
    lagStore.apply(
      observation(0, [
        group('a', [
          [0, 1],
          [1, 1],
        ]),
        group('b', [[0, 1]]),
      ]),
      1,
    );
    const snapshot = lagStore.apply(observation(1000, [group('a', [[0, 2]])], [[0, 100]]), 1);
    expect(snapshot.groups.map((g) => g.group)).toEqual(['a']);
    expect(snapshot.groups[0]?.partitions.map((p) => p.partition)).toEqual([0]);
    expect(snapshot.topics[0]?.partitions.map((p) => p.partition)).toEqual([0]);
  });

  it('applies per-group thresholds', () => {
    const snapshot = store().apply(
      observation(100_000, [group('slow-etl', [[0, 90]]), group('fast', [[0, 90]])], undefined, [
        [0, 90, 50_000],
      ]),
      1,
    );
    expect(snapshot.groups.map((g) => [g.group, g.thresholdStatus, g.thresholds.warnSeconds])).toEqual([
      ['slow-etl', 'OK', 100],
      ['fast', 'WARN', 10],
    ]);
  });

  it("keeps a group's commit window and series when it moves from the classic to the consumer protocol", () => {
    const lagStore = store();
    lagStore.apply(observation(0, [group('moving', [[0, 10]])]), 1);
    lagStore.apply(observation(1000, [group('moving', [[0, 20]], [])]), 1);
    const snapshot = lagStore.apply(observation(2000, [group('moving', [[0, 30]], [member], 'consumer')]), 1);
    const moving = snapshot.groups[0];
    expect([moving?.groupType, moving?.state, moving?.lagMessages]).toEqual(['consumer', 'Stable', 70]);
    // Three commits in a window of three: the window survived the move, so the rule is not "window-incomplete".
    expect(moving?.partitions[0]?.status).toBe('OK');
    expect(moving?.statusReasons).toEqual([]);
    expect(moving?.status).toBe('OK');
  });

  it('reports share groups apart, with Kafka share lag and no committed-offset lag', () => {
    const audit: ObservedShareGroup = {
      description: {
        group: 'audit',
        groupType: 'share',
        state: 'Stable',
        kafkaState: 'Stable',
        protocolType: 'share',
        members: [member],
      },
      offsets: [
        { topic: 'orders', partition: 1, startOffset: null, lag: null },
        { topic: 'orders', partition: 0, startOffset: 60, lag: 40 },
      ],
    };
    const snapshot = store().apply(observation(1000, [], undefined, [], [audit]), 1);
    expect(snapshot.groups).toEqual([]);
    expect(snapshot.shareGroups).toEqual([
      {
        group: 'audit',
        groupType: 'share',
        state: 'Stable',
        kafkaState: 'Stable',
        protocolType: 'share',
        members: [
          { memberId: 'consumer-1-abc', clientId: 'consumer-1', host: '/127.0.0.1', assignedPartitions: 2 },
        ],
        lagMessages: 40,
        partitions: [
          { topic: 'orders', partition: 0, startOffset: 60, lagMessages: 40 },
          { topic: 'orders', partition: 1, startOffset: null, lagMessages: null },
        ],
      },
    ]);
    const unknown = store().apply(
      observation(1000, [], undefined, [], [{ ...audit, offsets: [audit.offsets[0]!] }]),
      1,
    );
    expect(unknown.shareGroups[0]?.lagMessages).toBeNull();
  });

  it('keeps the last good groups and marks the collector down on failure', () => {
    const lagStore = store();
    lagStore.apply(observation(0, [group('a', [[0, 1]])]), 1);
    lagStore.recordFailure(new Error('connect ECONNREFUSED 127.0.0.1:9092'), 5000);
    const snapshot = lagStore.snapshot();
    expect(snapshot.groups.map((g) => g.group)).toEqual(['a']);
    expect(snapshot.health).toEqual({
      up: false,
      lastSuccessMs: 0,
      lastCycleDurationMs: 5000,
      lastError: 'connect ECONNREFUSED 127.0.0.1:9092',
      successfulCycles: 1,
      failedCycles: 1,
      commitSource: 'polling',
      commitLogBacklogRecords: 0,
    });
  });
});
