import { existsSync, readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

import {
  FaultNotOnRealKafkaError,
  startTestBroker,
  testBrokerKindVariable,
  type TestBroker,
} from '@streamops/test-broker';
import { Kafka, logLevel } from 'kafkajs';

import { kafkaClient } from './helpers';

// The launcher of real Apache Kafka (KRaft): start, answer, crash and restart a node, stop by PID and clean up.

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function refusesConnections(address: string): Promise<boolean> {
  const [host, port] = address.split(':');
  return new Promise((resolve) => {
    const socket = net.connect({ host, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

/** The node's storage folder, from the server.properties path on its command line. */
function storageFolderOf(pid: number): string {
  const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  const properties = args[args.length - 1] ?? '';
  return path.dirname(path.dirname(properties));
}

async function produceAndCount(kafka: Kafka, topic: string, values: string[]): Promise<number> {
  // Idempotent: on a busy machine a first produce can time out on a fresh broker, and a plain
  // producer's retry then writes the records twice (seen in CI: 5 records for 3).
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  await producer.send({ topic, messages: values.map((value) => ({ value })) });
  await producer.disconnect();
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  return offsets.reduce((sum, partition) => sum + Number(partition.high), 0);
}

describe('real Kafka test cluster', () => {
  const externalOnEntry = process.env.KAFKA_BROKERS;
  let broker: TestBroker | undefined;

  afterEach(async () => {
    await broker?.stop();
    broker = undefined;
  });

  test('starts a KRaft node on 127.0.0.1, keeps data across a SIGKILL and restart, and stop() leaves nothing', async () => {
    if (externalOnEntry) return;
    broker = await startTestBroker({
      kind: 'kafka',
      brokers: 1,
      topics: [{ name: 'real-a', partitions: 2 }],
    });
    expect(broker).toMatchObject({ kind: 'kafka', external: false, controlAddress: undefined });
    expect(broker.version).toMatch(/^4\.\d+\.\d+$/);
    expect(broker.bootstrap).toHaveLength(1);
    expect(broker.bootstrap[0]).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(broker.adminBootstrap).toEqual(broker.bootstrap);
    const kafka = kafkaClient(broker.bootstrap, 'real-launcher');
    expect(await produceAndCount(kafka, 'real-a', ['1', '2', '3'])).toBe(3);

    const [pid] = broker.pids;
    expect(pid).toBeDefined();
    await broker.control.down(1);
    expect(isRunning(pid!)).toBe(false);
    expect(await refusesConnections(broker.bootstrap[0]!)).toBe(true);
    await broker.control.up(1);
    const restartedPid = broker.pid!;
    expect(restartedPid).not.toBe(pid);
    // The restarted node serves the same log: 3 earlier records plus 1 new.
    expect(await produceAndCount(kafka, 'real-a', ['4'])).toBe(4);

    const status = await broker.control.status();
    expect(status.brokers).toEqual([expect.objectContaining({ id: 1, up: true })]);
    expect(status.topics.find((topic) => topic.name === 'real-a')?.partitions).toHaveLength(2);

    const storage = storageFolderOf(restartedPid);
    expect(existsSync(storage)).toBe(true);
    await broker.stop();
    expect(isRunning(restartedPid)).toBe(false);
    expect(existsSync(storage)).toBe(false);
    expect(await refusesConnections(broker.bootstrap[0]!)).toBe(true);
    await broker.stop(); // idempotent
  });

  test('control-port faults are refused with an error that says to use the mock', async () => {
    if (externalOnEntry) return;
    broker = await startTestBroker({ kind: 'kafka', brokers: 1 });
    await expect(broker.control.rtt(-1, 100)).rejects.toBeInstanceOf(FaultNotOnRealKafkaError);
    await expect(broker.control.pushErrors(0, 6, 1)).rejects.toThrow(/kind: 'mock'/);
    await expect(broker.control.setLeader('t', 0, 1)).rejects.toThrow(/setLeader is a control-port fault/);
    await expect(broker.control.down(7)).rejects.toThrow(/no broker 7/);
  });

  test('a SASL_SSL cluster: SCRAM-SHA-512 over TLS with a CA made for it; admin set-up stays on PLAINTEXT', async () => {
    if (externalOnEntry) return;
    broker = await startTestBroker({
      kind: 'kafka',
      brokers: 1,
      security: { protocol: 'SASL_SSL', users: [{ name: 'alice', password: 'alice-secret' }] },
      topics: ['secured'],
    });
    expect(broker.tls?.caPem).toMatch(/BEGIN CERTIFICATE/);
    expect(broker.adminBootstrap).not.toEqual(broker.bootstrap);
    const client = new Kafka({
      brokers: broker.bootstrap,
      logLevel: logLevel.NOTHING,
      ssl: { ca: [broker.tls!.caPem] },
      sasl: { mechanism: 'scram-sha-512', username: 'alice', password: 'alice-secret' },
    });
    expect(await produceAndCount(client, 'secured', ['s'])).toBe(1);
    // A plaintext client cannot talk to the TLS listener; the internal listener serves it.
    await expect(kafkaClient(broker.bootstrap, 'real-plaintext', 0).admin().connect()).rejects.toThrow();
    expect(await produceAndCount(kafkaClient(broker.adminBootstrap, 'real-internal'), 'secured', ['t'])).toBe(
      2,
    );
  });

  test(`${testBrokerKindVariable} other than kafka or mock is an error naming the variable`, async () => {
    if (externalOnEntry) return;
    const before = process.env[testBrokerKindVariable];
    process.env[testBrokerKindVariable] = 'redpanda';
    try {
      await expect(startTestBroker()).rejects.toThrow(
        /STREAMOPS_TEST_KAFKA must be "kafka" or "mock", got "redpanda"/,
      );
    } finally {
      if (before === undefined) delete process.env[testBrokerKindVariable];
      else process.env[testBrokerKindVariable] = before;
    }
  });
});
