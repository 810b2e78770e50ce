import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';

/** How finished spans leave the process: one by one, or batched (what production set-ups use). */
export type SpanExport = 'simple' | 'batch';

/**
 * An exporter that drops every span but counts them, so a bench measures the cost of
 * creating and handing over spans and can check that they really were produced.
 */
export class DiscardingSpanExporter implements SpanExporter {
  exported = 0;

  export(spans: ReadableSpan[], resultCallback: Parameters<SpanExporter['export']>[1]): void {
    this.exported += spans.length;
    resultCallback({ code: 0 }); // ExportResultCode.SUCCESS
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** A tracer provider with the default sampler (parent-based, always on) and a discarding exporter. */
export interface TracerSetup {
  readonly kind: SpanExport;
  readonly provider: BasicTracerProvider;
  readonly exporter: DiscardingSpanExporter;
}

/** Builds a {@link TracerSetup}: SimpleSpanProcessor or BatchSpanProcessor (default settings) to a discarding exporter. */
export function tracerSetup(kind: SpanExport): TracerSetup {
  const exporter = new DiscardingSpanExporter();
  const processor = kind === 'simple' ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter);
  return { kind, exporter, provider: new BasicTracerProvider({ spanProcessors: [processor] }) };
}

/** A pull reader that is never collected: instruments aggregate in memory, like prom-client between scrapes. */
class IdleMetricReader extends MetricReader {
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

/** An OpenTelemetry SDK meter provider whose metrics aggregate but are never exported. */
export function idleMeterProvider(): MeterProvider {
  return new MeterProvider({ readers: [new IdleMetricReader()] });
}

let contextManager: AsyncLocalStorageContextManager | undefined;

/**
 * Turns the global AsyncLocalStorage context manager on or off. Tracing set-ups need it
 * (it is what @opentelemetry/sdk-node installs) and it slows every promise in the
 * process, so it is on only while a variant that traces is measured.
 */
export function useContextManager(enabled: boolean): void {
  if (enabled && contextManager === undefined) {
    contextManager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(contextManager);
    // AsyncLocalStorage installs its promise hooks on first use, not when created: use it
    // once, as any instrumented app does at its first request, so every promise pays from now on.
    context.with(context.active(), () => undefined);
  } else if (!enabled && contextManager !== undefined) {
    context.disable(); // disables the manager and unregisters it
    contextManager = undefined;
  }
}

/**
 * Registers W3C trace context as the global propagator: @opentelemetry/instrumentation-kafkajs
 * only propagates through the global one, and the streamops SDK uses it too when set.
 */
export function useW3CPropagator(): void {
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
}

/** Unregisters every OpenTelemetry global a bench set. */
export function resetOtelGlobals(): void {
  useContextManager(false);
  propagation.disable();
  trace.disable();
}
