import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { type TLSSocket } from 'node:tls';
import { emptyClusterSource } from '../collector/fixtures/empty-cluster-source';
import { parseAgentConfig } from '../config/load';
import { CertificateFixtures } from '../httpserver/fixtures/certificates';
import { counterExport } from '../ingest/fixtures/otlp-requests';
import { encodeOtlpJson } from '../ingest/otlp-encode';
import { startAgent, type RunningAgent } from './agent';

const NOW_MS = 1_700_000_060_000;

function report(pipeline: string, instance: string, startMs: number): Buffer {
  const request = counterExport({
    serviceName: pipeline,
    instanceId: instance,
    scopeName: '@streamops/sdk',
    points: [{ attributes: { topic: 'in' }, startMs, timeMs: NOW_MS - 1_000, value: 3 }],
  });
  return Buffer.from(encodeOtlpJson(request));
}

let agent: RunningAgent | undefined;
afterEach(async () => {
  await agent?.stop();
  agent = undefined;
});

async function start(config: Record<string, unknown>): Promise<RunningAgent> {
  agent = await startAgent(
    parseAgentConfig({
      clusters: [{ name: 'local', brokers: ['127.0.0.1:9092'] }],
      collection: { intervalSeconds: 3600 },
      ...config,
      server: { host: '127.0.0.1', port: 0, ...(config.server as object) },
    }),
    { createSource: emptyClusterSource, log: () => undefined, nowMs: () => NOW_MS },
  );
  return agent;
}

describe('the agent’s authentication', () => {
  const env = process.env;
  beforeEach(() => {
    process.env = { ...env, T_ORDERS: 'orders-secret', T_OPS: 'ops-secret', T_READ: 'read-secret' };
  });
  afterEach(() => {
    process.env = env;
  });

  it('wires ingest tokens, instance binding and the read token from the configuration', async () => {
    const running = await start({
      server: { readToken: { env: 'T_READ' } },
      ingest: {
        tokens: [
          { name: 'orders-team', token: { env: 'T_ORDERS' }, pipelines: ['orders'] },
          { name: 'ops', token: { env: 'T_OPS' } },
        ],
      },
    });
    const post = (body: Buffer, token: string) =>
      fetch(`${running.url}/v1/metrics`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body,
      });
    expect((await post(report('orders', 'a', NOW_MS - 50_000), 'nope')).status).toBe(401);
    expect((await post(report('payments', 'p', NOW_MS - 50_000), 'orders-secret')).status).toBe(403);
    expect((await post(report('orders', 'a', NOW_MS - 50_000), 'orders-secret')).status).toBe(200);
    const stolen = await post(report('orders', 'a', NOW_MS - 50_000), 'ops-secret');
    expect(stolen.status).toBe(403);
    expect(await stolen.text()).toContain('is reported with another token');

    expect((await fetch(`${running.url}/api/v1/clusters`)).status).toBe(401);
    const api = await fetch(`${running.url}/api/v1/clusters`, {
      headers: { authorization: 'Bearer read-secret' },
    });
    expect(api.status).toBe(200);
    expect((await fetch(`${running.url}/metrics`)).status).toBe(200);
    expect((await fetch(`${running.url}/healthz`)).status).toBe(200);
  });

  it('serves HTTPS when server.tls is set', async () => {
    const fixtures = new CertificateFixtures();
    try {
      const pair = fixtures.issue('agent');
      const running = await start({ server: { tls: { certFile: pair.certFile, keyFile: pair.keyFile } } });
      expect(running.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const fingerprint = await new Promise<string>((resolve, reject) => {
        const request = httpsRequest(
          `${running.url}/healthz`,
          { ca: readFileSync(fixtures.caFile), agent: false },
          (response) => {
            response.resume();
            resolve((response.socket as TLSSocket).getPeerCertificate().fingerprint256);
          },
        );
        request.on('error', reject);
        request.end();
      });
      expect(fingerprint).toBe(pair.fingerprint256);
    } finally {
      await agent?.stop();
      agent = undefined;
      fixtures.dispose();
    }
  });
});
