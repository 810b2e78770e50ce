import { type Admin, type Consumer, type Kafka, type Producer } from 'kafkajs';

import { uniqueTestName } from '@streamops/test-broker';

import { type BrokerLease, collect, eventually, fetchRounds, kafkaClient, leaseBroker } from './helpers';

describe('test broker: idempotent and transactional producers (kafkajs 2.2.4)', () => {
  let lease: BrokerLease;
  let kafka: Kafka;
  let admin: Admin;
  const clients: Array<Producer | Consumer> = [];

  const newTopic = async (prefix: string, partitions = 1): Promise<string> => {
    const topic = uniqueTestName(prefix);
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions }] });
    return topic;
  };

  const transactionalProducer = async (): Promise<Producer> => {
    const producer = kafka.producer({
      transactionalId: uniqueTestName('txn'),
      idempotent: true,
      maxInFlightRequests: 1,
    });
    clients.push(producer);
    await producer.connect();
    return producer;
  };

  const consumer = async (readUncommitted = false): Promise<Consumer> => {
    const c = kafka.consumer({
      groupId: uniqueTestName('txn-reader'),
      readUncommitted,
      maxWaitTimeInMs: 500,
    });
    clients.push(c);
    await c.connect();
    return c;
  };

  const committedOffset = async (groupId: string, topic: string): Promise<string | undefined> => {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return offsets?.partitions.find((p) => p.partition === 0)?.offset;
  };

  beforeAll(async () => {
    lease = await leaseBroker();
    kafka = kafkaClient(lease.bootstrap, 'conformance-txn');
    admin = kafka.admin();
    await admin.connect();
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.disconnect()));
  });

  afterAll(async () => {
    await admin?.disconnect();
    await lease?.release();
  });

  test('an idempotent producer gets a producer id (InitProducerId at the controller) and writes once', async () => {
    const topic = await newTopic('idempotent');
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    clients.push(producer);
    await producer.connect();
    await producer.send({ topic, messages: [{ value: 'one' }, { value: 'two' }] });
    await producer.send({ topic, messages: [{ value: 'three' }] });

    const [offsets] = await admin.fetchTopicOffsets(topic);
    expect(offsets?.high).toBe('3');
  });

  test('a committed transaction becomes visible; an aborted one never does', async () => {
    const topic = await newTopic('txn-visibility');
    const producer = await transactionalProducer();

    const aborted = await producer.transaction();
    await aborted.send({ topic, messages: [{ value: 'aborted-1' }, { value: 'aborted-2' }] });
    await aborted.abort();

    const committed = await producer.transaction();
    await committed.send({ topic, messages: [{ value: 'committed-1' }, { value: 'committed-2' }] });
    await committed.commit();

    const readCommitted = await collect(await consumer(), topic);
    await eventually('both committed messages', () => readCommitted.messages.length >= 2);
    expect(readCommitted.values()).toEqual(['committed-1', 'committed-2']);

    // read_uncommitted sees everything, aborted data included (as on Kafka)
    const readUncommitted = await collect(await consumer(true), topic);
    await eventually('all four messages', () => readUncommitted.messages.length >= 4);
    expect(readUncommitted.values()).toEqual(['aborted-1', 'aborted-2', 'committed-1', 'committed-2']);
  });

  test('read_committed consumers stop at an open transaction until it commits', async () => {
    const topic = await newTopic('txn-open');
    const producer = await transactionalProducer();
    const plain = kafka.producer();
    clients.push(plain);
    await plain.connect();

    const open = await producer.transaction();
    await open.send({ topic, messages: [{ value: 'in-txn' }] });
    await plain.send({ topic, messages: [{ value: 'after-txn-start' }] });

    const uncommittedReader = await collect(await consumer(true), topic);
    await eventually('read_uncommitted sees both', () => uncommittedReader.messages.length >= 2);

    const readerConsumer = await consumer();
    const severalFetches = fetchRounds(readerConsumer, 3);
    const reader = await collect(readerConsumer, topic);
    await severalFetches;
    // The last stable offset is still 0 (kafkajs's admin lists offsets read_committed, so it sees the LSO as the
    // high watermark), and read_committed fetches stop there.
    const [openOffsets] = await admin.fetchTopicOffsets(topic);
    expect(openOffsets?.high).toBe('0');
    expect(reader.messages).toHaveLength(0);

    await open.commit();
    await eventually('both messages after the commit', () => reader.messages.length >= 2);
    expect(reader.values()).toEqual(['in-txn', 'after-txn-start']);
    const [offsets] = await admin.fetchTopicOffsets(topic);
    expect(offsets?.high).toBe('3'); // two records and the commit marker
  });

  test('sendOffsets offsets become visible when the transaction commits, not when it aborts', async () => {
    const topic = await newTopic('txn-offsets');
    const groupId = uniqueTestName('txn-group');
    const producer = await transactionalProducer();
    const offsets = (offset: string) => ({
      consumerGroupId: groupId,
      topics: [{ topic, partitions: [{ partition: 0, offset }] }],
    });

    const aborted = await producer.transaction();
    await aborted.sendOffsets(offsets('3'));
    await aborted.abort();
    expect(await committedOffset(groupId, topic)).toBe('-1');

    const committed = await producer.transaction();
    await committed.send({ topic, messages: [{ value: 'x' }] });
    await committed.sendOffsets(offsets('5'));
    expect(await committedOffset(groupId, topic)).toBe('-1'); // pending until the commit
    await committed.commit();
    expect(await committedOffset(groupId, topic)).toBe('5');
  });
});
