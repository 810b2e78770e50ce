// OpenTelemetry set-up shared by the shop and billing processes: NodeSDK with the given
// instrumentations, exporting spans as OTLP/HTTP JSON to OTEL_EXPORTER_OTLP_TRACES_ENDPOINT.
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { type Instrumentation } from '@opentelemetry/instrumentation';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

/** Starts the OpenTelemetry SDK for `serviceName` and returns it, to shut it down (and flush) on exit. */
export function startTracing(serviceName: string, instrumentations: Instrumentation[]): NodeSDK {
  const sdk = new NodeSDK({
    serviceName,
    // Short delay so spans reach the receiver while the example runs; shutdown flushes the rest.
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter(), { scheduledDelayMillis: 200 })],
    instrumentations,
    // Traces only: without these NodeSDK also exports metrics and logs to localhost:4318.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  return sdk;
}
