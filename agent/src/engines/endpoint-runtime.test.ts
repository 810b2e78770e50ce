import { parseAgentConfig } from '../config/load';
import { EngineEndpointRuntime, pipelineNames } from './endpoint-runtime';
import { flinkCluster, flinkJobIds, flinkMalformed } from './fixtures/flink-cluster';
import { FixtureClient } from './fixtures/routes';
import { stormCluster } from './fixtures/storm-cluster';

const T0 = 1_717_003_600_000;

function runtime(type: 'flink' | 'storm', client: FixtureClient) {
  let now = T0;
  const config = parseAgentConfig({
    clusters: [{ name: 'k', brokers: ['k:9092'] }],
    engines: [{ type, name: `${type}-prod`, url: 'http://engine:8081' }],
  }).engines[0];
  if (config === undefined) throw new Error('no engine config');
  const engine = new EngineEndpointRuntime({ config, client, nowMs: () => now, targetRate: null });
  return { engine, advance: (ms: number) => (now += ms) };
}

describe('EngineEndpointRuntime', () => {
  it('models every job, then keeps the last models and marks the endpoint down while it fails', async () => {
    const client = new FixtureClient(flinkCluster().routes);
    const { engine, advance } = runtime('flink', client);
    expect(engine.health()).toMatchObject({ up: false, lastSuccessMs: null, successfulPolls: 0 });
    await engine.poll();
    expect(engine.models().map((model) => model.pipeline)).toEqual([
      'orders-enrichment',
      'clickstream-sessions',
      'payments-fraud',
      'inventory-sync',
    ]);
    expect(engine.health()).toEqual({
      engine: 'flink',
      endpoint: 'flink-prod',
      up: true,
      lastSuccessMs: T0,
      lastPollMs: T0,
      successfulPolls: 1,
      failedPolls: 0,
      jobs: 4,
      lastError: null,
      jobErrors: [],
    });
    advance(15_000);
    client.routes = flinkMalformed.routes;
    await engine.poll();
    expect(engine.health()).toMatchObject({
      up: false,
      lastSuccessMs: T0,
      lastPollMs: T0 + 15_000,
      failedPolls: 1,
      lastError: expect.stringMatching(/^\/jobs\/overview: body is not JSON/) as unknown,
    });
    expect(engine.models()).toHaveLength(4);
  });

  it('follows the lag between polls and drops jobs that vanished', async () => {
    const client = new FixtureClient(flinkCluster().routes);
    const { engine, advance } = runtime('flink', client);
    await engine.poll();
    advance(10_000);
    client.routes = flinkCluster({
      clickstreamLag: { pendingRecords: 51_000, fetchEventTimeLagMs: 14_000 },
      without: ['payments'],
    }).routes;
    await engine.poll();
    const clicks = engine.models().find((model) => model.pipeline === 'clickstream-sessions');
    // 48,000 → 51,000 pending in 10 s: 300/s more arrive than the job takes.
    expect([clicks?.lagTrend, clicks?.mismatch, clicks?.lagMessages]).toEqual(['building', true, 51_000]);
    expect(engine.models().map((model) => model.pipeline)).not.toContain('payments-fraud');
    // A plan is made from the same reading and lag trend.
    const plan = engine.planFor('clickstream-sessions', 4000);
    expect(plan?.lagTrend).toBe('building');
    expect(plan?.plan?.targetRate).toBe(4000);
    expect(engine.planFor('payments-fraud', 10)).toBeUndefined();
  });

  it('polls Storm topologies and drops a killed one', async () => {
    const client = new FixtureClient(stormCluster().routes);
    const { engine } = runtime('storm', client);
    await engine.poll();
    expect(engine.models().map((model) => [model.pipeline, model.engine])).toEqual([
      ['fraud-scoring', 'storm'],
      ['clicks-counter', 'storm'],
    ]);
    expect(engine.health().jobErrors).toEqual([]);
    client.routes = stormCluster({ without: ['fraud'] }).routes;
    await engine.poll();
    expect(engine.models().map((model) => model.pipeline)).toEqual(['clicks-counter']);
  });

  it('names a later job that repeats an earlier one’s name after its id', () => {
    expect(
      pipelineNames([
        { id: flinkJobIds.orders, name: 'orders' },
        { id: flinkJobIds.clickstream, name: 'orders' },
        { id: 'x', name: 'other' },
      ]),
    ).toEqual(
      new Map([
        [flinkJobIds.orders, 'orders'],
        [flinkJobIds.clickstream, 'orders@b2c3d4e5'],
        ['x', 'other'],
      ]),
    );
  });
});
