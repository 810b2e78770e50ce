import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import { type Admin, type Kafka, type Producer } from 'kafkajs';

import { uniqueTestName } from '@streamops/test-broker';

import { type BrokerLease, collect, eventually, kafkaClient, leaseBroker } from './helpers';

const run = promisify(execFile);

/**
 * Cross-checks with kcat (librdkafka 2.0.2, a different client implementation than kafkajs): what one client
 * writes the other reads, and both see the same metadata. Skipped when kcat is not installed
 * (`apt-get install kcat`).
 */
async function kcatAvailable(): Promise<boolean> {
  try {
    await run('kcat', ['-V']);
    return true;
  } catch {
    return false;
  }
}

describe('test broker: kcat cross-check', () => {
  let hasKcat = false;
  let lease: BrokerLease;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;

  beforeAll(async () => {
    hasKcat = await kcatAvailable();
    if (!hasKcat) {
      console.warn('kcat cross-check skipped: kcat is not installed (apt-get install kcat)');
      return;
    }
    lease = await leaseBroker();
    kafka = kafkaClient(lease.bootstrap, 'conformance-kcat');
    admin = kafka.admin();
    producer = kafka.producer();
    await Promise.all([admin.connect(), producer.connect()]);
  });

  afterAll(async () => {
    await Promise.all([admin?.disconnect(), producer?.disconnect()]);
    await lease?.release();
  });

  const kcat = async (args: string[], input?: string): Promise<string> => {
    const child = run('kcat', ['-b', lease.bootstrap.join(','), ...args], { timeout: 20_000 });
    if (input !== undefined) {
      child.child.stdin?.end(input);
    }
    return (await child).stdout;
  };

  test('kcat sees the topics and partitions kafkajs created, and the controller', async () => {
    if (!hasKcat) return;
    const topic = uniqueTestName('kcat-metadata');
    await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 2 }] });
    const metadata = JSON.parse(await kcat(['-L', '-J', '-t', topic])) as {
      controllerid: number;
      brokers: Array<{ id: number }>;
      topics: Array<{ topic: string; partitions: Array<{ partition: number; replicas: unknown[] }> }>;
    };
    expect(metadata.brokers.map((b) => b.id)).toContain(metadata.controllerid);
    const partitions = metadata.topics.find((t) => t.topic === topic)?.partitions ?? [];
    expect(partitions.map((p) => p.partition).sort()).toEqual([0, 1, 2]);
    expect(partitions.every((p) => p.replicas.length === 2)).toBe(true);
  });

  test('kcat reads what kafkajs wrote (several batches in one fetch) and kafkajs reads what kcat wrote', async () => {
    if (!hasKcat) return;
    const topic = uniqueTestName('kcat-data');
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
    for (let batch = 0; batch < 5; batch++) {
      await producer.send({ topic, messages: [{ value: `js-${batch}-a` }, { value: `js-${batch}-b` }] });
    }
    const read = await kcat(['-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%o %s\\n']);
    expect(read.trim().split('\n')).toEqual(
      [0, 1, 2, 3, 4].flatMap((b) => [`${2 * b} js-${b}-a`, `${2 * b + 1} js-${b}-b`]),
    );

    await kcat(['-P', '-t', topic, '-p', '0'], 'kcat-1\nkcat-2\n');
    const consumer = kafka.consumer({ groupId: uniqueTestName('kcat-reader'), maxWaitTimeInMs: 200 });
    try {
      await consumer.connect();
      const received = await collect(consumer, topic);
      await eventually('all 12 messages', () => received.messages.length >= 12);
      expect(received.values().slice(10)).toEqual(['kcat-1', 'kcat-2']);
    } finally {
      await consumer.disconnect();
    }
  });

  test('kcat, as a consumer group member, commits offsets that kafkajs admin reads', async () => {
    if (!hasKcat) return;
    const topic = uniqueTestName('kcat-group');
    const groupId = uniqueTestName('kcat-group');
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
    await producer.send({
      topic,
      messages: [
        { partition: 0, value: 'a' },
        { partition: 0, value: 'b' },
        { partition: 1, value: 'c' },
      ],
    });
    // -G joins the group, -e exits at the end of the partitions; librdkafka commits on close.
    const consumed = await kcat(['-G', groupId, '-o', 'beginning', '-e', '-q', '-f', '%s\\n', topic]);
    expect(consumed.trim().split('\n').sort()).toEqual(['a', 'b', 'c']);

    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const byPartition = Object.fromEntries((offsets?.partitions ?? []).map((p) => [p.partition, p.offset]));
    expect(byPartition).toEqual({ 0: '2', 1: '1' });
  });

  test('kcat finds offsets by timestamp like kafkajs', async () => {
    if (!hasKcat) return;
    const topic = uniqueTestName('kcat-time');
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
    const base = Date.now() - 120_000;
    await producer.send({
      topic,
      messages: [0, 1, 2, 3].map((i) => ({ value: `t${i}`, timestamp: String(base + i * 1_000) })),
    });
    const fromTimestamp = await kcat([
      '-C',
      '-t',
      topic,
      '-o',
      `s@${base + 1_500}`,
      '-e',
      '-q',
      '-f',
      '%o\\n',
    ]);
    expect(fromTimestamp.trim().split('\n')).toEqual(['2', '3']);
  });
});
