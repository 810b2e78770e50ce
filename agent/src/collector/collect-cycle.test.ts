import { partitionKey, type GroupDescription, type PartitionOffset } from '../protocol/cluster-state';
import { type ClusterSource } from './cluster-source';
import { collectCycle, recordKey, roundsWithDistinctPartitions } from './collect-cycle';

function description(group: string, state = 'Stable'): GroupDescription {
  return { group, state, protocolType: 'consumer', members: [] };
}

function fakeSource(): ClusterSource & { fetchedRounds: PartitionOffset[][] } {
  const fetchedRounds: PartitionOffset[][] = [];
  return {
    fetchedRounds,
    listGroups: () =>
      Promise.resolve([
        { group: 'orders', protocolType: 'consumer' },
        { group: 'billing', protocolType: 'consumer' },
        { group: 'connect-sink', protocolType: 'connect' },
        { group: 'excluded-test', protocolType: 'consumer' },
        { group: 'gone', protocolType: 'consumer' },
      ]),
    describeGroups: (groups) =>
      Promise.resolve(groups.map((group) => description(group, group === 'gone' ? 'Dead' : 'Stable'))),
    fetchCommittedOffsets: (group) =>
      Promise.resolve(
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
      ),
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
