import * as net from 'node:net';

import { type Admin, type Consumer, type Kafka, type Producer } from 'kafkajs';

import {
  ControlCommandError,
  externalBootstrap,
  startTestBroker,
  type TestBroker,
  uniqueTestName,
} from '@streamops/test-broker';

import { collect, eventually, kafkaClient } from './helpers';

// Fault injection needs the local broker's control port: against an external cluster these cases are skipped.
const external = externalBootstrap() !== undefined;
const faultTest = external ? test.skip : test;
if (external) {
  console.warn(
    'fault-injection tests skipped: KAFKA_BROKERS names an external cluster, which has no control port',
  );
}

/** Kafka API keys and error codes used below. */
const apiKey = { Produce: 0 } as const;
const errorCode = { NOT_LEADER_FOR_PARTITION: 6, MESSAGE_TOO_LARGE: 10 } as const;

/** Resolves with the socket error code of a plain TCP connect ('' when the connection succeeds). */
function tcpConnect(hostPort: string): Promise<string> {
  const [host, port] = hostPort.split(':');
  return new Promise((resolve) => {
    const socket = net.connect({ host, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve('');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

describe('test broker: fault injection (own broker)', () => {
  let broker: TestBroker;
  let kafka: Kafka;
  let admin: Admin;
  const clients: Array<Producer | Consumer | Admin> = [];

  const track = <T extends Producer | Consumer | Admin>(client: T): T => {
    clients.push(client);
    return client;
  };

  const newTopic = async (prefix: string, partitions = 1): Promise<string> => {
    const topic = uniqueTestName(prefix);
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 3 }] });
    return topic;
  };

  const highWatermark = async (topic: string): Promise<number> =>
    Number((await admin.fetchTopicOffsets(topic)).find((p) => p.partition === 0)?.high);

  beforeAll(async () => {
    if (external) return;
    broker = await startTestBroker({ kind: 'mock', brokers: 3 });
    kafka = kafkaClient(broker.bootstrap, 'conformance-faults');
    admin = kafka.admin();
    await admin.connect();
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.disconnect()));
    if (!external) {
      await broker.control.rtt(-1, 0);
      await broker.control.up(-1);
    }
  });

  afterAll(async () => {
    await admin?.disconnect();
    await broker?.stop();
  });

  faultTest('injected RTT is seen by clients', async () => {
    const topic = await newTopic('rtt');
    const timed = async (): Promise<number> => {
      const started = process.hrtime.bigint();
      await admin.fetchTopicOffsets(topic);
      return Number(process.hrtime.bigint() - started) / 1e6;
    };

    expect(await timed()).toBeLessThan(250);
    await broker.control.rtt(-1, 300);
    expect((await broker.control.status()).brokers.map((b) => b.rttMs)).toEqual([300, 300, 300]);
    expect(await timed()).toBeGreaterThanOrEqual(300);
    await broker.control.rtt(-1, 0);
    expect(await timed()).toBeLessThan(250);
  });

  faultTest(
    'a pushed retriable error is retried and succeeds; a non-retriable one fails the request',
    async () => {
      const topic = await newTopic('errors');
      const producer = track(kafka.producer());
      await producer.connect();
      await producer.send({ topic, messages: [{ value: 'warm-up' }] });

      await broker.control.pushErrors(apiKey.Produce, errorCode.NOT_LEADER_FOR_PARTITION, 2);
      await producer.send({ topic, messages: [{ value: 'retried' }] });
      expect(await highWatermark(topic)).toBe(2); // written exactly once

      await broker.control.pushErrors(apiKey.Produce, errorCode.MESSAGE_TOO_LARGE, 1);
      await expect(producer.send({ topic, messages: [{ value: 'rejected' }] })).rejects.toMatchObject({
        type: 'MESSAGE_TOO_LARGE',
      });
      expect(await highWatermark(topic)).toBe(2);
    },
  );

  faultTest('a down broker refuses connections (ECONNREFUSED) and up recovers it', async () => {
    const brokerTwo = broker.bootstrap[1]!;
    const onlyBrokerTwo = kafkaClient([brokerTwo], 'conformance-down');

    await broker.control.down(2);
    expect(await tcpConnect(brokerTwo)).toBe('ECONNREFUSED');
    const failing = kafkaClient([brokerTwo], 'conformance-down-once', 0).admin();
    await expect(failing.connect()).rejects.toThrow(/ECONNREFUSED/);
    const status = await broker.control.status();
    expect(status.brokers.find((b) => b.id === 2)?.up).toBe(false);

    await broker.control.up(2);
    expect(await tcpConnect(brokerTwo)).toBe('');
    const recovered = track(onlyBrokerTwo.admin());
    await recovered.connect();
    expect(Array.isArray(await recovered.listTopics())).toBe(true);
  });

  faultTest('the controller moves to a broker that is up, so admin requests keep working', async () => {
    await broker.control.down(1);
    expect((await broker.control.status()).controller).toBe(2);

    const survivor = track(kafkaClient(broker.bootstrap.slice(1), 'conformance-controller').admin());
    await survivor.connect();
    const topic = uniqueTestName('controller-moved');
    await expect(survivor.createTopics({ topics: [{ topic, replicationFactor: 2 }] })).resolves.toBe(true);

    await broker.control.up(1);
    expect((await broker.control.status()).controller).toBe(1);
  });

  faultTest('a leader change is followed by producers and consumers', async () => {
    const topic = await newTopic('leader');
    const producer = track(kafka.producer());
    await producer.connect();
    const consumer = track(kafka.consumer({ groupId: uniqueTestName('leader-group'), maxWaitTimeInMs: 200 }));
    await consumer.connect();
    const received = await collect(consumer, topic);

    await producer.send({ topic, messages: [{ value: 'before' }] });
    await eventually('the first message', () => received.messages.length >= 1);

    const before = (await broker.control.status()).topics.find((t) => t.name === topic)?.partitions[0];
    const newLeader = before!.leader === 3 ? 1 : before!.leader + 1;
    await broker.control.setLeader(topic, 0, newLeader);
    const after = (await broker.control.status()).topics.find((t) => t.name === topic)?.partitions[0];
    expect(after).toMatchObject({ leader: newLeader, leaderEpoch: before!.leaderEpoch + 1 });

    await producer.send({ topic, messages: [{ value: 'after' }] });
    await eventually('the message produced after the leader change', () => received.messages.length >= 2);
    expect(received.values()).toEqual(['before', 'after']);
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(metadata.topics[0]?.partitions[0]?.leader).toBe(newLeader);
  });

  faultTest('topics can be created and deleted through the control port', async () => {
    const topic = uniqueTestName('control-topic');
    await broker.control.createTopic(topic, 4, 2);
    const created = (await broker.control.status()).topics.find((t) => t.name === topic);
    expect(created?.partitions).toHaveLength(4);
    expect(created?.partitions.every((p) => p.replicas.length === 2)).toBe(true);
    expect(await admin.listTopics()).toContain(topic);

    await broker.control.deleteTopic(topic);
    expect((await broker.control.status()).topics.some((t) => t.name === topic)).toBe(false);
    await expect(broker.control.deleteTopic(topic)).rejects.toBeInstanceOf(ControlCommandError);
  });

  faultTest('malformed control commands get ERR and the broker keeps working', async () => {
    const malformed = [
      '',
      'bogus',
      'down',
      'down 0',
      'down 99',
      'up two',
      'rtt 1',
      'rtt 1 -5',
      'rtt 1 99999999999999999999',
      'errors 999 1 1',
      'errors 0 6 0',
      'leader no-such-topic 0 1',
      'leader',
      'create-topic bad/name 1',
      'create-topic ok-name 0',
      'create-topic ok-name 1 7',
      'delete-topic __consumer_offsets',
      'status extra',
      'a b c d e f g h i j',
      '\u0001\u0002\u0003',
    ];
    for (const line of malformed) {
      expect(await broker.control.command(line)).toMatch(/^ERR /);
    }
    await expect(broker.control.down(99)).rejects.toBeInstanceOf(ControlCommandError);

    // Raw abuse on one connection: an over-long line, a NUL byte, binary junk, then a valid command.
    const { host, port } = broker.controlAddress!;
    const replies = await rawControlSession(host, port, [
      Buffer.from(`${'x'.repeat(10_000)}\n`),
      Buffer.from('ping\u0000\n'),
      Buffer.from([0xff, 0xfe, 0x00, 0x0a]),
      Buffer.from('ping\n'),
    ]);
    expect(replies).toEqual([
      'ERR line too long (max 4095 bytes)',
      'ERR malformed command: NUL byte',
      'ERR malformed command: NUL byte',
      'OK pong',
    ]);

    // The broker still serves Kafka clients and the control port.
    const topic = await newTopic('after-abuse');
    const producer = track(kafka.producer());
    await producer.connect();
    await producer.send({ topic, messages: [{ value: 'still works' }] });
    expect(await highWatermark(topic)).toBe(1);
    expect(await broker.control.command('ping')).toBe('OK pong');
  });
});

/** Sends raw chunks on one control connection and returns the reply lines received before it closes. */
function rawControlSession(host: string, port: number, chunks: Buffer[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    let received = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => {
      for (const chunk of chunks) socket.write(chunk);
      socket.end();
    });
    socket.on('data', (data: string) => (received += data));
    socket.on('error', reject);
    socket.on('close', () => resolve(received.split('\n').filter((line) => line.length > 0)));
  });
}
