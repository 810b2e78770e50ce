// The agent against Flink and Storm REST APIs served from fixtures (agent/src/engines/fixtures,
// written from the engines' REST references): the JSON API and the /metrics exposition over
// real HTTP, a lag building between polls, vanished jobs, and an engine that is down, slow or
// answers garbage.
import { parseAgentConfig, startAgent, type RunningAgent } from '@streamops/agent';
import { startTestBroker, type TestBroker } from '@streamops/test-broker';
import { flinkCluster, flinkJobIds, flinkMalformed } from '../../agent/src/engines/fixtures/flink-cluster';
import { withUnknownFields, type EngineFixture } from '../../agent/src/engines/fixtures/routes';
import { stormCluster, stormTopologyIds } from '../../agent/src/engines/fixtures/storm-cluster';
import { startEngineFixtureServer, type EngineFixtureServer } from '../support/engine-fixture-server';
import { ManualClock, scrape } from './harness';

const T0 = 1_717_003_600_000;

let broker: TestBroker;
const stops: (() => Promise<void>)[] = [];

beforeAll(async () => {
  broker = await startTestBroker({ brokers: 1 });
});

afterAll(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  await broker?.stop();
});

interface Setup {
  agent: RunningAgent;
  flink: EngineFixtureServer;
  storm: EngineFixtureServer;
  clock: ManualClock;
}

/** An agent polling one Flink and one Storm fixture server; the test drives the polls. */
async function setup(flinkFixture: EngineFixture, stormFixture: EngineFixture): Promise<Setup> {
  const flink = await startEngineFixtureServer(flinkFixture);
  const storm = await startEngineFixtureServer(stormFixture);
  stops.push(
    () => flink.stop(),
    () => storm.stop(),
  );
  const clock = new ManualClock(T0);
  const config = parseAgentConfig({
    clusters: [{ name: 'local', brokers: broker.bootstrap }],
    collection: { intervalSeconds: 3600, requestTimeoutMs: 3000 },
    server: { host: '127.0.0.1', port: 0 },
    engines: [
      { type: 'flink', name: 'flink-prod', url: flink.url, intervalSeconds: 3600, timeoutMs: 1500 },
      { type: 'storm', name: 'storm-prod', url: storm.url, intervalSeconds: 3600, timeoutMs: 1500 },
    ],
  });
  const agent = await startAgent(config, { nowMs: clock.now });
  stops.push(() => agent.stop());
  // The loops poll once at start; this joins that poll (or runs one).
  await agent.pollEnginesNow();
  return { agent, flink, storm, clock };
}

async function getJson<T>(agent: RunningAgent, path: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`${agent.url}${path}`);
  return { status: response.status, body: (await response.json()) as T };
}

/** The sample lines of /metrics whose name starts with one of the prefixes. */
async function sampleLines(agent: RunningAgent, ...prefixes: string[]): Promise<string[]> {
  return (await scrape(agent))
    .split('\n')
    .filter((line) => !line.startsWith('#') && prefixes.some((prefix) => line.startsWith(prefix)));
}

const flinkSeries = (metric: string, pipeline: string, value: number | string, stage?: string) =>
  `${metric}{engine="flink",pipeline="${pipeline}"${stage === undefined ? '' : `,stage="${stage}"`}} ${value}`;
const stormSeries = (metric: string, pipeline: string, value: number | string, stage?: string) =>
  `${metric}{engine="storm",pipeline="${pipeline}"${stage === undefined ? '' : `,stage="${stage}"`}} ${value}`;

describe('agent with Flink and Storm endpoints', () => {
  let s: Setup;

  beforeAll(async () => {
    s = await setup(flinkCluster(), stormCluster());
  });

  it('lists engine jobs beside each other in the pipeline API, with their engine and state', async () => {
    const { status, body } = await getJson<{ pipelines: Record<string, unknown>[] }>(
      s.agent,
      '/api/v1/pipelines',
    );
    expect(status).toBe(200);
    expect(
      body.pipelines.map((pipeline) => [
        pipeline.engine,
        pipeline.pipeline,
        pipeline.state,
        pipeline.bottleneck,
      ]),
    ).toEqual([
      ['flink', 'orders-enrichment', 'RUNNING', 'Enrich'],
      ['flink', 'clickstream-sessions', 'RUNNING', 'Sessionize'],
      ['flink', 'payments-fraud', 'RESTARTING', null],
      ['flink', 'inventory-sync', 'RUNNING', 'Sink: warehouse-db'],
      ['storm', 'fraud-scoring', 'ACTIVE', 'score'],
      ['storm', 'clicks-counter', 'ACTIVE', 'count'],
    ]);
    expect(body.pipelines[0]).toEqual({
      pipeline: 'orders-enrichment',
      engine: 'flink',
      state: 'RUNNING',
      arrivalRate: 2000,
      processingYield: 1,
      deliveryYield: 1,
      effectiveThroughput: 2000,
      deliveredRate: 2000,
      mismatch: null,
      lagTrend: 'unknown',
      bottleneck: 'Enrich',
      maxSustainableThroughput: 5000,
      lagMessages: 1200,
      lagSeconds: 0.85,
      timeToDrainSeconds: null,
    });
  });

  it('serves the whole model of a backpressured job, and of a topology with failed tuples', async () => {
    const clicks = await getJson<Record<string, unknown>>(
      s.agent,
      '/api/v1/pipelines/clickstream-sessions?engine=flink',
    );
    expect(clicks.status).toBe(200);
    expect(clicks.body).toMatchObject({
      engine: 'flink',
      bottleneck: 'Sessionize',
      maxSustainableThroughput: 5000,
      deliveryYield: 0.1,
      stages: [
        {
          stage: 'Source: clicks',
          utilization: 0.05,
          backpressureRatio: 0.9,
          serviceRate: 80000,
          bottleneck: false,
        },
        { stage: 'Parse', utilization: 0.1, backpressureRatio: 0.85, serviceRate: 40000, bottleneck: false },
        { stage: 'Sessionize', utilization: 0.8, backpressureRatio: 0, serviceRate: 5000, bottleneck: true },
        {
          stage: 'Sink: sessions',
          utilization: 0.04,
          backpressureRatio: 0,
          serviceRate: 10000,
          bottleneck: false,
        },
      ],
      engineJob: { endpoint: 'flink-prod', id: flinkJobIds.clickstream, state: 'RUNNING', restartsTotal: 1 },
    });
    const fraud = await getJson<Record<string, unknown>>(s.agent, '/api/v1/pipelines/fraud-scoring');
    expect(fraud.body).toMatchObject({
      engine: 'storm',
      arrivalRate: 100,
      processingYield: 0.975,
      deliveryYield: 95 / 97.5,
      deliveredRate: 95,
      errorRatio: 0.05,
      latencyMeanSeconds: 0.1205,
      bottleneck: 'score',
      engineJob: { endpoint: 'storm-prod', id: stormTopologyIds.fraud, state: 'ACTIVE', instances: 16 },
    });
    const planned = await getJson<{
      plan: { targetRate: number; stages: { stage: string; instancesNeeded: number }[] };
    }>(s.agent, '/api/v1/pipelines/fraud-scoring?engine=storm&targetRate=200');
    // score: 100 tuples/s at ρ 0.9 on 8 executors; 200/s at 80 % needs ⌈200 × 0.9 ÷ 100 × 8 ÷ 0.8⌉ = 18.
    expect(planned.body.plan.stages.find((stage) => stage.stage === 'score')?.instancesNeeded).toBe(18);
    expect((await getJson(s.agent, '/api/v1/pipelines/fraud-scoring?engine=flink')).status).toBe(404);
  });

  it('exports the same pipeline series as reported pipelines, with the engine label, and the engine extras', async () => {
    const lines = await sampleLines(s.agent, 'streamops_pipeline_', 'streamops_engine_');
    const expected = [
      flinkSeries('streamops_pipeline_arrival_rate_messages_per_second', 'orders-enrichment', 2000),
      flinkSeries('streamops_pipeline_processing_yield_ratio', 'orders-enrichment', 1),
      flinkSeries('streamops_pipeline_delivery_yield_ratio', 'orders-enrichment', 1),
      flinkSeries('streamops_pipeline_effective_throughput_messages_per_second', 'orders-enrichment', 2000),
      flinkSeries('streamops_pipeline_delivered_rate_messages_per_second', 'orders-enrichment', 2000),
      flinkSeries(
        'streamops_pipeline_max_sustainable_throughput_messages_per_second',
        'orders-enrichment',
        5000,
      ),
      flinkSeries('streamops_pipeline_instances', 'orders-enrichment', 10),
      flinkSeries('streamops_pipeline_lag_messages', 'orders-enrichment', 1200),
      flinkSeries('streamops_pipeline_lag_seconds', 'orders-enrichment', 0.85),
      flinkSeries('streamops_pipeline_running', 'orders-enrichment', 1),
      flinkSeries('streamops_pipeline_restarts_total', 'orders-enrichment', 0),
      flinkSeries('streamops_pipeline_checkpoints_completed_total', 'orders-enrichment', 120),
      flinkSeries('streamops_pipeline_checkpoints_failed_total', 'orders-enrichment', 0),
      flinkSeries('streamops_pipeline_last_checkpoint_duration_seconds', 'orders-enrichment', 1.5),
      flinkSeries(
        'streamops_pipeline_stage_arrival_rate_messages_per_second',
        'orders-enrichment',
        2000,
        'Enrich',
      ),
      flinkSeries('streamops_pipeline_stage_utilization_ratio', 'orders-enrichment', 0.4, 'Enrich'),
      flinkSeries(
        'streamops_pipeline_stage_service_rate_messages_per_second',
        'orders-enrichment',
        5000,
        'Enrich',
      ),
      flinkSeries(
        'streamops_pipeline_stage_headroom_messages_per_second',
        'orders-enrichment',
        3000,
        'Enrich',
      ),
      flinkSeries('streamops_pipeline_stage_instances', 'orders-enrichment', 4, 'Enrich'),
      flinkSeries('streamops_pipeline_bottleneck', 'orders-enrichment', 1, 'Enrich'),
      flinkSeries('streamops_pipeline_bottleneck', 'clickstream-sessions', 1, 'Sessionize'),
      flinkSeries('streamops_pipeline_bottleneck', 'clickstream-sessions', 0, 'Source: clicks'),
      flinkSeries(
        'streamops_pipeline_stage_backpressure_ratio',
        'clickstream-sessions',
        0.9,
        'Source: clicks',
      ),
      flinkSeries('streamops_pipeline_stage_backpressure_ratio', 'clickstream-sessions', 0.85, 'Parse'),
      flinkSeries('streamops_pipeline_running', 'payments-fraud', 0),
      flinkSeries('streamops_pipeline_instances', 'payments-fraud', 0),
      flinkSeries('streamops_pipeline_restarts_total', 'payments-fraud', 3),
      flinkSeries('streamops_pipeline_checkpoints_failed_total', 'inventory-sync', 7),
      flinkSeries('streamops_pipeline_last_checkpoint_duration_seconds', 'inventory-sync', 45),
      flinkSeries('streamops_pipeline_lag_messages', 'inventory-sync', 40),
      stormSeries('streamops_pipeline_arrival_rate_messages_per_second', 'fraud-scoring', 100),
      stormSeries('streamops_pipeline_processing_yield_ratio', 'fraud-scoring', 0.975),
      stormSeries('streamops_pipeline_delivery_yield_ratio', 'fraud-scoring', String(95 / 97.5)),
      stormSeries('streamops_pipeline_delivered_rate_messages_per_second', 'fraud-scoring', 95),
      stormSeries('streamops_pipeline_error_ratio', 'fraud-scoring', 0.05),
      stormSeries('streamops_pipeline_end_to_end_latency_mean_seconds', 'fraud-scoring', 0.1205),
      stormSeries('streamops_pipeline_instances', 'fraud-scoring', 16),
      stormSeries('streamops_pipeline_running', 'fraud-scoring', 1),
      stormSeries('streamops_pipeline_stage_utilization_ratio', 'fraud-scoring', 0.9, 'score'),
      stormSeries('streamops_pipeline_bottleneck', 'fraud-scoring', 1, 'score'),
      stormSeries('streamops_pipeline_lag_messages', 'clicks-counter', 750),
      stormSeries('streamops_pipeline_arrival_rate_messages_per_second', 'clicks-counter', 100),
      'streamops_engine_up{engine="flink",endpoint="flink-prod"} 1',
      'streamops_engine_up{engine="storm",endpoint="storm-prod"} 1',
      `streamops_engine_last_success_timestamp_seconds{engine="flink",endpoint="flink-prod"} ${T0 / 1000}`,
      'streamops_engine_poll_failures_total{engine="flink",endpoint="flink-prod"} 0',
      'streamops_engine_jobs{engine="flink",endpoint="flink-prod"} 4',
      'streamops_engine_jobs{engine="storm",endpoint="storm-prod"} 2',
    ];
    for (const line of expected) expect(lines).toContain(line);
    // Values the engines cannot give have no sample rather than a made-up one.
    for (const absent of [
      'streamops_pipeline_arrival_rate_messages_per_second{engine="flink",pipeline="payments-fraud"}',
      'streamops_pipeline_lost_messages_total{engine="flink"',
      'streamops_pipeline_error_ratio{engine="flink"',
      'streamops_pipeline_restarts_total{engine="storm"',
      'streamops_pipeline_stage_utilization_ratio{engine="storm",pipeline="fraud-scoring",stage="kafka-transactions"}',
      'pipeline="orders-backfill"',
      'pipeline="old-etl"',
    ]) {
      expect(lines.filter((line) => line.startsWith(absent) || line.includes(absent))).toEqual([]);
    }
  });

  it('follows lag building between polls, and drops jobs and topologies that ended', async () => {
    s.clock.advance(10_000);
    s.flink.serve(
      flinkCluster({
        clickstreamLag: { pendingRecords: 51_000, fetchEventTimeLagMs: 14_000 },
        without: ['payments'],
      }),
    );
    s.storm.serve(stormCluster({ without: ['fraud'] }));
    await s.agent.pollEnginesNow();
    const lines = await sampleLines(s.agent, 'streamops_pipeline_', 'streamops_engine_');
    expect(lines).toContain(flinkSeries('streamops_pipeline_model_mismatch', 'clickstream-sessions', 1));
    expect(lines).toContain(flinkSeries('streamops_pipeline_lag_messages', 'clickstream-sessions', 51_000));
    expect(lines).toContain(flinkSeries('streamops_pipeline_lag_seconds', 'clickstream-sessions', 14));
    expect(lines).toContain(
      flinkSeries('streamops_pipeline_time_to_drain_seconds', 'clickstream-sessions', '+Inf'),
    );
    expect(lines.filter((line) => line.includes('pipeline="payments-fraud"'))).toEqual([]);
    expect(lines.filter((line) => line.includes('pipeline="fraud-scoring"'))).toEqual([]);
    expect(lines).toContain('streamops_engine_jobs{engine="flink",endpoint="flink-prod"} 3');
    const { body } = await getJson<{ lagTrend: string; timeToDrainSeconds: unknown }>(
      s.agent,
      '/api/v1/pipelines/clickstream-sessions',
    );
    expect(body).toMatchObject({ lagTrend: 'building', timeToDrainSeconds: '+Inf' });
  });

  it('signals a malformed, slow or unreachable engine, keeps the last series and recovers', async () => {
    const lastSuccess = `streamops_engine_last_success_timestamp_seconds{engine="flink",endpoint="flink-prod"} ${(T0 + 10_000) / 1000}`;
    s.clock.advance(15_000);
    s.flink.serve(flinkMalformed);
    await s.agent.pollEnginesNow();
    let engines = (await getJson<{ engines: Record<string, unknown>[] }>(s.agent, '/api/v1/engines')).body
      .engines;
    expect(engines[0]).toMatchObject({
      engine: 'flink',
      endpoint: 'flink-prod',
      up: false,
      failedPolls: 1,
      lastSuccessMs: T0 + 10_000,
      lastError: expect.stringMatching(/^\/jobs\/overview: body is not JSON/) as unknown,
    });
    let lines = await sampleLines(s.agent, 'streamops_pipeline_', 'streamops_engine_');
    expect(lines).toContain('streamops_engine_up{engine="flink",endpoint="flink-prod"} 0');
    expect(lines).toContain(lastSuccess);
    expect(lines).toContain('streamops_engine_poll_failures_total{engine="flink",endpoint="flink-prod"} 1');
    // The last good series stay, aged by the last-success timestamp.
    expect(lines).toContain(
      flinkSeries('streamops_pipeline_bottleneck', 'clickstream-sessions', 1, 'Sessionize'),
    );

    s.flink.serve(flinkCluster());
    s.flink.delay(10_000);
    await s.agent.pollEnginesNow();
    engines = (await getJson<{ engines: Record<string, unknown>[] }>(s.agent, '/api/v1/engines')).body
      .engines;
    expect(engines[0]).toMatchObject({
      up: false,
      failedPolls: 2,
      lastError: '/jobs/overview: no answer within 1500 ms',
    });

    s.flink.delay(0);
    s.clock.advance(15_000);
    await s.agent.pollEnginesNow();
    lines = await sampleLines(s.agent, 'streamops_engine_');
    expect(lines).toContain('streamops_engine_up{engine="flink",endpoint="flink-prod"} 1');
    expect(lines).toContain(
      `streamops_engine_last_success_timestamp_seconds{engine="flink",endpoint="flink-prod"} ${(T0 + 40_000) / 1000}`,
    );

    await s.flink.stop();
    await s.agent.pollEnginesNow();
    engines = (await getJson<{ engines: Record<string, unknown>[] }>(s.agent, '/api/v1/engines')).body
      .engines;
    expect(engines[0]).toMatchObject({ up: false, failedPolls: 3 });
    // ECONNREFUSED, or the closed keep-alive socket when the pool still held one.
    expect(String(engines[0]?.lastError)).toMatch(
      /^\/jobs\/overview: cannot reach http:\/\/127\.0\.0\.1:\d+: /,
    );
    // Storm, polled by its own loop, is unaffected.
    expect(engines[1]).toMatchObject({ engine: 'storm', up: true, failedPolls: 0 });
    lines = await sampleLines(s.agent, 'streamops_engine_');
    expect(lines).toContain('streamops_engine_poll_failures_total{engine="flink",endpoint="flink-prod"} 3');
  });
});

describe('agent reading engine responses with unknown extra fields', () => {
  it('exports exactly the same pipeline series as from the documented shapes', async () => {
    const plain = await setup(flinkCluster(), stormCluster());
    const extended = await setup(withUnknownFields(flinkCluster()), withUnknownFields(stormCluster()));
    const plainLines = await sampleLines(plain.agent, 'streamops_pipeline_', 'streamops_engine_');
    expect(plainLines.length).toBeGreaterThan(100);
    expect(await sampleLines(extended.agent, 'streamops_pipeline_', 'streamops_engine_')).toEqual(plainLines);
    const engines = (await getJson<{ engines: { jobErrors: string[] }[] }>(extended.agent, '/api/v1/engines'))
      .body;
    expect(engines.engines.map((engine) => engine.jobErrors)).toEqual([[], []]);
  });
});
