import { instrument, sdkMetrics, type Clock } from '@streamops/sdk';
import { startTestBroker, uniqueTestName, type TestBroker } from '@streamops/test-broker';
import { type Consumer, type Producer } from 'kafkajs';
import { Registry } from 'prom-client';
import { captureSpans, eventually, kafkaClient, metricValue, parentSpanId } from './helpers';

const topic = uniqueTestName('sdk-batch');
const group = uniqueTestName('sdk-batch-group');

/** Monotonic time advanced only by the handler, so every message's duration is known exactly. */
class HandlerClock implements Clock {
  seconds = 1000;
  wallMs(): number {
    return Date.now();
  }
  monotonicSeconds(): number {
    return this.seconds;
  }
}

let broker: TestBroker;
let producer: Producer;
let consumer: Consumer;

beforeAll(async () => {
  broker = await startTestBroker({ brokers: 1, topics: [topic] });
});

afterAll(async () => {
  await consumer?.disconnect();
  await producer?.disconnect();
  await broker?.stop();
});

it('times each message of a batch, not the batch, in durations and spans', async () => {
  const registry = new Registry();
  const capture = captureSpans();
  const clock = new HandlerClock();
  producer = instrument(kafkaClient(broker.bootstrap), {
    registry,
    tracerProvider: capture.provider,
  }).producer();
  await producer.connect();
  // Each value is the number of seconds its handling takes.
  await producer.send({ topic, messages: ['1', '2', '3', '4'].map((value) => ({ value })) });

  consumer = instrument(kafkaClient(broker.bootstrap), {
    pipeline: 'batching',
    registry,
    tracerProvider: capture.provider,
    clock,
  }).consumer({ groupId: group, maxWaitTimeInMs: 50 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let handled = 0;
  await consumer.run({
    eachBatchAutoResolve: true,
    eachBatch: async (payload) => {
      const { batch } = payload;
      for (const message of batch.messages) {
        clock.seconds += Number(message.value?.toString());
        payload.resolveOffset(message.offset);
        handled++;
        await payload.heartbeat();
      }
    },
  });
  await eventually('4 messages handled', () => handled === 4);

  const labels = { pipeline: 'batching', stage: 'consumer', group, topic };
  const name = sdkMetrics.consumerProcessDuration.name;
  expect(await metricValue(registry, name, labels, `${name}_count`)).toBe(4);
  expect(await metricValue(registry, name, labels, `${name}_sum`)).toBe(10);
  // Buckets 1, 2.5 and 5 s hold 1, 2 and 4 messages: the batch total (10 s) is in no message.
  expect(await metricValue(registry, name, { ...labels, le: '1' }, `${name}_bucket`)).toBe(1);
  expect(await metricValue(registry, name, { ...labels, le: '2.5' }, `${name}_bucket`)).toBe(2);
  expect(await metricValue(registry, name, { ...labels, le: '5' }, `${name}_bucket`)).toBe(4);
  const busy = await metricValue(registry, sdkMetrics.stageBusy.name, {
    pipeline: 'batching',
    stage: 'consumer',
  });
  expect(busy).toBe(10);

  const sendSpan = capture.spans(`send ${topic}`)[0];
  const processSpans = capture.spans(`process ${topic}`);
  const batchSpans = processSpans.filter(
    (span) => span.attributes['messaging.batch.message_count'] !== undefined,
  );
  const messageSpans = processSpans.filter((span) => span.attributes['messaging.kafka.offset'] !== undefined);
  expect(messageSpans).toHaveLength(4);
  expect(batchSpans.length).toBeGreaterThanOrEqual(1);
  for (const span of messageSpans) {
    const offset = Number(span.attributes['messaging.kafka.offset']);
    // Offsets 0..3 carry values 1..4 seconds.
    expect(span.duration[0] + span.duration[1] / 1e9).toBeCloseTo(offset + 1, 6);
    expect(parentSpanId(span)).toBe(sendSpan?.spanContext().spanId);
    expect(span.links.map((link) => link.context.spanId)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^[0-9a-f]{16}$/)]),
    );
    expect(batchSpans.map((batch) => batch.spanContext().spanId)).toContain(span.links[0]?.context.spanId);
  }
  for (const batch of batchSpans) {
    expect(batch.links.map((link) => link.context.spanId)).toEqual(
      Array.from({ length: batch.links.length }, () => sendSpan?.spanContext().spanId),
    );
  }
});
