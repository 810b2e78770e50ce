import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { Kafka, logLevel, type Consumer, type KafkaConfig } from 'kafkajs';
import { type Registry } from 'prom-client';

/** A kafkajs client that logs nothing and retries quickly (the broker is local). */
export function kafkaClient(bootstrap: string[], extra: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({
    brokers: bootstrap,
    clientId: 'sdk-test',
    logLevel: logLevel.NOTHING,
    retry: { retries: 8, initialRetryTime: 50, maxRetryTime: 1_000 },
    ...extra,
  });
}

/**
 * Polls `probe` until it returns a value other than undefined/false, or fails at the
 * deadline with the last value seen. Never sleeps a fixed time before checking.
 */
export async function eventually<T>(
  description: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  // A first group join on real Kafka, on 2 busy cores, can take several seconds.
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      last = value;
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}; last: ${String(last)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * The value of one series of a metric: the sample whose labels include all of
 * `labels`, summed over the others (so `{ topic }` sums partitions). Histogram series
 * are addressed with their sample name, e.g. `..._count`.
 */
export async function metricValue(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
  sample: string = name,
): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (metric === undefined) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  let total = 0;
  for (const value of values as { value: number; labels: Record<string, unknown>; metricName?: string }[]) {
    if ((value.metricName ?? name) !== sample) continue;
    if (Object.entries(labels).every(([key, expected]) => String(value.labels[key]) === expected)) {
      total += value.value;
    }
  }
  return total;
}

/** A tracer provider whose spans land in memory, and context propagation across awaits. */
export interface SpanCapture {
  provider: BasicTracerProvider;
  exporter: InMemorySpanExporter;
  spans(name?: string): ReadableSpan[];
}

let contextManagerEnabled = false;

export function captureSpans(): SpanCapture {
  if (!contextManagerEnabled) {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    contextManagerEnabled = true;
  }
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return {
    provider,
    exporter,
    spans: (name) => exporter.getFinishedSpans().filter((span) => name === undefined || span.name === name),
  };
}

/** Parent span id of a finished span (the field moved between SDK versions). */
export function parentSpanId(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}

/** Resolves when the consumer has joined its group. */
export function groupJoined(consumer: Consumer): Promise<void> {
  return new Promise((resolve) => {
    const remove = consumer.on(consumer.events.GROUP_JOIN, () => {
      remove();
      resolve();
    });
  });
}

/** Unregisters globals a test set (propagator, tracer provider). */
export function resetOtelGlobals(): void {
  propagation.disable();
  trace.disable();
}
