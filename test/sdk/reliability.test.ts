import { instrument, sdkMetrics } from '@streamops/sdk';
import { startTestBroker, uniqueTestName, type TestBroker } from '@streamops/test-broker';
import * as net from 'node:net';
import {
  type Consumer,
  type EachMessagePayload,
  type ISocketFactory,
  type Kafka,
  type Producer,
} from 'kafkajs';
import { Registry } from 'prom-client';
import { eventually, groupJoined, kafkaClient, metricValue } from './helpers';

let broker: TestBroker;

// The mock: these cases push Produce error codes through its control port, which real Kafka has no way to do.
beforeAll(async () => {
  broker = await startTestBroker({ kind: 'mock', brokers: 1 });
});

afterAll(async () => {
  await broker?.stop();
});

const started: { disconnect(): Promise<void> }[] = [];
afterEach(async () => {
  for (const client of started.splice(0).reverse()) await client.disconnect().catch(() => undefined);
});

async function connected<T extends Producer | Consumer>(client: T): Promise<T> {
  await client.connect();
  started.push(client);
  return client;
}

/** Starts an instrumented consumer that records every delivery. */
async function consume(
  kafka: Kafka,
  group: string,
  topic: string,
  deliveries: EachMessagePayload[],
): Promise<Consumer> {
  const consumer = await connected(
    kafka.consumer({ groupId: group, maxWaitTimeInMs: 50, heartbeatInterval: 100 }),
  );
  await consumer.subscribe({ topic, fromBeginning: true });
  const joined = groupJoined(consumer);
  await consumer.run({
    eachMessage: (payload) => {
      deliveries.push(payload);
      return Promise.resolve();
    },
  });
  await joined;
  return consumer;
}

function reliabilityCounts(registry: Registry, labels: Record<string, string>) {
  return Promise.all(
    [
      sdkMetrics.consumerLostMessages,
      sdkMetrics.consumerDuplicateMessages,
      sdkMetrics.consumerUnverifiedGaps,
      sdkMetrics.consumerRedeliveries,
    ].map((metric) => metricValue(registry, metric.name, labels)),
  ).then(([lost, duplicated, unverified, redelivered]) => ({ lost, duplicated, unverified, redelivered }));
}

function values(deliveries: EachMessagePayload[]): string[] {
  return deliveries.map((delivery) => delivery.message.value?.toString() ?? '');
}

it('counts injected gaps as lost and repeated sequences as duplicates, exactly', async () => {
  const topic = uniqueTestName('sdk-gaps');
  const group = uniqueTestName('sdk-gaps-group');
  await broker.control.createTopic(topic, 1);
  // An uninstrumented producer writes hand-made streamops headers: the injected faults.
  const raw = await connected(kafkaClient(broker.bootstrap).producer());
  const record = (producer: string, sequence: number) => ({
    value: `${producer}/${sequence}`,
    headers: { 'streamops-producer-id': producer, 'streamops-seq': String(sequence) },
  });
  await raw.send({
    topic,
    messages: [
      record('feed01.0', 0),
      record('feed02.0', 0),
      record('feed01.0', 1),
      record('feed01.0', 2),
      // feed01.0 #3 and #4 lost
      record('feed01.0', 5),
      record('feed02.0', 1),
      record('feed01.0', 5), // duplicate
      record('feed01.0', 6),
      record('feed02.0', 3), // feed02.0 #2 lost
      { value: 'no headers' },
      { value: 'bad', headers: { 'streamops-producer-id': 'feed01.0', 'streamops-seq': 'x' } },
      record('feed03.0', 9), // a new producer may start anywhere
    ],
  });

  const registry = new Registry();
  const kafka = instrument(kafkaClient(broker.bootstrap), {
    registry,
    reliability: { lossConfirmationMs: 0 },
  });
  const deliveries: EachMessagePayload[] = [];
  await consume(kafka, group, topic, deliveries);
  await eventually('12 deliveries', () => deliveries.length === 12);

  const labels = { group, topic };
  expect(await reliabilityCounts(registry, labels)).toEqual({
    lost: 3,
    duplicated: 1,
    unverified: 0,
    redelivered: 0,
  });
  expect(
    await metricValue(registry, sdkMetrics.consumerIgnoredHeaders.name, { ...labels, reason: 'malformed' }),
  ).toBe(1);
});

it('gives no false positives across producer restarts, concurrent producers, retriable errors and rebalances', async () => {
  const topic = uniqueTestName('sdk-no-false-positives');
  const group = uniqueTestName('sdk-nfp-group');
  await broker.control.createTopic(topic, 3);
  const registry = new Registry();
  // Loss confirmation 0: any gap would be counted at once.
  const kafka = instrument(kafkaClient(broker.bootstrap), {
    registry,
    reliability: { lossConfirmationMs: 0 },
  });
  const deliveries: EachMessagePayload[] = [];
  const produced: string[] = [];

  const sendFrom = async (producer: Producer, name: string, count: number) => {
    for (let index = 0; index < count; index++) {
      const value = `${name}-${index}`;
      await producer.send({ topic, messages: [{ key: `${index % 5}`, value }, { value: `${value}b` }] });
      produced.push(value, `${value}b`);
    }
  };

  const first = await consume(kafka, group, topic, deliveries);
  const alpha = await connected(kafka.producer());
  const beta = await connected(kafka.producer());
  await Promise.all([sendFrom(alpha, 'alpha', 10), sendFrom(beta, 'beta', 10)]);

  // Retriable errors: the next 3 Produce requests fail with NOT_LEADER_OR_FOLLOWER; kafkajs retries.
  await broker.control.pushErrors(0, 6, 3);
  await sendFrom(alpha, 'alpha-retried', 3);
  expect(
    await metricValue(registry, sdkMetrics.producerRetries.name, { stage: 'producer', topic }),
  ).toBeGreaterThanOrEqual(1);

  // A second consumer joins: rebalance. Then the first leaves: rebalance again.
  const second = await consume(kafka, group, topic, deliveries);
  await sendFrom(beta, 'beta-during-rebalance', 5);
  await first.disconnect();
  // Producer restart: a new instance, new producer id.
  await alpha.disconnect();
  const alphaRestarted = await connected(kafka.producer());
  await sendFrom(alphaRestarted, 'alpha-restarted', 5);
  // Consumer restart within the process: a new consumer of the same group takes over.
  await second.disconnect();
  await consume(kafka, group, topic, deliveries);
  await sendFrom(beta, 'beta-last', 3);

  await eventually('every message consumed', () => new Set(values(deliveries)).size === produced.length);
  const labels = { group, topic };
  const counts = await reliabilityCounts(registry, labels);
  expect(counts).toEqual({
    lost: 0,
    duplicated: 0,
    unverified: 0,
    redelivered: deliveries.length - produced.length,
  });
  expect(await metricValue(registry, sdkMetrics.consumerRebalances.name, { group })).toBeGreaterThanOrEqual(
    3,
  );
});

it('gives no false positives when sends fail for good or the broker goes down and comes back', async () => {
  const topic = uniqueTestName('sdk-broker-down');
  const group = uniqueTestName('sdk-down-group');
  await broker.control.createTopic(topic, 1);
  const registry = new Registry();
  // Counts refused connections, to bring the broker back while kafkajs is still retrying.
  let refusedConnections = 0;
  const socketFactory: ISocketFactory = ({ host, port, onConnect }) => {
    const socket = net.connect({ host, port }, onConnect);
    socket.on('error', () => refusedConnections++);
    return socket;
  };
  const kafka = instrument(kafkaClient(broker.bootstrap, { socketFactory }), {
    registry,
    reliability: { lossConfirmationMs: 0 },
  });
  const impatient = await connected(
    kafka.producer({ retry: { retries: 2, initialRetryTime: 20, maxRetryTime: 50 } }),
  );
  const patient = await connected(
    kafka.producer({ retry: { retries: 30, initialRetryTime: 50, maxRetryTime: 200 } }),
  );
  const sent: string[] = [];
  const send = async (producer: Producer, value: string) => {
    await producer.send({ topic, messages: [{ value }] });
    sent.push(value);
  };
  await send(impatient, 'a');
  await send(impatient, 'b');

  // Three failed attempts: the send fails for good after its number was given out.
  await broker.control.pushErrors(0, 6, 3);
  await expect(impatient.send({ topic, messages: [{ value: 'failed' }] })).rejects.toThrow();
  expect(await metricValue(registry, sdkMetrics.producerErrors.name, { topic })).toBe(1);
  expect(await metricValue(registry, sdkMetrics.producerRetries.name, { topic })).toBe(2);
  await send(impatient, 'c');

  // Broker down, and back up while kafkajs retries: the send goes through.
  await send(patient, 'p1');
  await broker.control.down(-1);
  const refusedBefore = refusedConnections;
  const retried = send(patient, 'p2');
  await eventually('a refused connection', () => refusedConnections > refusedBefore);
  await broker.control.up(-1);
  await retried;
  await send(patient, 'p3');
  await send(impatient, 'd');

  const deliveries: EachMessagePayload[] = [];
  await consume(kafka, group, topic, deliveries);
  await eventually('all sent messages consumed', () => new Set(values(deliveries)).size === sent.length);
  expect(values(deliveries)).toEqual(sent);
  expect(await reliabilityCounts(registry, { group, topic })).toEqual({
    lost: 0,
    duplicated: 0,
    unverified: 0,
    redelivered: 0,
  });
  // The failed send's number is missing from the impatient producer's first epoch; the next one explains it.
  const producerIds = deliveries.map((delivery) =>
    String(delivery.message.headers?.['streamops-producer-id']),
  );
  expect(new Set(producerIds).size).toBe(3);
});
