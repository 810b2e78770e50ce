import { type Admin, type Kafka, type Producer } from 'kafkajs';

import { uniqueTestName } from '@streamops/test-broker';

import { type BrokerLease, eventually, kafkaClient, leaseBroker } from './helpers';

describe('test broker: topic administration and offsets (kafkajs 2.2.4)', () => {
  let lease: BrokerLease;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;

  beforeAll(async () => {
    lease = await leaseBroker();
    kafka = kafkaClient(lease.bootstrap, 'conformance-admin');
    admin = kafka.admin();
    producer = kafka.producer();
    await Promise.all([admin.connect(), producer.connect()]);
  });

  afterAll(async () => {
    await Promise.all([admin?.disconnect(), producer?.disconnect()]);
    await lease?.release();
  });

  test('the controller is a real broker', async () => {
    const cluster = await admin.describeCluster();
    const ids = cluster.brokers.map((b) => b.nodeId);
    expect(ids).toContain(cluster.controller);
  });

  test('createTopics creates topics with the requested partitions and reports existing ones', async () => {
    const topic = uniqueTestName('created');
    await expect(
      admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 2 }] }),
    ).resolves.toBe(true);

    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    const partitions = metadata.topics[0]?.partitions ?? [];
    expect(partitions.map((p) => p.partitionId).sort()).toEqual([0, 1, 2]);
    for (const p of partitions) {
      expect(p.replicas).toHaveLength(2);
      expect(p.leader).toBeGreaterThan(0);
    }
    expect(await admin.listTopics()).toContain(topic);

    // kafkajs answers false (no throw) when the topic already exists
    await expect(admin.createTopics({ topics: [{ topic, numPartitions: 3 }] })).resolves.toBe(false);
  });

  test('createTopics rejects an illegal name and a replication factor above the broker count', async () => {
    const errorTypes = async (topic: string, replicationFactor?: number): Promise<string[]> => {
      try {
        await admin.createTopics({ topics: [{ topic, replicationFactor }] });
        return [];
      } catch (error) {
        // kafkajs reports "Topic creation errors" with one protocol error per topic
        return ((error as { errors?: Array<{ type?: string }> }).errors ?? []).map((e) => e.type ?? '?');
      }
    };
    expect(await errorTypes('no spaces allowed')).toEqual(['INVALID_TOPIC_EXCEPTION']);
    expect(await errorTypes(uniqueTestName('too-many-replicas'), 9)).toEqual(['INVALID_REPLICATION_FACTOR']);
  });

  test('deleteTopics removes the topic', async () => {
    const topic = uniqueTestName('deleted');
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
    expect(await admin.listTopics()).toContain(topic);

    await admin.deleteTopics({ topics: [topic] });
    await eventually(
      'the topic to disappear from metadata',
      async () => !(await admin.listTopics()).includes(topic),
    );
  });

  test('produce with acks -1, then fetchTopicOffsets reports low and high watermarks', async () => {
    const topic = uniqueTestName('offsets');
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
    await producer.send({
      topic,
      acks: -1,
      messages: [
        { partition: 0, value: 'a' },
        { partition: 0, value: 'b' },
        { partition: 1, value: 'c' },
      ],
    });

    const offsets = await admin.fetchTopicOffsets(topic);
    const byPartition = Object.fromEntries(offsets.map((o) => [o.partition, o]));
    expect(byPartition[0]).toMatchObject({ low: '0', high: '2', offset: '2' });
    expect(byPartition[1]).toMatchObject({ low: '0', high: '1', offset: '1' });
  });

  test('a topic auto-created by a producer keeps more than 5 MB per partition (the stock mock keeps 5 MB)', async () => {
    const topic = uniqueTestName('auto-created');
    const value = Buffer.alloc(100, 'x');
    for (let batch = 0; batch < 16; batch++) {
      await producer.send({ topic, messages: Array.from({ length: 5_000 }, () => ({ value })) });
    }
    const [offsets] = await admin.fetchTopicOffsets(topic);
    expect(offsets).toMatchObject({ partition: 0, low: '0', high: '80000' }); // 1 partition by default, nothing dropped
  });

  test('fetchTopicOffsetsByTimestamp finds the first offset at or after the timestamp', async () => {
    const topic = uniqueTestName('by-timestamp');
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
    const base = Date.now() - 60_000;
    // One batch with three records of increasing timestamps, then a second batch.
    await producer.send({
      topic,
      messages: [
        { value: 'a', timestamp: String(base) },
        { value: 'b', timestamp: String(base + 1_000) },
        { value: 'c', timestamp: String(base + 2_000) },
      ],
    });
    await producer.send({ topic, messages: [{ value: 'd', timestamp: String(base + 3_000) }] });

    const at = async (ts: number): Promise<string | undefined> =>
      (await admin.fetchTopicOffsetsByTimestamp(topic, ts))[0]?.offset;
    expect(await at(base - 1)).toBe('0');
    expect(await at(base + 1)).toBe('1'); // inside the first batch
    expect(await at(base + 2_000)).toBe('2');
    expect(await at(base + 2_500)).toBe('3'); // second batch
    expect(await at(base + 10_000)).toBe('4'); // none: kafkajs falls back to the high watermark
  });
});
