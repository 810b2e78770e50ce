import { type CommitLogRead } from '../protocol/cluster-state';
import { concat, int16, int32, int64 } from './kafka-protocol/fixtures/bytes';
import {
  type KafkajsBroker,
  type KafkajsCluster,
  type KafkajsFetchedPartition,
  type KafkajsFetchedRecord,
} from './kafkajs-internals';
import { committedRecords, OFFSETS_TOPIC, OffsetsTopicReader } from './offsets-topic-reader';

function string(value: string): Buffer {
  const utf8 = Buffer.from(value, 'utf8');
  return concat(int16(utf8.length), utf8);
}

const commitKey = (group: string, topic: string, partition: number) =>
  concat(int16(1), string(group), string(topic), int32(partition));
const commitValue = (offset: number, timeMs: number) =>
  concat(int16(3), int64(offset), int32(-1), string(''), int64(timeMs));

interface StoredBatch {
  readonly baseOffset: number;
  readonly records: { key: Buffer | null; value: Buffer | null; timestamp: number }[];
  /** Records removed by compaction keep their offsets: the batch still spans them. */
  readonly span: number;
  readonly producerId: string;
  readonly inTransaction: boolean;
  readonly control: boolean;
}

/** A fake __consumer_offsets: batches per partition, each record ~100 bytes on the wire. */
class FakeLog {
  readonly batches = new Map<number, StoredBatch[]>();
  readonly aborted = new Map<number, { producerId: string; firstOffset: string }[]>();

  end(partition: number): number {
    const list = this.batches.get(partition) ?? [];
    const last = list[list.length - 1];
    return last ? last.baseOffset + last.span : 0;
  }

  append(
    partition: number,
    records: StoredBatch['records'],
    extra: Partial<Omit<StoredBatch, 'baseOffset' | 'records'>> = {},
  ): number {
    const list = this.batches.get(partition) ?? [];
    this.batches.set(partition, list);
    const baseOffset = this.end(partition);
    list.push({
      baseOffset,
      records,
      span: records.length,
      producerId: '-1',
      inTransaction: false,
      control: false,
      ...extra,
    });
    return baseOffset;
  }

  commit(partition: number, group: string, topic: string, offset: number, timeMs: number): number {
    return this.append(partition, [
      { key: commitKey(group, topic, 0), value: commitValue(offset, timeMs), timestamp: timeMs },
    ]);
  }

  fetched(partition: number, from: number, maxBytes: number): KafkajsFetchedPartition {
    const messages: KafkajsFetchedRecord[] = [];
    let bytes = 0;
    for (const batch of this.batches.get(partition) ?? []) {
      if (batch.baseOffset + batch.span <= from) continue;
      // Whole batches, the first even when it is larger than the limit (KIP-74).
      const size = batch.records.length * 100;
      if (bytes > 0 && bytes + size > maxBytes) break;
      bytes += size;
      batch.records.forEach((record, index) =>
        messages.push({
          offset: String(batch.baseOffset + index),
          timestamp: String(record.timestamp),
          key: record.key,
          value: record.value,
          isControlRecord: batch.control,
          batchContext: {
            firstOffset: String(batch.baseOffset),
            lastOffsetDelta: batch.span - 1,
            producerId: batch.producerId,
            inTransaction: batch.inTransaction,
            isControlBatch: batch.control,
          },
        }),
      );
      if (bytes >= maxBytes) break;
    }
    const end = String(this.end(partition));
    return {
      partition,
      errorCode: 0,
      highWatermark: end,
      lastStableOffset: end,
      abortedTransactions: this.aborted.get(partition) ?? [],
      messages,
    };
  }
}

function kafkaError(type: string): Error {
  return Object.assign(new Error(`This server says ${type}`), { name: 'KafkaJSProtocolError', type });
}

/** A kafkajs cluster over a {@link FakeLog}: partitions led by node "1" (even) and "2" (odd), or all by "1". */
function fakeCluster(log: FakeLog, partitionCount: number, options: { leaders?: 1 | 2 } = {}) {
  const calls: string[] = [];
  const faults = {
    metadata: null as Error | null,
    fetch: null as ((nodeId: string) => Error | null) | null,
    /** Answers a fetch with no partition at all (what a throttled broker sends). */
    throttle: false,
  };
  const leaderOf = (partition: number) => (options.leaders === 2 ? String(1 + (partition % 2)) : '1');
  const broker = (nodeId: string): KafkajsBroker => ({
    nodeId: Number(nodeId),
    versions: null,
    connectionPool: { send: () => Promise.reject(new Error('unused')) },
    disconnect: () => Promise.resolve(),
    listOffsets: ({ topics }) => {
      const [request] = topics;
      const timestamp = request?.partitions[0]?.timestamp ?? -1;
      calls.push(`listOffsets ${nodeId} ${timestamp}`);
      return Promise.resolve({
        responses: [
          {
            topic: OFFSETS_TOPIC,
            partitions: (request?.partitions ?? []).map(({ partition, timestamp: wanted }) => {
              let offset = -1;
              if (wanted === -1) offset = log.end(partition);
              else if (wanted === -2) offset = log.batches.get(partition)?.[0]?.baseOffset ?? 0;
              else {
                const found = (log.batches.get(partition) ?? []).find((batch) =>
                  batch.records.some((record) => record.timestamp >= wanted),
                );
                if (found) offset = found.baseOffset;
              }
              return { partition, offset: String(offset) };
            }),
          },
        ],
      });
    },
    fetch: (request) => {
      calls.push(`fetch ${nodeId} ${request.maxBytes}`);
      const fault = faults.fetch?.(nodeId) ?? null;
      if (fault) return Promise.reject(fault);
      if (faults.throttle) return Promise.resolve({ responses: [] });
      const partitions = request.topics[0]?.partitions ?? [];
      let left = request.maxBytes;
      const answered = partitions.map(({ partition, fetchOffset, maxBytes }) => {
        const fetched =
          left > 0 ? log.fetched(partition, Number(fetchOffset), Math.min(maxBytes, left)) : null;
        left -= (fetched?.messages.length ?? 0) * 100;
        return fetched ?? { ...log.fetched(partition, Number(fetchOffset), 0), messages: [] };
      });
      return Promise.resolve({ responses: [{ topicName: OFFSETS_TOPIC, partitions: answered }] });
    },
  });
  const ids = Array.from({ length: partitionCount }, (_, index) => index);
  const cluster: KafkajsCluster = {
    connect: () => {
      calls.push('connect');
      return Promise.resolve();
    },
    disconnect: () => Promise.resolve(),
    addMultipleTargetTopics: () => {
      calls.push('metadata');
      return faults.metadata ? Promise.reject(faults.metadata) : Promise.resolve();
    },
    refreshMetadataIfNecessary: () => Promise.resolve(),
    refreshMetadata: () => {
      calls.push('refreshMetadata');
      return Promise.resolve();
    },
    findTopicPartitionMetadata: () => ids.map((partitionId) => ({ partitionId })),
    findLeaderForPartitions: (_topic, partitions) => {
      const byLeader: Record<string, number[]> = {};
      for (const partition of partitions) (byLeader[leaderOf(partition)] ??= []).push(partition);
      return byLeader;
    },
    findBroker: ({ nodeId }) => Promise.resolve(broker(nodeId)),
    getNodeIds: () => ['1', '2'],
    findGroupCoordinator: () => Promise.reject(new Error('unused')),
  };
  return { cluster, calls, faults };
}

function available(read: CommitLogRead) {
  if (!read.available) throw new Error(`unavailable: ${read.reason}`);
  return read;
}

const wallNow = 1_750_000_000_000;

function reader(
  cluster: KafkajsCluster,
  overrides: Partial<ConstructorParameters<typeof OffsetsTopicReader>[1]> = {},
) {
  let now = wallNow + 5_000; // the agent's injected clock runs 5 s ahead of the brokers'
  const instance = new OffsetsTopicReader(cluster, {
    nowMs: () => now,
    wallClockMs: () => wallNow,
    startBackMs: 60_000,
    ...overrides,
  });
  return { reader: instance, advance: (ms: number) => (now += ms) };
}

describe('OffsetsTopicReader', () => {
  it('starts a window back, returns each commit once on the agent clock, and goes on from there', async () => {
    const log = new FakeLog();
    log.commit(0, 'old', 't', 1, wallNow - 120_000); // before the window: not read
    log.commit(0, 'app', 't', 5, wallNow - 30_000);
    log.commit(1, 'app', 'u', 7, wallNow - 10_000);
    const { cluster, calls } = fakeCluster(log, 2);
    const { reader: commits } = reader(cluster);
    const first = available(await commits.read());
    expect(first.events).toEqual([
      { group: 'app', topic: 't', partition: 0, offset: 5, commitTimeMs: wallNow - 30_000 + 5_000 },
      { group: 'app', topic: 'u', partition: 0, offset: 7, commitTimeMs: wallNow - 10_000 + 5_000 },
    ]);
    expect(first.backlogRecords).toBe(0);
    expect(calls).toContain(`listOffsets 1 ${wallNow - 60_000}`);

    log.commit(0, 'app', 't', 6, wallNow - 1_000);
    log.commit(0, 'app', 't', 8, wallNow);
    expect(available(await commits.read()).events.map((event) => event.offset)).toEqual([6, 8]);
    expect(available(await commits.read()).events).toEqual([]);
    expect(commits.stats()).toMatchObject({ commits: 4, valueVersions: { 3: 4 }, records: 4 });
  });

  it('starts at the end when every record is older than the window', async () => {
    const log = new FakeLog();
    log.commit(0, 'old', 't', 1, wallNow - 120_000);
    const { reader: commits } = reader(fakeCluster(log, 1).cluster);
    expect(available(await commits.read()).events).toEqual([]);
    log.commit(0, 'app', 't', 2, wallNow);
    expect(available(await commits.read()).events.map((event) => event.group)).toEqual(['app']);
  });

  it('returns tombstones with a null offset, and counts and skips other and invalid records', async () => {
    const log = new FakeLog();
    log.append(0, [
      { key: commitKey('app', 't', 0), value: commitValue(3, wallNow), timestamp: wallNow },
      { key: concat(int16(2), string('app')), value: Buffer.from('group metadata'), timestamp: wallNow },
      { key: commitKey('app', 't', 0), value: Buffer.from([0, 3, 1]), timestamp: wallNow },
      { key: null, value: null, timestamp: wallNow },
      { key: commitKey('app', 't', 0), value: commitValue(-1, wallNow), timestamp: wallNow },
      { key: commitKey('app', 't', 0), value: null, timestamp: wallNow + 1 },
    ]);
    const { reader: commits } = reader(fakeCluster(log, 1).cluster);
    expect(available(await commits.read()).events).toEqual([
      { group: 'app', topic: 't', partition: 0, offset: 3, commitTimeMs: wallNow + 5_000 },
      { group: 'app', topic: 't', partition: 0, offset: null, commitTimeMs: wallNow + 1 + 5_000 },
    ]);
    expect(commits.stats()).toMatchObject({ commits: 1, tombstones: 1, otherRecords: 1, invalidRecords: 3 });
    expect(commits.stats().lastInvalid).toMatch(/negative committed offset -1/);
  });

  it('leaves out the commits of aborted transactions and control records, keeps committed ones', async () => {
    const log = new FakeLog();
    const txn = (producerId: string, offset: number) => ({
      records: [
        {
          key: commitKey(`txn-${producerId}`, 't', 0),
          value: commitValue(offset, wallNow),
          timestamp: wallNow,
        },
      ],
      extra: { producerId, inTransaction: true },
    });
    const marker = (producerId: string, type: 0 | 1) =>
      log.append(0, [{ key: concat(int16(0), int16(type)), value: Buffer.alloc(6), timestamp: wallNow }], {
        producerId,
        inTransaction: true,
        control: true,
      });
    const aborted = txn('7', 100);
    const abortedAt = log.append(0, aborted.records, aborted.extra);
    const kept = txn('8', 200);
    log.append(0, kept.records, kept.extra);
    marker('7', 0);
    marker('8', 1);
    log.commit(0, 'plain', 't', 300, wallNow);
    log.aborted.set(0, [{ producerId: '7', firstOffset: String(abortedAt) }]);
    const { reader: commits } = reader(fakeCluster(log, 1).cluster);
    expect(available(await commits.read()).events.map((event) => [event.group, event.offset])).toEqual([
      ['txn-8', 200],
      ['plain', 300],
    ]);
    expect(commits.stats()).toMatchObject({ abortedRecords: 1, controlRecords: 2 });
  });

  it('ends an aborted transaction at its abort marker: the producer’s next transaction counts', () => {
    const record = (offset: number, producerId: string, control = false): KafkajsFetchedRecord => ({
      offset: String(offset),
      timestamp: '0',
      key: control ? concat(int16(0), int16(0)) : Buffer.from('k'),
      value: null,
      isControlRecord: control,
      batchContext: {
        firstOffset: String(offset),
        lastOffsetDelta: 0,
        producerId,
        inTransaction: true,
        isControlBatch: control,
      },
    });
    const stats = { abortedRecords: 0, controlRecords: 0 };
    const kept = committedRecords(
      {
        abortedTransactions: [
          { producerId: '5', firstOffset: '4' },
          { producerId: '1', firstOffset: '0' },
        ],
        messages: [
          record(0, '1'),
          record(1, '1', true),
          record(2, '1'),
          record(4, '5'),
          record(5, '1'),
          record(6, '5'),
        ],
      },
      stats,
    );
    expect(kept.map((r) => r.offset)).toEqual(['2', '5']);
    expect(stats).toEqual({ abortedRecords: 3, controlRecords: 1 });
  });

  it('reads at most the byte cap per call and carries the rest over as backlog', async () => {
    const log = new FakeLog();
    for (let index = 0; index < 50; index++) log.commit(0, 'app', 't', index, wallNow - 1_000);
    const { cluster } = fakeCluster(log, 1);
    const { reader: commits } = reader(cluster, { maxBytesPerRead: 1_000 });
    const offsets: number[] = [];
    const backlogs: number[] = [];
    for (let call = 0; call < 6; call++) {
      const read = available(await commits.read());
      offsets.push(...read.events.map((event) => event.offset ?? -1));
      backlogs.push(read.backlogRecords);
    }
    expect(offsets).toEqual(Array.from({ length: 50 }, (_, index) => index));
    expect(backlogs).toEqual([40, 30, 20, 10, 0, 0]);
  });

  it('splits the cap between leaders and reads every leader', async () => {
    const log = new FakeLog();
    for (let partition = 0; partition < 4; partition++)
      log.commit(partition, `g${partition}`, 't', 1, wallNow);
    const { cluster, calls } = fakeCluster(log, 4, { leaders: 2 });
    const { reader: commits } = reader(cluster, { maxBytesPerRead: 2_000_000 });
    expect(
      available(await commits.read())
        .events.map((event) => event.group)
        .sort(),
    ).toEqual(['g0', 'g1', 'g2', 'g3']);
    expect(calls.filter((call) => call.startsWith('fetch')).sort()).toEqual([
      'fetch 1 1000000',
      'fetch 2 1000000',
    ]);
  });

  it('skips batches that compaction emptied, but not on an answer that names no partition (throttled)', async () => {
    const log = new FakeLog();
    log.commit(0, 'app', 't', 1, wallNow);
    const { cluster, faults } = fakeCluster(log, 1);
    const { reader: commits } = reader(cluster);
    expect(available(await commits.read()).events).toHaveLength(1);
    log.append(0, [], { span: 5 }); // a batch of 5 offsets whose records were all compacted away
    log.commit(0, 'app', 't', 2, wallNow);
    faults.throttle = true;
    expect(available(await commits.read())).toMatchObject({ events: [], backlogRecords: 6 });
    faults.throttle = false;
    // The fake returns the empty batch's span with the next batch: the commit after it is read.
    expect(available(await commits.read()).events.map((event) => event.offset)).toEqual([2]);
    log.append(0, [], { span: 3 });
    expect(available(await commits.read())).toMatchObject({ events: [], backlogRecords: 0 });
  });

  it('says which ACL is missing when the topic is refused, and asks again only after the retry interval', async () => {
    const log = new FakeLog();
    const { cluster, calls, faults } = fakeCluster(log, 1);
    faults.metadata = kafkaError('TOPIC_AUTHORIZATION_FAILED');
    const { reader: commits, advance } = reader(cluster, { unavailableRetryMs: 60_000 });
    const refused = await commits.read();
    expect(refused).toEqual({
      available: false,
      reason: expect.stringMatching(
        /not authorised to read __consumer_offsets: grant .* READ and DESCRIBE on topic __consumer_offsets/,
      ) as string,
    });
    if (refused.available) throw new Error('unreachable');
    expect(refused.reason).not.toMatch(/\n/);
    const asked = calls.length;
    advance(59_000);
    expect(await commits.read()).toEqual(refused);
    expect(calls.length).toBe(asked);
    advance(1_000);
    faults.metadata = null;
    log.commit(0, 'app', 't', 1, wallNow);
    expect(available(await commits.read()).events).toHaveLength(1);
  });

  it('asks again after 10 s when the topic does not exist yet (no group has committed)', async () => {
    const log = new FakeLog();
    const { cluster, calls, faults } = fakeCluster(log, 1);
    faults.metadata = kafkaError('UNKNOWN_TOPIC_OR_PARTITION');
    const { reader: commits, advance } = reader(cluster, { unavailableRetryMs: 60_000 });
    expect((await commits.read()).available).toBe(false);
    const asked = calls.length;
    advance(9_999);
    expect((await commits.read()).available).toBe(false);
    expect(calls.length).toBe(asked);
    advance(1);
    faults.metadata = null;
    log.commit(0, 'app', 't', 1, wallNow);
    expect(available(await commits.read()).events).toHaveLength(1);
  });

  it('reports a hidden topic (UNKNOWN_TOPIC_OR_PARTITION) and a refused Fetch (no READ) the same way', async () => {
    const hidden = fakeCluster(new FakeLog(), 1);
    // kafkajs wraps it after its retries.
    const wrapped = Object.assign(new Error('retries exceeded'), {
      name: 'KafkaJSNumberOfRetriesExceeded',
      cause: kafkaError('UNKNOWN_TOPIC_OR_PARTITION'),
    });
    hidden.faults.metadata = wrapped;
    expect(await reader(hidden.cluster).reader.read()).toEqual({
      available: false,
      reason: expect.stringMatching(
        /^__consumer_offsets is not visible .*managed service hides internal topics/,
      ) as string,
    });
    const log = new FakeLog();
    log.commit(0, 'app', 't', 1, wallNow);
    const noRead = fakeCluster(log, 1);
    noRead.faults.fetch = () => kafkaError('TOPIC_AUTHORIZATION_FAILED');
    expect(await reader(noRead.cluster).reader.read()).toMatchObject({ available: false });
  });

  it('rejects on other errors, keeping its positions, and returns what the healthy leaders gave', async () => {
    const log = new FakeLog();
    for (let partition = 0; partition < 2; partition++)
      log.commit(partition, `g${partition}`, 't', 1, wallNow);
    const { cluster, calls, faults } = fakeCluster(log, 2, { leaders: 2 });
    const { reader: commits } = reader(cluster);
    faults.fetch = (nodeId) => (nodeId === '2' ? kafkaError('NOT_LEADER_OR_FOLLOWER') : null);
    expect(available(await commits.read()).events.map((event) => event.group)).toEqual(['g0']);
    expect(calls).toContain('refreshMetadata');
    log.commit(0, 'g0', 't', 2, wallNow);
    faults.fetch = () => new Error('Connection timeout');
    await expect(commits.read()).rejects.toThrow('Connection timeout');
    faults.fetch = null;
    expect(available(await commits.read()).events.map((event) => [event.group, event.offset])).toEqual([
      ['g0', 2],
      ['g1', 1],
    ]);
  });

  it('starts a partition again by time when its position was deleted (offset out of range)', async () => {
    const log = new FakeLog();
    log.commit(0, 'app', 't', 1, wallNow - 1_000);
    const { cluster, faults, calls } = fakeCluster(log, 1);
    const { reader: commits } = reader(cluster);
    expect(available(await commits.read()).events).toHaveLength(1);
    log.commit(0, 'app', 't', 2, wallNow);
    faults.fetch = () =>
      Object.assign(new Error('offset out of range'), {
        name: 'KafkaJSOffsetOutOfRange',
        topic: OFFSETS_TOPIC,
        partition: 0,
      });
    expect(available(await commits.read()).events).toEqual([]);
    faults.fetch = null;
    const since = calls.filter((call) => call === `listOffsets 1 ${wallNow - 60_000}`).length;
    // Replayed from the window's start: the commit before is read again, as after a restart.
    expect(available(await commits.read()).events.map((event) => event.offset)).toEqual([1, 2]);
    expect(calls.filter((call) => call === `listOffsets 1 ${wallNow - 60_000}`).length).toBe(since + 1);
  });
});
