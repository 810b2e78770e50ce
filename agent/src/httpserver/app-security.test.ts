import { type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { deflateSync, gzipSync } from 'node:zlib';
import { OtlpMetricsIngest, type ReportSink } from '../ingest/ingest-handler';
import { encodeOtlpJson } from '../ingest/otlp-encode';
import { counterExport, type CounterExportSpec } from '../ingest/fixtures/otlp-requests';
import { type MetricReport } from '../ingest/report';
import { createAgentApp, type AgentAppOptions, type AgentReadModel } from './app';

const T0_NS = 1_700_000_000_000_000_000;

const ordersCounter: CounterExportSpec = {
  serviceName: 'orders',
  instanceId: 'a',
  points: [{ startNs: T0_NS, timeNs: T0_NS + 1e9, value: 3 }],
};
const exportRequest = counterExport(ordersCounter);
const exportBody = Buffer.from(encodeOtlpJson(exportRequest));

class Sink implements ReportSink {
  readonly reports: MetricReport[] = [];
  apply(report: MetricReport) {
    this.reports.push(report);
    return { acceptedPoints: report.points.length, ignoredPoints: 0, rejected: [] };
  }
}

interface Running {
  readonly base: string;
  readonly port: number;
  readonly sink: Sink;
  readonly ingest: OtlpMetricsIngest;
  readonly logged: string[];
  readonly clock: { now: number };
  close(): Promise<void>;
}

async function start(
  options: Omit<AgentAppOptions, 'log' | 'now'> = {},
  metrics: AgentReadModel['metrics'] = () => 'text\n',
  maxBodyBytes = 4096,
): Promise<Running> {
  const sink = new Sink();
  const clock = { now: 1_000_000 };
  const ingest = new OtlpMetricsIngest({
    sink,
    now: () => clock.now,
    tokens: [{ name: 'orders-team', token: 'ingest-secret', pipelines: ['orders'] }],
    limits: { maxBodyBytes },
  });
  const logged: string[] = [];
  const app = createAgentApp(
    { snapshots: () => [], metrics, ingest },
    { ...options, log: (line) => logged.push(line), now: () => clock.now },
  );
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    base: `http://127.0.0.1:${port}`,
    port,
    sink,
    ingest,
    logged,
    clock,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * Sends `head` (and `body`) on a raw socket and collects everything until the server
 * closes the connection, or until `deadlineMs` passes (then `closed` is false).
 */
function rawExchange(
  port: number,
  head: string,
  body: Buffer = Buffer.alloc(0),
  deadlineMs = 10_000,
): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(deadline);
      socket.destroy();
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closed });
    };
    const deadline = setTimeout(() => finish(false), deadlineMs);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    socket.write(head);
    if (body.length > 0) socket.write(body);
  });
}

function statusOf(text: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
}

function bodyOf(text: string): unknown {
  return JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4));
}

async function post(
  running: Running,
  body: Buffer,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${running.base}/v1/metrics`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer ingest-secret', ...headers },
    body,
  });
  return { status: response.status, body: JSON.parse(await response.text()) };
}

describe('read token', () => {
  let running: Running;
  afterEach(() => running.close());

  it('guards the API, keeps probes and (by default) /metrics open', async () => {
    running = await start({ readToken: 'r3ad' });
    const api = await fetch(`${running.base}/api/v1/clusters`);
    expect(api.status).toBe(401);
    expect(api.headers.get('www-authenticate')).toBe('Bearer realm="streamops"');
    expect(await api.json()).toEqual({ error: 'unauthorized', message: 'missing or wrong bearer token' });
    const wrong = await fetch(`${running.base}/api/v1/clusters`, {
      headers: { authorization: 'Bearer r3a' },
    });
    expect(wrong.status).toBe(401);
    const right = await fetch(`${running.base}/api/v1/clusters`, {
      headers: { authorization: 'Bearer r3ad' },
    });
    expect(right.status).toBe(200);
    // Unknown paths (a future console) are guarded too.
    expect((await fetch(`${running.base}/console/`)).status).toBe(401);
    expect((await fetch(`${running.base}/healthz`)).status).toBe(200);
    expect((await fetch(`${running.base}/readyz`)).status).toBe(503);
    expect((await fetch(`${running.base}/metrics`)).status).toBe(200);
    // Ingest has its own token.
    expect((await post(running, exportBody)).status).toBe(200);
  });

  it('guards /metrics when metricsRequireReadToken is set', async () => {
    running = await start({ readToken: 'r3ad', metricsRequireReadToken: true });
    expect((await fetch(`${running.base}/metrics`)).status).toBe(401);
    const scrape = await fetch(`${running.base}/metrics`, { headers: { authorization: 'Bearer r3ad' } });
    expect(scrape.status).toBe(200);
    expect(await scrape.text()).toBe('text\n');
  });

  it('leaves everything open without a read token', async () => {
    running = await start();
    expect((await fetch(`${running.base}/api/v1/clusters`)).status).toBe(200);
  });
});

describe('ingest over HTTP', () => {
  let running: Running;
  beforeEach(async () => {
    running = await start();
  });
  afterEach(() => running.close());

  it('accepts identity and gzip bodies', async () => {
    expect(await post(running, exportBody)).toEqual({ status: 200, body: {} });
    expect((await post(running, gzipSync(exportBody), { 'content-encoding': 'gzip' })).status).toBe(200);
    expect(running.sink.reports).toHaveLength(2);
  });

  it.each(['deflate', 'br', 'gzip, deflate', 'compress'])(
    'refuses Content-Encoding %s with 415',
    async (encoding) => {
      const body = encoding === 'deflate' ? deflateSync(exportBody) : exportBody;
      const answer = await post(running, body, { 'content-encoding': encoding });
      expect(answer.status).toBe(415);
      expect(answer.body).toEqual({
        code: 3,
        message: `Content-Encoding ${JSON.stringify(encoding)} is not supported; send gzip or no encoding`,
      });
      expect(running.ingest.counts().rejectedPayloads.unsupported_encoding).toBe(1);
      expect(running.sink.reports).toEqual([]);
    },
  );

  it('refuses a missing token before the body arrives, and closes the connection', async () => {
    // The headers promise a body that is never sent: the answer cannot depend on it.
    const exchange = await rawExchange(
      running.port,
      'POST /v1/metrics HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n',
    );
    expect(exchange.closed).toBe(true);
    expect(statusOf(exchange.text)).toBe(401);
    expect(exchange.text.toLowerCase()).toContain('connection: close');
    expect(bodyOf(exchange.text)).toEqual({ code: 16, message: 'missing or wrong bearer token' });
  });

  it('answers an oversized Content-Length with 413 at once, and closes the connection', async () => {
    const exchange = await rawExchange(
      running.port,
      'POST /v1/metrics HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer ingest-secret\r\nContent-Length: 1000000000\r\n\r\n',
      Buffer.from('{"resourceMetrics":['),
    );
    expect(exchange.closed).toBe(true);
    expect(statusOf(exchange.text)).toBe(413);
    expect(bodyOf(exchange.text)).toEqual({
      code: 3,
      message: 'Content-Length 1000000000 is over the limit of 4096 bytes',
    });
    expect(running.ingest.counts().rejectedPayloads.body_too_large).toBe(1);
  });

  it('stops reading a chunked body at the limit, answering 413', async () => {
    const chunk = Buffer.alloc(5000, 0x20);
    const exchange = await rawExchange(
      running.port,
      'POST /v1/metrics HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer ingest-secret\r\nTransfer-Encoding: chunked\r\n\r\n',
      // One chunk over the limit and no final chunk: the server must not wait for the end.
      Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]),
    );
    expect(exchange.closed).toBe(true);
    expect(statusOf(exchange.text)).toBe(413);
  });

  it('refuses a gzip body that inflates past the limit', async () => {
    const answer = await post(running, gzipSync(Buffer.alloc(100_000, 0x20)), { 'content-encoding': 'gzip' });
    expect(answer.status).toBe(413);
  });

  it('answers 403 for a pipeline the token may not report', async () => {
    const other = counterExport({ ...ordersCounter, pipeline: 'payments' });
    const answer = await post(running, Buffer.from(encodeOtlpJson(other)));
    expect(answer).toEqual({
      status: 403,
      body: { code: 7, message: 'token "orders-team" may not report pipeline "payments"' },
    });
  });
});

describe('JSON errors', () => {
  let running: Running;
  afterEach(() => running.close());

  it('answers a malformed percent-escape with a JSON 400, logged once a minute', async () => {
    running = await start();
    for (let attempt = 0; attempt < 5; attempt++) {
      const response = await fetch(`${running.base}/api/v1/clusters/%E0%A4%A/groups`);
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toContain('application/json');
      const text = await response.text();
      expect(JSON.parse(text)).toEqual({
        error: 'bad_request',
        message: 'the URL has a malformed percent-escape',
      });
      expect(text).not.toContain('at ');
    }
    expect(running.logged).toHaveLength(1);
    expect(running.logged[0]).toContain('answered 400 (malformed_url)');
    running.clock.now += 60_000;
    await fetch(`${running.base}/api/v1/clusters/%E0%A4%A/groups`);
    expect(running.logged).toHaveLength(2);
    expect(running.logged[1]).toContain('(4 more like it since the last one logged)');
  });

  it('answers a thrown error with a JSON 500 without the message or a stack', async () => {
    running = await start({}, () => {
      throw new Error('secret internals at /srv/agent.js:1:1');
    });
    const response = await fetch(`${running.base}/metrics`);
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({
      error: 'internal_error',
      message: 'the agent could not answer this request',
    });
    expect(text).not.toContain('secret');
    expect(running.logged).toEqual([expect.stringContaining('answered 500 (internal): secret internals')]);
  });

  it('answers a rejected promise the same way', async () => {
    running = await start({}, () => Promise.reject(new Error('boom')));
    const response = await fetch(`${running.base}/metrics`);
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({
      error: 'internal_error',
      message: 'the agent could not answer this request',
    });
  });
});
