import { type Tracer, type TracerProvider } from '@opentelemetry/api';
import { instrument, sdkMetrics } from '@streamops/sdk';
import { startTestBroker, uniqueTestName, type TestBroker } from '@streamops/test-broker';
import { type Admin, type Consumer, type ConsumerCrashEvent, type Kafka } from 'kafkajs';
import { Registry } from 'prom-client';
import { captureSpans, eventually, kafkaClient, metricValue } from './helpers';

let broker: TestBroker;
let admin: Admin;

beforeAll(async () => {
  broker = await startTestBroker({ brokers: 1 });
  admin = kafkaClient(broker.bootstrap).admin();
  await admin.connect();
});

afterAll(async () => {
  await admin?.disconnect();
  await broker?.stop();
});

/** A small deterministic random generator (mulberry32), so each seed gives the same input. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Mode = 'eachMessage' | 'eachBatch';

interface RunResult {
  /** Per partition: every handler call, in order, as `value:ok` or `value:fail`. */
  calls: Record<number, string[]>;
  committed: Record<number, string>;
}

async function committed(group: string, topic: string): Promise<Record<number, string>> {
  const [entry] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  return Object.fromEntries((entry?.partitions ?? []).map(({ partition, offset }) => [partition, offset]));
}

/** Consumes the topic once, failing each value of `failOnce` on its first delivery. */
async function consumeOnce(
  kafka: Kafka,
  topic: string,
  mode: Mode,
  total: number,
  failOnce: ReadonlySet<string>,
): Promise<RunResult> {
  const group = uniqueTestName('sdk-safety-group');
  const consumer = kafka.consumer({
    groupId: group,
    maxWaitTimeInMs: 50,
    retry: { initialRetryTime: 20, retries: 20 },
  });
  await consumer.connect();
  const calls: Record<number, string[]> = {};
  const failed = new Set<string>();
  const done = new Set<string>();
  const handle = (partition: number, value: string) => {
    (calls[partition] ??= []).push(value);
    if (failOnce.has(value) && !failed.has(value)) {
      failed.add(value);
      calls[partition].push(`${value}:fail`);
      throw new Error(`transient failure on ${value}`);
    }
    done.add(value);
  };
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run(
    mode === 'eachMessage'
      ? {
          eachMessage: async ({ partition, message }) => {
            await Promise.resolve();
            handle(partition, message.value!.toString());
          },
        }
      : {
          eachBatch: async (payload) => {
            const { batch } = payload;
            for (const message of batch.messages) {
              handle(batch.partition, message.value!.toString());
              payload.resolveOffset(message.offset);
              await payload.heartbeat();
            }
          },
        },
  );
  await eventually('every message handled', () => done.size === total);
  await consumer.disconnect();
  return { calls, committed: await committed(group, topic) };
}

describe.each<Mode>(['eachMessage', 'eachBatch'])('with %s', (mode) => {
  it.each([11, 22, 33])(
    'processes and commits the same messages with and without instrumentation (seed %i)',
    async (seed) => {
      const next = random(seed);
      const topic = uniqueTestName(`sdk-safety-${mode}`);
      await broker.control.createTopic(topic, 3);
      const total = 15 + Math.floor(next() * 15);
      const messages = Array.from({ length: total }, (_, index) => ({
        key: `key-${Math.floor(next() * 7)}`,
        value: `v${index}`,
      }));
      const failOnce = new Set(messages.filter(() => next() < 0.15).map((message) => message.value));
      // Idempotent: on a loaded machine real Kafka can time out a produce that it then writes, and a plain
      // producer's retry would duplicate the batch (the mock never times out, so it never showed).
      const producer = kafkaClient(broker.bootstrap).producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      await producer.send({ topic, messages });
      await producer.disconnect();

      const plain = await consumeOnce(kafkaClient(broker.bootstrap), topic, mode, total, failOnce);
      const capture = captureSpans();
      const registry = new Registry();
      const instrumented = await consumeOnce(
        instrument(kafkaClient(broker.bootstrap), { registry, tracerProvider: capture.provider }),
        topic,
        mode,
        total,
        failOnce,
      );
      expect(instrumented).toEqual(plain);
      expect(Object.values(plain.committed).reduce((sum, offset) => sum + Number(offset), 0)).toBe(total);
      expect(await metricValue(registry, sdkMetrics.consumerHandlerErrors.name)).toBe(failOnce.size);
      expect(await metricValue(registry, sdkMetrics.instrumentationErrors.name)).toBe(0);
    },
  );
});

/** Runs a consumer whose handler throws `thrown` and returns the crash kafkajs reports. */
async function crashOf(kafka: Kafka, topic: string, thrown: Error): Promise<ConsumerCrashEvent['payload']> {
  const consumer: Consumer = kafka.consumer({ groupId: uniqueTestName('sdk-crash'), maxWaitTimeInMs: 50 });
  await consumer.connect();
  const crash = new Promise<ConsumerCrashEvent['payload']>((resolve) =>
    consumer.on(consumer.events.CRASH, (event) => resolve(event.payload)),
  );
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: () => Promise.reject(thrown),
  });
  const payload = await crash;
  await consumer.disconnect();
  return payload;
}

it('lets handler exceptions reach kafkajs unchanged', async () => {
  const topic = uniqueTestName('sdk-crash');
  await broker.control.createTopic(topic, 1);
  const producer = kafkaClient(broker.bootstrap).producer();
  await producer.connect();
  await producer.send({ topic, messages: [{ value: 'poison' }] });
  await producer.disconnect();

  // A TypeError is not retriable for kafkajs: the consumer crashes, carrying the error as its cause.
  const plainError = new TypeError('bad input');
  const plain = await crashOf(kafkaClient(broker.bootstrap), topic, plainError);
  const instrumentedError = new TypeError('bad input');
  const instrumented = await crashOf(
    instrument(kafkaClient(broker.bootstrap), { registry: new Registry() }),
    topic,
    instrumentedError,
  );
  expect(instrumented.error.name).toBe(plain.error.name);
  expect(instrumented.restart).toBe(plain.restart);
  expect((instrumented.error as Error & { cause?: unknown }).cause).toBe(instrumentedError);
});

it('counts its own failures and keeps the pipeline going when tracing breaks', async () => {
  const topic = uniqueTestName('sdk-broken-tracer');
  await broker.control.createTopic(topic, 1);
  const brokenTracer = {
    startSpan: () => {
      throw new Error('exporter down');
    },
  } as unknown as Tracer;
  const brokenProvider: TracerProvider = { getTracer: () => brokenTracer };
  const registry = new Registry();
  const kafka = instrument(kafkaClient(broker.bootstrap), { registry, tracerProvider: brokenProvider });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages: [{ value: 'a' }, { value: 'b' }] });
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: uniqueTestName('sdk-broken-group'), maxWaitTimeInMs: 50 });
  await consumer.connect();
  const values: string[] = [];
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: ({ message }) => {
      values.push(message.value!.toString());
      return Promise.resolve();
    },
  });
  await eventually('both messages consumed', () => values.length === 2);
  await consumer.disconnect();
  expect(values).toEqual(['a', 'b']);
  expect(await metricValue(registry, sdkMetrics.instrumentationErrors.name, { operation: 'produce' })).toBe(
    1,
  );
  expect(await metricValue(registry, sdkMetrics.instrumentationErrors.name, { operation: 'consume' })).toBe(
    2,
  );
  expect(await metricValue(registry, sdkMetrics.producerMessages.name, { topic })).toBe(0);
  expect(await metricValue(registry, sdkMetrics.consumerMessages.name, { topic })).toBe(2);
});
