import { Registry } from 'prom-client';
import { InvalidOptionError } from '../options/invalid-option-error';
import { sdkMetricsOrDefault } from '../metrics/registry';
import { startReporter, type Reporter } from './reporter';

function exportCount(registry: Registry, outcome: string): number {
  return sdkMetricsOrDefault(registry, 200).counters.reporterExports.cell({ outcome }).value;
}
function droppedCount(registry: Registry, reason: string): number {
  return sdkMetricsOrDefault(registry, 200).counters.reporterDropped.cell({ reason }).value;
}

describe('startReporter', () => {
  let reporter: Reporter | undefined;
  afterEach(async () => {
    await reporter?.stop();
    reporter = undefined;
  });

  it('posts OTLP JSON to <agent>/v1/metrics with the bearer token', async () => {
    const registry = new Registry();
    const requests: { url: string; init: RequestInit }[] = [];
    const urlText = (url: string | URL | Request) => (url instanceof Request ? url.url : url.toString());
    reporter = startReporter({
      agentUrl: 'http://agent:9308',
      pipeline: 'orders',
      instanceId: 'pod-1',
      registry,
      token: 's3cret',
      intervalMs: 60_000,
      fetch: (url, init) => {
        requests.push({ url: urlText(url), init: init ?? {} });
        return Promise.resolve(new Response('{}', { status: 200 }));
      },
    });
    expect(await reporter.flush()).toBe('success');
    expect(requests[0]?.url).toBe('http://agent:9308/v1/metrics');
    expect(requests[0]?.init.headers).toMatchObject({
      authorization: 'Bearer s3cret',
      'content-type': 'application/json',
    });
    const body = JSON.parse(requests[0]?.init.body as string) as { resourceMetrics: unknown[] };
    expect(body.resourceMetrics).toHaveLength(1);
    expect(exportCount(registry, 'success')).toBe(1);
  });

  it('counts failures, drops a superseded report once a newer one is sent, and counts rejections', async () => {
    const registry = new Registry();
    const statuses = [0, 503, 200, 400];
    reporter = startReporter({
      agentUrl: 'http://agent:9308/',
      pipeline: 'orders',
      registry,
      intervalMs: 60_000,
      fetch: () => {
        const status = statuses.shift();
        if (status === 0) return Promise.reject(new TypeError('fetch failed: ECONNREFUSED'));
        return Promise.resolve(new Response('', { status }));
      },
    });
    expect(await reporter.flush()).toBe('failed');
    expect(await reporter.flush()).toBe('failed');
    expect(await reporter.flush()).toBe('success');
    expect(await reporter.flush()).toBe('rejected');
    expect(exportCount(registry, 'failed')).toBe(3);
    expect(exportCount(registry, 'success')).toBe(1);
    expect(droppedCount(registry, 'superseded')).toBe(2);
    expect(droppedCount(registry, 'rejected')).toBe(1);
  });

  it('rejects invalid options naming the option', () => {
    expect(() => startReporter({ agentUrl: 'agent:9308', pipeline: 'p' })).toThrow(InvalidOptionError);
    expect(() => startReporter({ agentUrl: 'ftp://agent', pipeline: 'p' })).toThrow('reporter.agentUrl');
    expect(() => startReporter({ agentUrl: 'http://agent', pipeline: 'p', intervalMs: 5 })).toThrow(
      'reporter.intervalMs',
    );
    expect(() =>
      startReporter({ agentUrl: 'http://agent', pipeline: 'p', ...({ interval: 5 } as object) }),
    ).toThrow('reporter');
  });
});
