import { SpanKind } from '@opentelemetry/api';
import { instrument, sdkMetrics } from '@streamops/sdk';
import { startTestBroker, uniqueTestName, type TestBroker } from '@streamops/test-broker';
import { type Consumer, type EachMessagePayload, type Producer } from 'kafkajs';
import { Registry } from 'prom-client';
import {
  captureSpans,
  eventually,
  kafkaClient,
  metricValue,
  parentSpanId,
  type SpanCapture,
} from './helpers';

const topic = uniqueTestName('sdk-metrics');
const group = uniqueTestName('sdk-metrics-group');
const pipeline = 'orders';

let broker: TestBroker;
let registry: Registry;
let capture: SpanCapture;
let producer: Producer;
let consumer: Consumer;
const received: EachMessagePayload[] = [];

beforeAll(async () => {
  broker = await startTestBroker({ brokers: 1, topics: [{ name: topic, partitions: 3 }] });
  registry = new Registry();
  capture = captureSpans();
  const kafka = instrument(kafkaClient(broker.bootstrap), {
    pipeline,
    registry,
    tracerProvider: capture.provider,
    stages: { producer: 'ingest', consumer: 'enrich' },
  });
  // Idempotent: a send that timed out on busy cores may still have been written, and a plain producer's retry
  // would add a duplicate that this test's exact counts (and the SDK's duplicate counter) would then see.
  producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  consumer = kafka.consumer({ groupId: group, maxWaitTimeInMs: 50 });
  await producer.connect();
  await consumer.connect();
});

afterAll(async () => {
  await consumer?.disconnect();
  await producer?.disconnect();
  await broker?.stop();
});

const producerLabels = { pipeline, stage: 'ingest', topic };
const consumerLabels = { pipeline, stage: 'enrich', group, topic };

it('counts sends and consumption exactly and links process spans to send spans', async () => {
  // 3 send calls, 2 + 3 + 1 messages; 5-byte values and 2-byte keys.
  await producer.send({
    topic,
    messages: [
      { key: 'k1', value: 'one..' },
      { key: 'k2', value: 'two..' },
    ],
  });
  await producer.send({
    topic,
    messages: [
      { key: 'k3', value: 'three' },
      { key: 'k4', value: 'four.' },
      { key: 'k5', value: 'five.' },
    ],
  });
  await producer.sendBatch({ topicMessages: [{ topic, messages: [{ key: 'k6', value: 'six..' }] }] });

  expect(await metricValue(registry, sdkMetrics.producerMessages.name, producerLabels)).toBe(6);
  expect(await metricValue(registry, sdkMetrics.producerBytes.name, producerLabels)).toBe(42);
  const sendCount = `${sdkMetrics.producerSendDuration.name}_count`;
  expect(await metricValue(registry, sdkMetrics.producerSendDuration.name, producerLabels, sendCount)).toBe(
    3,
  );
  expect(await metricValue(registry, sdkMetrics.producerErrors.name, producerLabels)).toBe(0);

  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async (payload) => {
      received.push(payload);
      await Promise.resolve();
    },
  });
  await eventually('6 messages consumed', () => received.length === 6);

  expect(await metricValue(registry, sdkMetrics.consumerMessages.name, consumerLabels)).toBe(6);
  expect(await metricValue(registry, sdkMetrics.consumerBytes.name, consumerLabels)).toBe(42);
  const ageCount = `${sdkMetrics.consumerRecordAge.name}_count`;
  expect(await metricValue(registry, sdkMetrics.consumerRecordAge.name, consumerLabels, ageCount)).toBe(6);
  const processCount = `${sdkMetrics.consumerProcessDuration.name}_count`;
  expect(
    await metricValue(registry, sdkMetrics.consumerProcessDuration.name, consumerLabels, processCount),
  ).toBe(6);
  for (const metric of [
    sdkMetrics.consumerLostMessages,
    sdkMetrics.consumerDuplicateMessages,
    sdkMetrics.consumerRedeliveries,
    sdkMetrics.consumerUnverifiedGaps,
    sdkMetrics.consumerHandlerErrors,
    sdkMetrics.consumerIgnoredHeaders,
  ]) {
    expect([metric.name, await metricValue(registry, metric.name, consumerLabels)]).toEqual([metric.name, 0]);
  }
  const groupLabels = { pipeline, stage: 'enrich', group };
  expect(await metricValue(registry, sdkMetrics.consumerRebalances.name, groupLabels)).toBe(1);
  expect(await metricValue(registry, sdkMetrics.consumerPartitionsAssigned.name, consumerLabels)).toBe(3);
  expect(await metricValue(registry, sdkMetrics.consumerAssignedPartitions.name, consumerLabels)).toBe(3);
  await eventually(
    'lag drained',
    async () => (await metricValue(registry, sdkMetrics.consumerLag.name, consumerLabels)) === 0,
  );
  await eventually(
    'an auto-commit measured',
    async () =>
      (await metricValue(
        registry,
        sdkMetrics.consumerCommitDuration.name,
        groupLabels,
        `${sdkMetrics.consumerCommitDuration.name}_count`,
      )) > 0,
  );
  expect(await metricValue(registry, sdkMetrics.consumerCommitFailures.name, groupLabels)).toBe(0);
  expect(await metricValue(registry, sdkMetrics.instrumentationErrors.name)).toBe(0);

  // Spans: one PRODUCER span per send call, one CONSUMER span per message, child of its send span.
  const sendSpans = capture.spans(`send ${topic}`);
  expect(sendSpans).toHaveLength(3);
  expect(sendSpans.every((span) => span.kind === SpanKind.PRODUCER)).toBe(true);
  expect(sendSpans.map((span) => span.attributes['messaging.batch.message_count'])).toEqual([
    2,
    3,
    undefined,
  ]);
  const processSpans = capture.spans(`process ${topic}`);
  expect(processSpans).toHaveLength(6);
  for (const span of processSpans) {
    expect(span.kind).toBe(SpanKind.CONSUMER);
    expect(span.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.operation.type': 'process',
      'messaging.destination.name': topic,
      'messaging.consumer.group.name': group,
      'streamops.pipeline': pipeline,
      'streamops.stage': 'enrich',
    });
    const parent = sendSpans.find((send) => send.spanContext().spanId === parentSpanId(span));
    expect(parent).toBeDefined();
    expect(span.spanContext().traceId).toBe(parent?.spanContext().traceId);
  }

  // Headers: streamops set with sequences 0.. per partition.
  const headers = received.map((payload) => payload.message.headers ?? {});
  for (const header of headers) {
    expect(Object.keys(header).sort()).toEqual(
      ['streamops-origin-ts', 'streamops-producer-id', 'streamops-seq', 'traceparent'].sort(),
    );
  }
  const sequencesByPartition = new Map<number, number[]>();
  for (const payload of received) {
    const sequence = Number(String(payload.message.headers?.['streamops-seq']));
    sequencesByPartition.set(payload.partition, [
      ...(sequencesByPartition.get(payload.partition) ?? []),
      sequence,
    ]);
  }
  for (const sequences of sequencesByPartition.values()) {
    expect(sequences).toEqual(sequences.map((_, index) => index));
  }
});
