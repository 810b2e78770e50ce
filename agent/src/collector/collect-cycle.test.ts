import {
  partitionKey,
  type GroupDescription,
  type GroupListing,
  type GroupType,
  type PartitionOffset,
  type SharePartitionOffset,
} from '../protocol/cluster-state';
import { type ClusterSource } from './cluster-source';
import { collectCycle, recordKey, roundsWithDistinctPartitions } from './collect-cycle';

function listing(group: string, groupType: GroupType = 'classic', protocolType = 'consumer'): GroupListing {
  return { group, protocolType, groupType, state: null };
}

function description(group: string, state = 'Stable', groupType: GroupType = 'classic'): GroupDescription {
  return { group, groupType, state, kafkaState: state, protocolType: 'consumer', members: [] };
}

function fakeSource(): ClusterSource & {
  fetchedRounds: PartitionOffset[][];
  described: GroupListing[][];
  committedAsked: string[];
} {
  const fetchedRounds: PartitionOffset[][] = [];
  const described: GroupListing[][] = [];
  const committedAsked: string[] = [];
  return {
    fetchedRounds,
    described,
    committedAsked,
    listGroups: () =>
      Promise.resolve([
        listing('orders'),
        listing('billing'),
        listing('connect-sink', 'classic', 'connect'),
        listing('excluded-test'),
        listing('gone'),
      ]),
    describeGroups: (groups) => {
      described.push([...groups]);
      return Promise.resolve(
        groups.map((group) => description(group.group, group.group === 'gone' ? 'Dead' : 'Stable')),
      );
    },
    fetchCommittedOffsets: (group) => {
      committedAsked.push(group);
      return Promise.resolve(
        group === 'orders'
          ? [
              { topic: 'in', partition: 0, offset: 10 },
              { topic: 'in', partition: 1, offset: 20 },
              { topic: 'internal', partition: 0, offset: 1 },
            ]
          : [
              { topic: 'in', partition: 0, offset: 5 },
              { topic: 'in', partition: 1, offset: null },
            ],
      );
    },
    fetchWatermarks: (topics) =>
      Promise.resolve(
        topics.flatMap((topic) => [
          { topic, partition: 0, logStartOffset: 0, logEndOffset: 12 },
          { topic, partition: 1, logStartOffset: 0, logEndOffset: 20 },
        ]),
      ),
    fetchRecordTimestamps: (positions) => {
      fetchedRounds.push([...positions]);
      return Promise.resolve(
        new Map(
          positions.map((position) => [
            partitionKey(position.topic, position.partition),
            1000 + position.offset,
          ]),
        ),
      );
    },
    close: () => Promise.resolve(),
  };
}

/** A Kafka 4 cluster: one group of each type, as ListGroups v5 and the describe APIs report them. */
function kafka4Source(): ClusterSource & { committedAsked: string[]; shareAsked: string[] } {
  const base = fakeSource();
  const shareAsked: string[] = [];
  const shareOffsets: SharePartitionOffset[] = [
    { topic: 'in', partition: 0, startOffset: 3, lag: 9 },
    { topic: 'internal', partition: 0, startOffset: 0, lag: 1 },
  ];
  return {
    ...base,
    shareAsked,
    listGroups: () =>
      Promise.resolve([
        listing('classic-app'),
        { group: 'new-app', protocolType: 'consumer', groupType: 'consumer', state: 'Reconciling' },
        { group: 'workers', protocolType: 'share', groupType: 'share', state: 'Stable' },
        { group: 'streams-app', protocolType: 'streams', groupType: 'streams', state: 'Stable' },
        { group: 'future', protocolType: 'x', groupType: 'unknown', state: 'Stable' },
      ]),
    describeGroups: (groups) =>
      Promise.resolve(
        groups.map((group): GroupDescription => {
          if (group.groupType === 'consumer') {
            return {
              ...description(group.group, 'CompletingRebalance', 'consumer'),
              kafkaState: 'Reconciling',
            };
          }
          if (group.groupType === 'share') {
            return { ...description(group.group, 'Stable', 'share'), protocolType: 'share' };
          }
          return description(group.group, 'Stable', group.groupType);
        }),
      ),
    fetchShareGroupOffsets: (group) => {
      shareAsked.push(group);
      return Promise.resolve(shareOffsets);
    },
  };
}

const options = {
  includeGroup: (group: string) => !group.startsWith('excluded'),
  includeTopic: (topic: string) => topic !== 'internal',
  concurrency: 2,
  nowMs: () => 50_000,
};

describe('collectCycle', () => {
  it('reads filtered consumer groups, their commits, watermarks and timestamps of lagging commits', async () => {
    const source = fakeSource();
    const observation = await collectCycle(source, options, new Map());
    expect(observation.observedAtMs).toBe(50_000);
    expect(observation.groups.map((group) => group.description.group)).toEqual(['billing', 'orders']);
    expect(observation.groups[1]?.commits.map((commit) => commit.topic)).toEqual(['in', 'in']);
    expect(observation.watermarks.map((mark) => mark.topic)).toEqual(['in', 'in']);
    // in/0 is lagging for both groups at different offsets: two rounds, one partition each.
    // in/1 is caught up for orders (20 of 20) and uncommitted for billing: nothing to fetch.
    expect(source.fetchedRounds).toEqual([
      [{ topic: 'in', partition: 0, offset: 5 }],
      [{ topic: 'in', partition: 0, offset: 10 }],
    ]);
    expect([...observation.recordTimestamps]).toEqual([
      [recordKey('in', 0, 5), 1005],
      [recordKey('in', 0, 10), 1010],
    ]);
  });

  it('reuses cached timestamps and drops cache entries no longer needed', async () => {
    const source = fakeSource();
    const cache = new Map([
      [recordKey('in', 0, 10), 777],
      [recordKey('in', 0, 3), 1],
    ]);
    const observation = await collectCycle(source, options, cache);
    expect(source.fetchedRounds).toEqual([[{ topic: 'in', partition: 0, offset: 5 }]]);
    expect(observation.recordTimestamps.get(recordKey('in', 0, 10))).toBe(777);
    expect([...cache.keys()].sort()).toEqual([recordKey('in', 0, 10), recordKey('in', 0, 5)].sort());
  });

  it('treats a record without a timestamp (-1) as unknown', async () => {
    const source = fakeSource();
    source.fetchRecordTimestamps = (positions) =>
      Promise.resolve(
        new Map(positions.map((position) => [partitionKey(position.topic, position.partition), -1])),
      );
    const cache = new Map<string, number>();
    const observation = await collectCycle(source, options, cache);
    expect([...observation.recordTimestamps]).toEqual([]);
    expect(cache.size).toBe(0);
  });

  it('describes only the groups it reports, and fetches commits only for groups that are not Dead', async () => {
    const source = fakeSource();
    await collectCycle(source, options, new Map());
    expect(source.described).toEqual([[listing('billing'), listing('gone'), listing('orders')]]);
    expect(source.committedAsked.sort()).toEqual(['billing', 'orders']);
  });

  it('keeps consumer-protocol groups like classic ones, and reads share groups without commits', async () => {
    const source = kafka4Source();
    const observation = await collectCycle(source, options, new Map());
    // KIP-848 groups are not dropped (classic DescribeGroups calls them Dead; their own API does not).
    expect(observation.groups.map((group) => [group.description.group, group.description.groupType])).toEqual(
      [
        ['classic-app', 'classic'],
        ['new-app', 'consumer'],
        ['streams-app', 'streams'],
      ],
    );
    const newApp = observation.groups.find((group) => group.description.group === 'new-app');
    expect(newApp?.description).toMatchObject({ state: 'CompletingRebalance', kafkaState: 'Reconciling' });
    expect(newApp?.commits).toEqual([
      { topic: 'in', partition: 0, offset: 5 },
      { topic: 'in', partition: 1, offset: null },
    ]);
    // Share groups: no OffsetFetch (they commit nothing), their share offsets instead, topic filter applied.
    expect(source.committedAsked.sort()).toEqual(['classic-app', 'new-app', 'streams-app']);
    expect(source.shareAsked).toEqual(['workers']);
    expect(observation.shareGroups).toEqual([
      {
        description: expect.objectContaining({ group: 'workers', groupType: 'share' }) as GroupDescription,
        offsets: [{ topic: 'in', partition: 0, startOffset: 3, lag: 9 }],
      },
    ]);
    // A type newer than the agent is not guessed at.
    expect(observation.groups.map((group) => group.description.group)).not.toContain('future');
  });

  it('reports share groups without progress when the source cannot read share offsets', async () => {
    const source = kafka4Source();
    delete source.fetchShareGroupOffsets;
    const observation = await collectCycle(source, options, new Map());
    expect(observation.shareGroups.map((group) => [group.description.group, group.offsets])).toEqual([
      ['workers', []],
    ]);
  });

  it('reads the commit log first, and keeps only the collected groups and topics', async () => {
    const calls: string[] = [];
    const source = fakeSource();
    const listGroups = source.listGroups.bind(source);
    source.listGroups = () => {
      calls.push('listGroups');
      return listGroups();
    };
    const event = (group: string, topic: string, offset: number | null) => ({
      group,
      topic,
      partition: 0,
      offset,
      commitTimeMs: 49_000,
    });
    source.readCommitLog = () => {
      calls.push('readCommitLog');
      return Promise.resolve({
        available: true,
        events: [
          event('orders', 'in', 10),
          event('excluded-test', 'in', 3),
          event('orders', 'internal', 1),
          event('billing', 'in', null),
        ],
        backlogRecords: 7,
      });
    };
    const observation = await collectCycle(source, options, new Map());
    expect(calls).toEqual(['readCommitLog', 'listGroups']);
    expect(observation.commitLog).toEqual({
      available: true,
      events: [event('orders', 'in', 10), event('billing', 'in', null)],
      backlogRecords: 7,
    });
  });

  it('turns a failed commit-log read into an unavailable log with the reason, not a failed cycle', async () => {
    const source = fakeSource();
    source.readCommitLog = () => Promise.reject(new Error('cluster "c": connection refused'));
    const observation = await collectCycle(source, options, new Map());
    expect(observation.commitLog).toEqual({
      available: false,
      reason: 'reading __consumer_offsets failed: cluster "c": connection refused',
    });
    expect(observation.groups).toHaveLength(2);
    source.readCommitLog = () => Promise.resolve({ available: false, reason: 'not authorised' });
    expect((await collectCycle(source, options, new Map())).commitLog).toEqual({
      available: false,
      reason: 'not authorised',
    });
  });

  it('never reads the commit log when polling is configured, or when the source cannot', async () => {
    const source = fakeSource();
    let reads = 0;
    source.readCommitLog = () => {
      reads++;
      return Promise.resolve({ available: true, events: [], backlogRecords: 0 });
    };
    const polling = await collectCycle(source, { ...options, commitSource: 'polling' }, new Map());
    expect(polling.commitLog).toBeNull();
    expect(reads).toBe(0);
    expect(
      (await collectCycle(source, { ...options, commitSource: 'offsets-topic' }, new Map())).commitLog,
    ).toEqual({
      available: true,
      events: [],
      backlogRecords: 0,
    });
    expect(reads).toBe(1);
    delete source.readCommitLog;
    expect((await collectCycle(source, options, new Map())).commitLog).toBeNull();
  });

  it('fails the whole cycle when a read fails', async () => {
    const source = fakeSource();
    source.fetchWatermarks = () => Promise.reject(new Error('broker down'));
    await expect(collectCycle(source, options, new Map())).rejects.toThrow('broker down');
  });
});

describe('roundsWithDistinctPartitions', () => {
  it('puts each partition at most once per round', () => {
    const positions = [
      { topic: 'a', partition: 0, offset: 1 },
      { topic: 'a', partition: 0, offset: 2 },
      { topic: 'a', partition: 1, offset: 1 },
      { topic: 'a', partition: 0, offset: 3 },
    ];
    expect(roundsWithDistinctPartitions(positions)).toEqual([
      [positions[0], positions[2]],
      [positions[1]],
      [positions[3]],
    ]);
  });
});
