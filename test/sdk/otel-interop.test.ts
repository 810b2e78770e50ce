import { propagation } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { KafkaJsInstrumentation } from '@opentelemetry/instrumentation-kafkajs';
import { type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { instrument } from '@streamops/sdk';
import { startTestBroker, uniqueTestName, type TestBroker } from '@streamops/test-broker';
import * as kafkajs from 'kafkajs';
import { Registry } from 'prom-client';
import { captureSpans, eventually, kafkaClient, parentSpanId, type SpanCapture } from './helpers';

const otelScope = '@opentelemetry/instrumentation-kafkajs';
const ourScope = '@streamops/sdk';

let broker: TestBroker;
let capture: SpanCapture;
let otel: KafkaJsInstrumentation;
const disconnect: (() => Promise<void>)[] = [];

beforeAll(async () => {
  broker = await startTestBroker({ brokers: 1 });
  capture = captureSpans();
  // The OTel instrumentation reads trace context through the global propagator.
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  otel = new KafkaJsInstrumentation({ enabled: false });
  otel.setTracerProvider(capture.provider);
});

afterAll(async () => {
  for (const step of disconnect.reverse()) await step().catch(() => undefined);
  propagation.disable();
  await broker?.stop();
});

/**
 * Runs `create` while the OTel instrumentation patches kafkajs. jest loads modules through
 * its own registry, so the instrumentation's require hook cannot see kafkajs; its patch is
 * applied by hand instead, as the hook would.
 */
function withOtelPatch<T>(create: () => T): T {
  const [definition] = otel.getModuleDefinitions();
  definition?.patch?.(kafkajs, '2.2.4');
  try {
    return create();
  } finally {
    definition?.unpatch?.(kafkajs, '2.2.4');
  }
}

function scopeOf(span: ReadableSpan): string {
  return span.instrumentationScope.name;
}

async function consumeOne(consumer: kafkajs.Consumer, topic: string): Promise<void> {
  await consumer.connect();
  disconnect.push(() => consumer.disconnect());
  let received = 0;
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: () => {
      received++;
      return Promise.resolve();
    },
  });
  await eventually('one message consumed', () => received === 1);
}

it('continues a trace started by an app using @opentelemetry/instrumentation-kafkajs', async () => {
  const topic = uniqueTestName('sdk-otel-to-us');
  await broker.control.createTopic(topic, 1);
  const producer = withOtelPatch(() =>
    new kafkajs.Kafka({ brokers: broker.bootstrap, logLevel: 0 }).producer(),
  );
  await producer.connect();
  disconnect.push(() => producer.disconnect());
  await producer.send({ topic, messages: [{ value: 'from otel' }] });

  const ours = instrument(kafkaClient(broker.bootstrap), {
    registry: new Registry(),
    tracerProvider: capture.provider,
  });
  await consumeOne(ours.consumer({ groupId: uniqueTestName('sdk-otel-group'), maxWaitTimeInMs: 50 }), topic);

  const send = capture.spans(`send ${topic}`).find((span) => scopeOf(span) === otelScope);
  const processSpan = capture.spans(`process ${topic}`).find((span) => scopeOf(span) === ourScope);
  expect(send).toBeDefined();
  expect(processSpan).toBeDefined();
  expect(parentSpanId(processSpan!)).toBe(send!.spanContext().spanId);
  expect(processSpan!.spanContext().traceId).toBe(send!.spanContext().traceId);
});

it('starts traces that an app using @opentelemetry/instrumentation-kafkajs continues', async () => {
  const topic = uniqueTestName('sdk-us-to-otel');
  await broker.control.createTopic(topic, 1);
  const ours = instrument(kafkaClient(broker.bootstrap), {
    registry: new Registry(),
    tracerProvider: capture.provider,
  });
  const producer = ours.producer();
  await producer.connect();
  disconnect.push(() => producer.disconnect());
  await producer.send({ topic, messages: [{ value: 'from streamops' }] });

  const consumer = withOtelPatch(() =>
    new kafkajs.Kafka({ brokers: broker.bootstrap, logLevel: 0 }).consumer({
      groupId: uniqueTestName('otel-group'),
      maxWaitTimeInMs: 50,
    }),
  );
  await consumeOne(consumer, topic);

  const send = capture.spans(`send ${topic}`).find((span) => scopeOf(span) === ourScope);
  const processSpan = capture.spans(`process ${topic}`).find((span) => scopeOf(span) === otelScope);
  expect(send).toBeDefined();
  expect(processSpan).toBeDefined();
  expect(parentSpanId(processSpan!)).toBe(send!.spanContext().spanId);
  expect(processSpan!.spanContext().traceId).toBe(send!.spanContext().traceId);
});
