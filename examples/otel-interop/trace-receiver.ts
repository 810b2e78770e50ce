// A minimal OTLP/HTTP JSON trace receiver on 127.0.0.1: POST /v1/traces with an
// ExportTraceServiceRequest; it keeps the spans so the example can check the traces.
import { createServer } from 'node:http';
import { type AddressInfo } from 'node:net';

/** One received span, with the service and instrumentation scope it came from. */
export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  /** Undefined for a root span. */
  readonly parentSpanId: string | undefined;
  readonly name: string;
  /** INTERNAL, SERVER, CLIENT, PRODUCER, CONSUMER or UNSPECIFIED. */
  readonly kind: string;
  /** `service.name` of the resource. */
  readonly service: string;
  readonly scope: string;
  readonly startTimeUnixNano: bigint;
}

/** The parts of an ExportTraceServiceRequest (OTLP JSON encoding) that are read here. */
interface ExportTraceServiceRequest {
  resourceSpans?: {
    resource?: { attributes?: { key?: string; value?: { stringValue?: string } }[] };
    scopeSpans?: {
      scope?: { name?: string };
      spans?: {
        traceId?: string;
        spanId?: string;
        parentSpanId?: string;
        name?: string;
        kind?: number | string;
        startTimeUnixNano?: string | number;
      }[];
    }[];
  }[];
}

const spanKinds = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
const maxBodyBytes = 4 * 1024 * 1024;

function kindName(kind: number | string | undefined): string {
  if (typeof kind === 'number') return spanKinds[kind] ?? String(kind);
  return (kind ?? 'UNSPECIFIED').replace(/^SPAN_KIND_/, '');
}

/** The spans of an ExportTraceServiceRequest in OTLP JSON; spans without ids are skipped. */
export function spansOfExportRequest(request: ExportTraceServiceRequest): ReceivedSpan[] {
  const received: ReceivedSpan[] = [];
  for (const resourceSpans of request.resourceSpans ?? []) {
    const serviceName = resourceSpans.resource?.attributes?.find(
      (attribute) => attribute.key === 'service.name',
    );
    const service = serviceName?.value?.stringValue ?? 'unknown_service';
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      const scope = scopeSpans.scope?.name ?? '';
      for (const span of scopeSpans.spans ?? []) {
        if (!span.traceId || !span.spanId) continue;
        received.push({
          traceId: span.traceId,
          spanId: span.spanId,
          parentSpanId: span.parentSpanId || undefined,
          name: span.name ?? '',
          kind: kindName(span.kind),
          service,
          scope,
          startTimeUnixNano: BigInt(span.startTimeUnixNano ?? 0),
        });
      }
    }
  }
  return received;
}

/** A running receiver. */
export interface TraceReceiver {
  /** The endpoint for OTEL_EXPORTER_OTLP_TRACES_ENDPOINT. */
  readonly url: string;
  spans(): readonly ReceivedSpan[];
  stop(): Promise<void>;
}

/** Starts the receiver on a free port of 127.0.0.1. */
export async function startTraceReceiver(): Promise<TraceReceiver> {
  const spans: ReceivedSpan[] = [];
  const server = createServer((request, response) => {
    if (request.method !== 'POST' || request.url !== '/v1/traces') {
      response.writeHead(404).end();
      return;
    }
    if (!request.headers['content-type']?.startsWith('application/json')) {
      response.writeHead(415).end('only OTLP/HTTP JSON is accepted');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBodyBytes) chunks.push(chunk);
    });
    request.on('end', () => {
      if (size > maxBodyBytes) {
        response.writeHead(413).end();
        return;
      }
      try {
        spans.push(
          ...spansOfExportRequest(
            JSON.parse(Buffer.concat(chunks).toString('utf8')) as ExportTraceServiceRequest,
          ),
        );
      } catch (error) {
        response.writeHead(400).end((error as Error).message);
        return;
      }
      // An empty ExportTraceServiceResponse: everything accepted.
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    spans: () => spans,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
