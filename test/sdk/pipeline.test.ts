import { instrument, pipeline, sdkMetrics, stage, type Pipeline } from '@streamops/sdk';
import { startTestBroker, uniqueTestName, type TestBroker } from '@streamops/test-broker';
import { type Admin, type EachMessagePayload, type Kafka, type KafkaMessage } from 'kafkajs';
import { Registry } from 'prom-client';
import { eventually, kafkaClient, metricValue } from './helpers';

let broker: TestBroker;
let kafka: Kafka;
let admin: Admin;
const cleanup: (() => Promise<void>)[] = [];

beforeAll(async () => {
  broker = await startTestBroker({ brokers: 1 });
  kafka = kafkaClient(broker.bootstrap);
  admin = kafka.admin();
  await admin.connect();
});

afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => undefined);
});

afterAll(async () => {
  await admin?.disconnect();
  await broker?.stop();
});

async function committedOffset(group: string, topic: string): Promise<number> {
  const [entry] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  return Number(entry?.partitions[0]?.offset ?? -1);
}

async function readAll(topic: string, count: number): Promise<KafkaMessage[]> {
  const consumer = kafka.consumer({ groupId: uniqueTestName('reader'), maxWaitTimeInMs: 50 });
  await consumer.connect();
  cleanup.push(() => consumer.disconnect());
  const messages: KafkaMessage[] = [];
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: ({ message }: EachMessagePayload) => {
      messages.push(message);
      return Promise.resolve();
    },
  });
  await eventually(`${count} messages in ${topic}`, () => messages.length >= count);
  return messages;
}

async function startPipeline(
  name: string,
  source: string,
  sink: string,
  registry: Registry,
  stages: Parameters<typeof pipeline>[0]['stages'],
  gate?: () => Promise<void>,
): Promise<{ group: string; running: Pipeline }> {
  const group = uniqueTestName(`${name}-group`);
  const clients = instrument(kafkaClient(broker.bootstrap), { registry, pipeline: name });
  const consumer = clients.consumer({ groupId: group, maxWaitTimeInMs: 50 });
  const producer = clients.producer();
  if (gate !== undefined) {
    const sendBatch = producer.sendBatch.bind(producer);
    producer.sendBatch = async (batch) => {
      await gate();
      return sendBatch(batch);
    };
  }
  await consumer.connect();
  await producer.connect();
  cleanup.push(
    () => producer.disconnect(),
    () => consumer.disconnect(),
  );
  const running = pipeline({
    name,
    source: { consumer, topics: [source], fromBeginning: true },
    stages,
    sink: { producer, topic: sink },
    instrumentation: { registry },
    sleep: () => Promise.resolve(),
  });
  await running.start();
  return { group, running };
}

it('gives every message one outcome per stage, dead-letters and filters, and commits everything', async () => {
  const [source, sink, deadLetters] = ['in', 'out', 'dlq'].map((suffix) => uniqueTestName(`pipe-${suffix}`));
  for (const topic of [source!, sink!, deadLetters!]) await broker.control.createTopic(topic, 1);
  const producer = kafka.producer();
  await producer.connect();
  cleanup.push(() => producer.disconnect());
  await producer.send({
    topic: source!,
    messages: Array.from({ length: 10 }, (_, index) => ({ key: `k${index + 1}`, value: String(index + 1) })),
  });

  const registry = new Registry();
  let sevenSeen = false;
  const { group } = await startPipeline('orders-pipe', source!, sink!, registry, [
    stage('parse', (message: KafkaMessage) => Number(message.value?.toString())),
    stage(
      'validate',
      (value: number) => {
        if (value === 4) throw new RangeError('4 is not allowed');
        if (value === 7 && !sevenSeen) {
          sevenSeen = true;
          throw new Error('flaky');
        }
        return value;
      },
      { retries: 1, deadLetterTopic: deadLetters! },
    ),
    stage('filter', (value: number) => (value === 9 ? null : value)),
    stage('format', (value: number) => String(value * 10)),
  ]);

  await eventually(
    'all source offsets committed',
    async () => (await committedOffset(group, source!)) === 10,
  );
  const output = await readAll(sink!, 8);
  expect(output.map((message) => message.value?.toString())).toEqual([
    '10',
    '20',
    '30',
    '50',
    '60',
    '70',
    '80',
    '100',
  ]);
  expect(output.map((message) => message.key?.toString())).toEqual([
    'k1',
    'k2',
    'k3',
    'k5',
    'k6',
    'k7',
    'k8',
    'k10',
  ]);
  const [dead] = await readAll(deadLetters!, 1);
  expect(dead?.value?.toString()).toBe('4');
  expect(dead?.headers?.['streamops-dlq-stage']?.toString()).toBe('validate');
  expect(dead?.headers?.['streamops-dlq-error']?.toString()).toBe('RangeError: 4 is not allowed');
  expect(dead?.headers?.['streamops-dlq-source']?.toString()).toBe(`${source}/0/3`);
  // The origin timestamp travels with the message through the pipeline.
  expect(output[0]?.headers?.['streamops-origin-ts']).toBeDefined();

  const outcomes = async (stageName: string) => {
    const counts: Record<string, number> = {};
    for (const outcome of ['success', 'retried', 'error', 'dead_lettered', 'filtered']) {
      counts[outcome] = await metricValue(registry, sdkMetrics.stageMessages.name, {
        pipeline: 'orders-pipe',
        stage: stageName,
        outcome,
      });
    }
    return counts;
  };
  const none = { success: 0, retried: 0, error: 0, dead_lettered: 0, filtered: 0 };
  expect(await outcomes('parse')).toEqual({ ...none, success: 10 });
  expect(await outcomes('validate')).toEqual({ ...none, success: 8, retried: 1, dead_lettered: 1 });
  expect(await outcomes('filter')).toEqual({ ...none, success: 8, filtered: 1 });
  expect(await outcomes('format')).toEqual({ ...none, success: 8 });
  expect(await metricValue(registry, sdkMetrics.stageRetries.name, { stage: 'validate' })).toBe(2);
  const busy = await metricValue(registry, sdkMetrics.stageBusy.name, {
    pipeline: 'orders-pipe',
    stage: 'validate',
  });
  expect(busy).toBeGreaterThan(0);
});

it('commits a source offset only after the sink has acknowledged its output', async () => {
  const [source, sink] = ['in', 'out'].map((suffix) => uniqueTestName(`pipe-ack-${suffix}`));
  for (const topic of [source!, sink!]) await broker.control.createTopic(topic, 1);
  const producer = kafka.producer();
  await producer.connect();
  cleanup.push(() => producer.disconnect());
  await producer.send({ topic: source!, messages: ['a', 'b', 'c'].map((value) => ({ value })) });

  let openGate: () => void = () => undefined;
  const gateOpen = new Promise<void>((resolve) => (openGate = resolve));
  let sinkCalls = 0;
  const registry = new Registry();
  const { group } = await startPipeline(
    'ack-pipe',
    source!,
    sink!,
    registry,
    [stage('upper', (message: KafkaMessage) => message.value?.toString().toUpperCase())],
    async () => {
      sinkCalls++;
      await gateOpen;
    },
  );
  // The sink has been called, is not acknowledged yet: nothing may be committed.
  await eventually('the sink called', () => sinkCalls > 0);
  const stageName = sdkMetrics.stageMessages.name;
  await eventually(
    'all messages through the stage',
    async () => (await metricValue(registry, stageName, { pipeline: 'ack-pipe', outcome: 'success' })) === 3,
  );
  expect(await committedOffset(group, source!)).toBe(-1);
  openGate();
  await eventually(
    'offsets committed after the acknowledgement',
    async () => (await committedOffset(group, source!)) === 3,
  );
  const output = await readAll(sink!, 3);
  expect(output.map((message) => message.value?.toString())).toEqual(['A', 'B', 'C']);
});
