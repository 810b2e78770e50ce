// The commit-log reader against real Kafka (secured with SCRAM and ACLs, so the refusal can be
// seen) and against the mock: commits made by kafkajs, by a KIP-848 consumer group (real Kafka
// only) and in transactions come back with their commit times; aborted ones do not; and a
// principal that may not read __consumer_offsets gets a reason naming the ACL.
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  Kafka,
  logLevel,
  ResourcePatternTypes,
  type KafkaConfig,
} from 'kafkajs';
import {
  startJavaProcess,
  startTestBroker,
  uniqueTestName,
  type JavaProcess,
  type TestBroker,
  type TestBrokerKind,
} from '@streamops/test-broker';
import { type CommitEvent, type CommitLogRead } from '../../agent/src/protocol/cluster-state';
import { KafkajsClusterSource } from '../../agent/src/collector/kafkajs-source';
import { internalClusterFactory } from '../../agent/src/collector/kafkajs-internals';
import { OffsetsTopicReader } from '../../agent/src/collector/offsets-topic-reader';
import { commitAs, exactProducer, produce } from './harness';

const agentPassword = 'agent-Pw-1c4e77';
const blindPassword = 'blind-Pw-9a02d3';
const describerPassword = 'describer-Pw-66b1f0';

function kafkaClient(brokers: readonly string[], extra: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({
    clientId: uniqueTestName('offsets-topic-test'),
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
    retry: { retries: 3, initialRetryTime: 100 },
    ...extra,
  });
}

function available(read: CommitLogRead): Extract<CommitLogRead, { available: true }> {
  if (!read.available) throw new Error(`commit log unavailable: ${read.reason}`);
  return read;
}

/** Reads until `done` holds for what was read so far (commits reach the log a little after the ack). */
async function readUntil(
  reader: { read(): Promise<CommitLogRead> },
  done: (events: readonly CommitEvent[]) => boolean,
  timeoutMs = 20_000,
): Promise<CommitEvent[]> {
  const events: CommitEvent[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    events.push(...available(await reader.read()).events);
    if (done(events)) return events;
    if (Date.now() > deadline) throw new Error(`not read in time; read so far: ${JSON.stringify(events)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const ofGroup = (events: readonly CommitEvent[], group: string) =>
  events.filter((event) => event.group === group);

describe.each<[TestBrokerKind]>([['kafka'], ['mock']])('OffsetsTopicReader on %s', (kind) => {
  let broker: TestBroker;
  /** Full rights: the test's own producers, consumers and admin calls. */
  let kafka: Kafka;
  /** The agent's connection: SCRAM user `agent` on real Kafka (READ and DESCRIBE on __consumer_offsets). */
  let agentConfig: KafkaConfig;
  const readers: OffsetsTopicReader[] = [];
  const tools: JavaProcess[] = [];

  function newReader(config: KafkaConfig = agentConfig, startBackMs = 60_000): OffsetsTopicReader {
    const cluster = internalClusterFactory(new Kafka(config))({
      metadataMaxAge: 10_000,
      allowAutoTopicCreation: false,
    });
    const reader = new OffsetsTopicReader(cluster, {
      nowMs: Date.now,
      startBackMs,
      unavailableRetryMs: 1_000,
    });
    readers.push(reader);
    return reader;
  }

  async function createTopic(topic: string, numPartitions: number): Promise<void> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions }], waitForLeaders: true });
    } finally {
      await admin.disconnect();
    }
  }

  const scram = (username: string, password: string): KafkaConfig => ({
    clientId: uniqueTestName('offsets-reader'),
    brokers: [...broker.bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 1, initialRetryTime: 100 },
    requestTimeout: 5_000,
    sasl: { mechanism: 'scram-sha-512', username, password },
  });

  beforeAll(async () => {
    if (kind === 'kafka') {
      broker = await startTestBroker({
        kind,
        brokers: 1,
        security: {
          protocol: 'SASL_PLAINTEXT',
          users: [
            { name: 'agent', password: agentPassword },
            { name: 'blind', password: blindPassword },
            { name: 'describer', password: describerPassword },
          ],
          superUsers: [],
        },
      });
      kafka = kafkaClient(broker.adminBootstrap);
      agentConfig = scram('agent', agentPassword);
      const admin = kafka.admin();
      await admin.connect();
      const allow = (user: string, operation: AclOperationTypes) => ({
        resourceType: AclResourceTypes.TOPIC,
        resourceName: '__consumer_offsets',
        resourcePatternType: ResourcePatternTypes.LITERAL,
        principal: `User:${user}`,
        host: '*',
        operation,
        permissionType: AclPermissionTypes.ALLOW,
      });
      try {
        // `blind` gets nothing; `describer` may see the topic but not read it.
        await admin.createAcls({
          acl: [
            allow('agent', AclOperationTypes.READ),
            allow('agent', AclOperationTypes.DESCRIBE),
            allow('describer', AclOperationTypes.DESCRIBE),
          ],
        });
      } finally {
        await admin.disconnect();
      }
    } else {
      broker = await startTestBroker({ kind, brokers: 1 });
      kafka = kafkaClient(broker.bootstrap);
      agentConfig = {
        clientId: uniqueTestName('offsets-reader'),
        brokers: [...broker.bootstrap],
        logLevel: logLevel.NOTHING,
        retry: { retries: 1, initialRetryTime: 100 },
      };
    }
  }, 180_000);

  afterEach(async () => {
    await Promise.all(tools.splice(0).map((tool) => tool.kill()));
  });

  afterAll(async () => {
    await Promise.all(readers.map((reader) => reader.close()));
    await broker?.stop();
  });

  it('returns a kafkajs consumer’s commits once each, timed within the commit call', async () => {
    const topic = uniqueTestName('commits');
    const group = uniqueTestName('kafkajs-group');
    await createTopic(topic, 2);
    const producer = kafka.producer(exactProducer);
    await producer.connect();
    await produce(producer, topic, 0, 10, Date.now());
    await produce(producer, topic, 1, 10, Date.now());
    await producer.disconnect();

    const before = Date.now();
    await commitAs(kafka, group, topic, [
      [0, 4],
      [1, 9],
    ]);
    const after = Date.now();
    const reader = newReader();
    const first = ofGroup(await readUntil(reader, (events) => ofGroup(events, group).length >= 2), group);
    expect(first.map(({ topic: t, partition, offset }) => [t, partition, offset]).sort()).toEqual([
      [topic, 0, 4],
      [topic, 1, 9],
    ]);
    for (const event of first) {
      expect(event.commitTimeMs).toBeGreaterThanOrEqual(before);
      expect(event.commitTimeMs).toBeLessThanOrEqual(after);
    }

    // The next read returns only what was committed since.
    await commitAs(kafka, group, topic, [[0, 7]]);
    const second = ofGroup(await readUntil(reader, (events) => ofGroup(events, group).length >= 1), group);
    expect(second.map((event) => [event.partition, event.offset])).toEqual([[0, 7]]);

    const stats = reader.stats();
    // Kafka 4.4 writes value v4, the first flexible version (Kafka 2.1 to 3.x wrote v3; the mock writes v1).
    console.log(`${kind} ${broker.version}: value versions ${JSON.stringify(stats.valueVersions)}`);
    expect(Object.keys(stats.valueVersions)).toEqual([kind === 'kafka' ? '4' : '1']);
    expect(stats.invalidRecords).toBe(0);

    // The source the agent uses reads through the same reader.
    const source = new KafkajsClusterSource(agentConfig, {
      commitLog: { nowMs: Date.now, startBackMs: 60_000 },
    });
    try {
      const viaSource = ofGroup(
        await readUntil(
          { read: () => source.readCommitLog() },
          (events) => ofGroup(events, group).length >= 3,
        ),
        group,
      );
      expect(viaSource.map((event) => event.offset)).toEqual(expect.arrayContaining([4, 9, 7]));
    } finally {
      await source.close();
    }
  }, 60_000);

  it('leaves out an aborted transactional offset commit and returns the committed one', async () => {
    const topic = uniqueTestName('txn');
    const group = uniqueTestName('txn-group');
    await createTopic(topic, 1);
    const reader = newReader();
    await reader.read(); // positions start here: everything after is read
    const producer = kafka.producer({
      transactionalId: uniqueTestName('txn-id'),
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    try {
      const aborted = await producer.transaction();
      await aborted.send({ topic, messages: [{ value: 'a' }] });
      await aborted.sendOffsets({
        consumerGroupId: group,
        topics: [{ topic, partitions: [{ partition: 0, offset: '5' }] }],
      });
      await aborted.abort();
      const committed = await producer.transaction();
      await committed.send({ topic, messages: [{ value: 'b' }] });
      await committed.sendOffsets({
        consumerGroupId: group,
        topics: [{ topic, partitions: [{ partition: 0, offset: '8' }] }],
      });
      await committed.commit();
    } finally {
      await producer.disconnect();
    }
    const events = ofGroup(await readUntil(reader, (read) => ofGroup(read, group).length >= 1), group);
    // Anything still to come would follow the committed one, which is read last.
    const rest = ofGroup(available(await reader.read()).events, group);
    expect([...events, ...rest].map((event) => event.offset)).toEqual([8]);
    console.log(`${kind}: after the transactions ${JSON.stringify(reader.stats())}`);
    if (kind === 'kafka') expect(reader.stats().abortedRecords).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it('returns the commits of a KIP-848 consumer group (real Kafka only)', async () => {
    if (kind === 'mock') return; // the mock has no consumer group protocol
    const topic = uniqueTestName('kip848');
    const group = uniqueTestName('kip848-group');
    await createTopic(topic, 1);
    const producer = kafka.producer(exactProducer);
    await producer.connect();
    await produce(producer, topic, 0, 30, Date.now());
    await producer.disconnect();
    const reader = newReader();
    await reader.read();
    const before = Date.now();
    const tool = await startJavaProcess({
      mainClass: 'org.apache.kafka.tools.VerifiableConsumer',
      args: [
        '--bootstrap-server',
        broker.adminBootstrap.join(','),
        '--topic',
        topic,
        '--group-id',
        group,
        '--group-protocol',
        'consumer',
        '--max-messages',
        '30',
        '--reset-policy',
        'earliest',
      ],
    });
    tools.push(tool);
    const { code } = await tool.exited;
    expect([code, tool.stderrTail.join('\n')]).toEqual([0, expect.any(String)]);
    const after = Date.now();
    const events = ofGroup(
      await readUntil(reader, (read) => ofGroup(read, group).some((event) => event.offset === 30)),
      group,
    );
    expect(events[events.length - 1]).toMatchObject({ topic, partition: 0, offset: 30 });
    for (const event of events) {
      expect(event.commitTimeMs).toBeGreaterThanOrEqual(before);
      expect(event.commitTimeMs).toBeLessThanOrEqual(after);
    }
    // KIP-848 groups also write their own records (key versions above 2): counted, never returned.
    console.log(`kafka: KIP-848 group read, ${JSON.stringify(reader.stats())}`);
    expect(reader.stats().otherRecords).toBeGreaterThan(0);
  }, 120_000);

  it('says which ACL is missing for a principal that may not read __consumer_offsets (real Kafka only)', async () => {
    if (kind === 'mock') return; // the mock has no authorizer
    for (const [user, password] of [
      ['blind', blindPassword],
      ['describer', describerPassword],
    ] as const) {
      const read = await newReader(scram(user, password)).read();
      expect([user, read]).toEqual([
        user,
        {
          available: false,
          reason: expect.stringMatching(/READ and DESCRIBE on topic __consumer_offsets/) as string,
        },
      ]);
    }
  }, 60_000);
});
