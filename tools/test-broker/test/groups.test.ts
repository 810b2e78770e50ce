import { type Admin, AssignerProtocol, type Consumer, type Kafka, type Producer } from 'kafkajs';

import { uniqueTestName } from '@streamops/test-broker';

import { type BrokerLease, collect, eventually, groupJoined, kafkaClient, leaseBroker } from './helpers';

describe('test broker: consumer groups (kafkajs 2.2.4)', () => {
  let lease: BrokerLease;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  const consumers: Consumer[] = [];

  const newConsumer = (groupId: string, clientId = 'conformance-groups'): Consumer => {
    const consumer = kafkaClient(lease.bootstrap, clientId).consumer({
      groupId,
      heartbeatInterval: 500,
      sessionTimeout: 30_000,
      maxWaitTimeInMs: 500,
    });
    consumers.push(consumer);
    return consumer;
  };

  /** A topic with `partitions` partitions and `perPartition` messages in each. */
  const filledTopic = async (prefix: string, partitions: number, perPartition: number): Promise<string> => {
    const topic = uniqueTestName(prefix);
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions }] });
    const messages = [];
    for (let p = 0; p < partitions; p++) {
      for (let i = 0; i < perPartition; i++) messages.push({ partition: p, value: `p${p}-m${i}` });
    }
    await producer.send({ topic, acks: -1, messages });
    return topic;
  };

  const describeGroup = async (groupId: string) => {
    const { groups } = await admin.describeGroups([groupId]);
    const group = groups[0];
    if (!group) throw new Error(`no description for ${groupId}`);
    return group;
  };

  beforeAll(async () => {
    lease = await leaseBroker();
    kafka = kafkaClient(lease.bootstrap, 'conformance-groups-admin');
    admin = kafka.admin();
    producer = kafka.producer();
    await Promise.all([admin.connect(), producer.connect()]);
  });

  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((c) => c.disconnect()));
  });

  afterAll(async () => {
    await Promise.all([admin?.disconnect(), producer?.disconnect()]);
    await lease?.release();
  });

  test('a group consumes with autoCommit and fetchOffsets shows the committed offsets (lag 0)', async () => {
    const topic = await filledTopic('consume', 2, 5);
    const groupId = uniqueTestName('group-consume');
    const consumer = newConsumer(groupId);
    await consumer.connect();
    const received = await collect(consumer, topic);
    await eventually('10 messages', () => received.messages.length >= 10);

    // Data produced while the consumer runs arrives too (empty fetches are answered within 100 ms).
    await producer.send({ topic, messages: [{ partition: 0, value: 'late' }] });
    await eventually('the late message', () => received.values().includes('late'));

    const expected = [
      { partition: 0, offset: '6' },
      { partition: 1, offset: '5' },
    ];
    await eventually('commits of every consumed offset', async () => {
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const committed = offsets?.partitions.map(({ partition, offset }) => ({ partition, offset }));
      return (
        JSON.stringify(committed?.sort((a, b) => a.partition - b.partition)) === JSON.stringify(expected)
      );
    });

    const high = await admin.fetchTopicOffsets(topic);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    for (const { partition, high: end } of high) {
      const offset = committed?.partitions.find((p) => p.partition === partition)?.offset;
      expect(Number(end) - Number(offset)).toBe(0);
    }
  });

  test('listGroups and describeGroups report state, members, client id and host, metadata and assignment', async () => {
    const topic = await filledTopic('describe', 2, 1);
    const groupId = uniqueTestName('group-describe');
    const consumer = newConsumer(groupId, 'describe-client');
    await consumer.connect();
    const joined = groupJoined(consumer);
    await collect(consumer, topic);
    await joined;

    const { groups } = await admin.listGroups();
    expect(groups).toContainEqual({ groupId, protocolType: 'consumer' });

    const group = await eventually('a Stable group', async () => {
      const description = await describeGroup(groupId);
      return description.state === 'Stable' ? description : undefined;
    });
    expect(group).toMatchObject({ groupId, protocolType: 'consumer', protocol: 'RoundRobinAssigner' });
    expect(group.members).toHaveLength(1);
    const member = group.members[0];
    expect(member).toMatchObject({ clientId: 'describe-client', clientHost: '/127.0.0.1' });
    expect(member?.memberId).toBeTruthy();

    const metadata = AssignerProtocol.MemberMetadata.decode(member!.memberMetadata);
    expect(metadata?.topics).toEqual([topic]);
    const assignment = AssignerProtocol.MemberAssignment.decode(member!.memberAssignment);
    expect(assignment?.assignment[topic]?.sort()).toEqual([0, 1]);
  });

  test('describeGroups reports an unknown group as Dead', async () => {
    const group = await describeGroup(uniqueTestName('never-used'));
    expect(group).toMatchObject({ state: 'Dead', members: [] });
  });

  test('a rebalance completes as soon as every member has rejoined', async () => {
    const topic = await filledTopic('rebalance', 4, 1);
    const groupId = uniqueTestName('group-rebalance');
    const first = newConsumer(groupId);
    await first.connect();
    const firstJoined = groupJoined(first);
    await collect(first, topic);
    await firstJoined;

    const started = Date.now();
    const second = newConsumer(groupId);
    await second.connect();
    const bothRejoined = Promise.all([groupJoined(first), groupJoined(second)]);
    await collect(second, topic);
    await bothRejoined;
    const elapsedMs = Date.now() - started;

    // The stock mock waits sessionTimeout - 1 s (29 s here); members learn of the rebalance at their next
    // heartbeat (500 ms), so it is done in well under that.
    expect(elapsedMs).toBeLessThan(5_000);
    const group = await eventually('two Stable members', async () => {
      const description = await describeGroup(groupId);
      return description.state === 'Stable' && description.members.length === 2 ? description : undefined;
    });
    const assigned = group.members.flatMap(
      (m) => AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment[topic] ?? [],
    );
    expect(assigned.sort()).toEqual([0, 1, 2, 3]);
  });

  test('a member that leaves (LeaveGroup) is dropped at once and the group becomes Empty', async () => {
    const topic = await filledTopic('leave', 1, 1);
    const groupId = uniqueTestName('group-leave');
    const consumer = newConsumer(groupId);
    await consumer.connect();
    const joined = groupJoined(consumer);
    await collect(consumer, topic);
    await joined;

    const left = Date.now();
    await consumer.disconnect();
    const group = await eventually(
      'an Empty group',
      async () => {
        const description = await describeGroup(groupId);
        return description.state === 'Empty' ? description : undefined;
      },
      5_000,
    );
    expect(group.members).toEqual([]);
    expect(Date.now() - left).toBeLessThan(3_000); // the stock mock needs the session timeout (30 s)
  });

  test('resetOffsets and setOffsets move a stopped group', async () => {
    const topic = await filledTopic('reset', 2, 3);
    const groupId = uniqueTestName('group-reset');
    const consumer = newConsumer(groupId);
    await consumer.connect();
    const received = await collect(consumer, topic);
    await eventually('all 6 messages', () => received.messages.length >= 6);
    await eventually('commits at the end', async () => {
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return offsets?.partitions.every((p) => p.offset === '3');
    });
    await consumer.disconnect();
    await eventually('an Empty group', async () => (await describeGroup(groupId)).state === 'Empty');

    const committedOffsets = async (): Promise<Record<number, string>> => {
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return Object.fromEntries((offsets?.partitions ?? []).map((p) => [p.partition, p.offset]));
    };

    // kafkajs commits the EARLIEST sentinel (-2), as it does against Kafka; resolveOffsets turns it into 0.
    await admin.resetOffsets({ groupId, topic, earliest: true });
    expect(await committedOffsets()).toEqual({ 0: '-2', 1: '-2' });
    const [resolved] = await admin.fetchOffsets({ groupId, topics: [topic], resolveOffsets: true });
    expect(resolved?.partitions.map((p) => p.offset)).toEqual(['0', '0']);
    expect(await committedOffsets()).toEqual({ 0: '0', 1: '0' });

    await admin.setOffsets({
      groupId,
      topic,
      partitions: [
        { partition: 0, offset: '2' },
        { partition: 1, offset: '1' },
      ],
    });
    expect(await committedOffsets()).toEqual({ 0: '2', 1: '1' });

    // A consumer of the group resumes from the offsets that were set.
    const resumed = newConsumer(groupId);
    await resumed.connect();
    const again = await collect(resumed, topic);
    await eventually('the 3 remaining messages', () => again.messages.length >= 3);
    expect(again.values().sort()).toEqual(['p0-m2', 'p1-m1', 'p1-m2']);
  });

  test('fetchOffsets without topics returns every topic the group committed', async () => {
    const [first, second] = [await filledTopic('all-a', 1, 2), await filledTopic('all-b', 2, 1)];
    const groupId = uniqueTestName('group-all-offsets');
    const consumer = newConsumer(groupId);
    await consumer.connect();
    await consumer.subscribe({ topics: [first, second], fromBeginning: true });
    let received = 0;
    await consumer.run({
      eachMessage: () => {
        received += 1;
        return Promise.resolve();
      },
    });
    await eventually('4 messages', () => received >= 4);

    const everything = await eventually('commits on both topics', async () => {
      const offsets = await admin.fetchOffsets({ groupId });
      const flat = offsets.flatMap(({ topic, partitions }) =>
        partitions.map((p) => `${topic}/${p.partition}@${p.offset}`),
      );
      return flat.length === 3 ? flat.sort() : undefined;
    });
    expect(everything).toEqual([`${first}/0@2`, `${second}/0@1`, `${second}/1@1`].sort());
  });

  test('deleteGroups deletes an Empty group and its offsets, and refuses a group with members', async () => {
    const topic = await filledTopic('delete-group', 1, 1);
    const groupId = uniqueTestName('group-delete');
    const consumer = newConsumer(groupId);
    await consumer.connect();
    const received = await collect(consumer, topic);
    await eventually('the message', () => received.messages.length >= 1);
    await eventually('the commit', async () => (await admin.fetchOffsets({ groupId })).length === 1);

    const refusal = await admin.deleteGroups([groupId]).catch((error: unknown) => error);
    expect(refusal).toMatchObject({ groups: [{ groupId, error: { type: 'NON_EMPTY_GROUP' } }] });

    await consumer.disconnect();
    await eventually('an Empty group', async () => (await describeGroup(groupId)).state === 'Empty');
    await expect(admin.deleteGroups([groupId])).resolves.toEqual([{ groupId, errorCode: 0 }]);
    expect(await describeGroup(groupId)).toMatchObject({ state: 'Dead' });
    expect(await admin.fetchOffsets({ groupId })).toEqual([]);
    expect((await admin.listGroups()).groups.map((g) => g.groupId)).not.toContain(groupId);
  });

  test('commits are written to __consumer_offsets in the v1 key/value format', async () => {
    const topic = await filledTopic('offsets-topic', 1, 2);
    const groupId = uniqueTestName('group-offsets-topic');
    const consumer = newConsumer(groupId);
    await consumer.connect();
    const received = await collect(consumer, topic);
    await eventually('2 messages', () => received.messages.length >= 2);
    await eventually('the commit', async () => {
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return offsets?.partitions[0]?.offset === '2';
    });

    const reader = newConsumer(uniqueTestName('offsets-reader'));
    await reader.connect();
    const records = await collect(reader, '__consumer_offsets');
    const found = await eventually('our group commit in __consumer_offsets', () =>
      records.messages
        .map(({ partition, message }) => ({
          partition,
          commit: decodeOffsetCommit(message.key, message.value),
        }))
        .find(({ commit: c }) => c?.group === groupId && c.topic === topic && c.offset === 2n),
    );
    const commit = found.commit;
    // Kafka's placement: abs(groupId.hashCode()) % 50
    expect(found.partition).toBe(offsetsTopicPartition(groupId));
    expect(commit).toMatchObject({ keyVersion: 1, valueVersion: 1, partition: 0 });
  });
});

interface OffsetCommitRecord {
  keyVersion: number;
  group: string;
  topic: string;
  partition: number;
  valueVersion: number;
  offset: bigint;
}

/** Decodes a __consumer_offsets offset-commit record (key v0/v1, value v1). */
function decodeOffsetCommit(key: Buffer | null, value: Buffer | null): OffsetCommitRecord | undefined {
  if (!key || !value || key.length < 2) return undefined;
  const keyVersion = key.readInt16BE(0);
  if (keyVersion > 1) return undefined; // group metadata records use version 2
  let of = 2;
  const readString = (buf: Buffer): string => {
    const len = buf.readInt16BE(of);
    const str = buf.toString('utf8', of + 2, of + 2 + len);
    of += 2 + len;
    return str;
  };
  const group = readString(key);
  const topic = readString(key);
  const partition = key.readInt32BE(of);
  return {
    keyVersion,
    group,
    topic,
    partition,
    valueVersion: value.readInt16BE(0),
    offset: value.readBigInt64BE(2),
  };
}

/** Kafka's __consumer_offsets partition for a group: abs(Java String.hashCode) % 50 (ASCII names). */
function offsetsTopicPartition(groupId: string): number {
  let hash = 0;
  for (let i = 0; i < groupId.length; i++) hash = (Math.imul(31, hash) + groupId.charCodeAt(i)) | 0;
  return (hash === -2147483648 ? 0 : Math.abs(hash)) % 50;
}
