import { flinkCluster, flinkJobIds, flinkMalformed, flinkWrongShape } from '../fixtures/flink-cluster';
import { FixtureClient, withUnknownFields, type EngineFixture } from '../fixtures/routes';
import { EngineRequestError } from '../http-client';
import { EngineResponseError } from '../json-reader';
import { parseCheckpoints, parseJobDetails, parseJobsOverview } from './flink-api';
import { pollFlink, type FlinkJobReading } from './flink-collector';
import { modelFlinkJob } from './flink-model';

const T = 1_717_003_600_000;

async function readings(fixture: EngineFixture): Promise<Map<string, FlinkJobReading>> {
  const poll = await pollFlink(new FixtureClient(fixture.routes));
  expect(poll.jobErrors).toEqual([]);
  return new Map(poll.jobs.map((job) => [job.overview.name, job]));
}

async function model(
  name: string,
  fixture = flinkCluster(),
  previousLag: { timeMs: number; lagMessages: number } | null = null,
) {
  const reading = (await readings(fixture)).get(name);
  if (reading === undefined) throw new Error(`no job ${name}`);
  return modelFlinkJob(reading, { pipeline: name, endpoint: 'flink-prod', timeMs: T, previousLag });
}

describe('Flink collector and model', () => {
  it('polls jobs that are not terminal, and only the metrics each vertex offers', async () => {
    const client = new FixtureClient(flinkCluster().routes);
    const poll = await pollFlink(client);
    expect(poll.jobs.map((job) => [job.overview.name, job.overview.state])).toEqual([
      ['orders-enrichment', 'RUNNING'],
      ['clickstream-sessions', 'RUNNING'],
      ['payments-fraud', 'RESTARTING'],
      ['inventory-sync', 'RUNNING'],
    ]);
    // The finished job is never asked about; the restarting one has no vertex metrics read.
    expect(client.requests.some((path) => path.includes(flinkJobIds.backfill))).toBe(false);
    expect(client.requests.some((path) => path.startsWith(`/jobs/${flinkJobIds.payments}/vertices`))).toBe(
      false,
    );
    const valueRequest = client.requests.find((path) => path.includes('?get=') && path.includes('cbc357cc'));
    expect(valueRequest).toBe(
      '/jobs/a1b2c3d4e5f60718293a4b5c6d7e8f90/vertices/cbc357ccb763df2852fee8c4fc7d55f2/subtasks/metrics' +
        '?get=numRecordsInPerSecond,numRecordsOutPerSecond,busyTimeMsPerSecond,backPressuredTimeMsPerSecond,' +
        'idleTimeMsPerSecond,Source__orders.pendingRecords,Source__orders.currentFetchEventTimeLag,' +
        'Source__orders.KafkaSourceReader.KafkaConsumer.records-lag-max&agg=min,max,avg,sum',
    );
  });

  it('models a healthy job: D from the source, delivered into the sink, ρ from busy time, lag and time lag', async () => {
    const orders = await model('orders-enrichment');
    expect(orders).toMatchObject({
      pipeline: 'orders-enrichment',
      engine: 'flink',
      windowSeconds: 60,
      arrivalRate: 2000,
      consumedRate: 2000,
      processingYield: 1,
      deliveryYield: 1,
      effectiveThroughput: 2000,
      deliveredRate: 2000,
      errorRatio: null,
      bottleneck: 'Enrich',
      maxSustainableThroughput: 5000,
      lagMessages: 1200,
      lagSeconds: 0.85,
      // One reading: whether lag builds is not known yet.
      lagTrend: 'unknown',
      mismatch: null,
      timeToDrainSeconds: null,
      lostTotal: null,
      engineJob: {
        endpoint: 'flink-prod',
        id: flinkJobIds.orders,
        state: 'RUNNING',
        running: true,
        instances: 10,
        restartsTotal: 0,
        checkpointsCompletedTotal: 120,
        checkpointsFailedTotal: 0,
        lastCheckpointDurationSeconds: 1.5,
      },
    });
    expect(
      orders.stages.map((stage) => [
        stage.stage,
        stage.instances,
        stage.arrivalRate,
        stage.utilization,
        stage.serviceRate,
        stage.headroom,
        stage.backpressureRatio,
        stage.bottleneck,
      ]),
    ).toEqual([
      ['Source: orders', 4, 2000, 0.2, 10000, 8000, 0, false],
      ['Enrich', 4, 2000, 0.4, 5000, 3000, 0, true],
      ['Sink: enriched-orders', 2, 2000, 0.25, 8000, 6000, 0, false],
    ]);
  });

  it('finds the bottleneck of a backpressured job: the busiest vertex, downstream of the blocked ones', async () => {
    const clicks = await model('clickstream-sessions', flinkCluster(), {
      timeMs: T - 10_000,
      lagMessages: 45_000,
    });
    expect(clicks.bottleneck).toBe('Sessionize');
    expect(
      clicks.stages.map((stage) => [
        stage.stage,
        stage.utilization,
        stage.backpressureRatio,
        stage.serviceRate,
      ]),
    ).toEqual([
      ['Source: clicks', 0.05, 0.9, 80000],
      ['Parse', 0.1, 0.85, 40000],
      ['Sessionize', 0.8, 0, 5000],
      ['Sink: sessions', 0.04, 0, 10000],
    ]);
    // Sessionize emits one session per ten clicks: C = 400 ÷ 4000, and R predicts the sink rate.
    expect(clicks.deliveryYield).toBe(0.1);
    expect(clicks.effectiveThroughput).toBe(400);
    expect(clicks.deliveredRate).toBe(400);
    // The sink's share is 0.1, so its capacity in input records is 100,000: Sessionize limits.
    expect(clicks.maxSustainableThroughput).toBe(5000);
    // pendingRecords grew by 3,000 in 10 s: lag builds at 300/s and does not drain.
    expect(clicks.lagMessages).toBe(48_000);
    expect(clicks.lagSeconds).toBe(12);
    expect(clicks.lagTrend).toBe('building');
    expect(clicks.mismatch).toBe(true);
    expect(clicks.timeToDrainSeconds).toBe(Number.POSITIVE_INFINITY);
    expect(clicks.timeToDrainAtCapacitySeconds).toBe(48_000 / (5000 - 4300));
  });

  it('reports a restarting job as not running, with its restarts and stages but no rates', async () => {
    const payments = await model('payments-fraud');
    expect(payments).toMatchObject({
      arrivalRate: null,
      processingYield: null,
      effectiveThroughput: null,
      deliveredRate: null,
      bottleneck: null,
      maxSustainableThroughput: null,
      lagMessages: null,
      engineJob: {
        state: 'RESTARTING',
        running: false,
        instances: 0,
        restartsTotal: 3,
        checkpointsCompletedTotal: 40,
        checkpointsFailedTotal: 2,
        lastCheckpointDurationSeconds: 2,
      },
    });
    expect(
      payments.stages.map((stage) => [stage.stage, stage.instances, stage.arrivalRate, stage.utilization]),
    ).toEqual([
      ['Source: payments', 2, null, null],
      ['Score -> Sink: alerts', 2, null, null],
    ]);
  });

  it('reports failing checkpoints, and Kafka records-lag-max as lag when the source has no pendingRecords', async () => {
    const inventory = await model('inventory-sync');
    expect(inventory.engineJob).toMatchObject({
      checkpointsCompletedTotal: 100,
      checkpointsFailedTotal: 7,
      lastCheckpointDurationSeconds: 45,
    });
    expect(inventory.lagMessages).toBe(40);
    expect(inventory.lagSeconds).toBeNull();
    expect(inventory.bottleneck).toBe('Sink: warehouse-db');
    expect(inventory.arrivalRate).toBe(500);
    expect(inventory.deliveredRate).toBe(500);
  });

  it('reads responses with unknown extra fields exactly like the documented ones', async () => {
    const plain = await readings(flinkCluster());
    const extended = await readings(withUnknownFields(flinkCluster()));
    for (const name of plain.keys()) {
      const settings = { pipeline: name, endpoint: 'e', timeMs: T, previousLag: null };
      const expected = modelFlinkJob(plain.get(name) as FlinkJobReading, settings);
      expect(modelFlinkJob(extended.get(name) as FlinkJobReading, settings)).toEqual(expected);
    }
  });

  it('fails the poll with the endpoint named when the job list is not JSON or not the documented shape', async () => {
    const malformed = pollFlink(new FixtureClient(flinkMalformed.routes));
    await expect(malformed).rejects.toThrow(EngineRequestError);
    await expect(pollFlink(new FixtureClient(flinkMalformed.routes))).rejects.toThrow(
      /^\/jobs\/overview: body is not JSON/,
    );
    await expect(pollFlink(new FixtureClient(flinkWrongShape.routes))).rejects.toThrow(
      new EngineResponseError('/jobs/overview', 'jobs', 'must be an array, got an object'),
    );
  });

  it('reports a job whose details are malformed, and still polls the others', async () => {
    const fixture = flinkCluster();
    const routes = {
      ...fixture.routes,
      [`/jobs/${flinkJobIds.inventory}`]: { jid: flinkJobIds.inventory, vertices: 'none' },
    };
    const poll = await pollFlink(new FixtureClient(routes));
    expect(poll.jobs).toHaveLength(4);
    expect(poll.jobErrors).toEqual([
      `job inventory-sync (${flinkJobIds.inventory}): /jobs/${flinkJobIds.inventory}: vertices must be an array, got the string "none"`,
    ]);
    const inventory = poll.jobs.find((job) => job.overview.name === 'inventory-sync');
    expect(inventory?.details).toBeNull();
  });

  it('treats a 404 on checkpoints as checkpointing disabled, not as an error', async () => {
    const fixture = flinkCluster();
    const routes: Record<string, unknown> = { ...fixture.routes };
    delete routes[`/jobs/${flinkJobIds.orders}/checkpoints`];
    const poll = await pollFlink(new FixtureClient(routes));
    expect(poll.jobErrors).toEqual([]);
    expect(poll.jobs[0]?.checkpoints).toBeNull();
  });
});

describe('Flink response parsing', () => {
  it.each([
    ['a body that is not an object', [], '/jobs/overview: (body) must be an object, got an array'],
    [
      'a job without a name',
      { jobs: [{ jid: 'x', state: 'RUNNING' }] },
      '/jobs/overview: jobs[0].name must be a string, got nothing (the field is missing)',
    ],
    [
      'a state that is a number',
      { jobs: [{ jid: 'x', name: 'n', state: 3 }] },
      '/jobs/overview: jobs[0].state must be a string, got number 3',
    ],
  ])('names the field of %s', (_what, body, message) => {
    expect(() => parseJobsOverview(body)).toThrow(message);
  });

  it('names the vertex of a bad parallelism and reads quoted NaN as unknown', () => {
    expect(() =>
      parseJobDetails(
        { jid: 'j', name: 'n', state: 'RUNNING', vertices: [{ id: 'v', name: 'x', parallelism: 1.5 }] },
        '/jobs/j',
      ),
    ).toThrow('/jobs/j: vertices[0].parallelism must be a whole number, got 1.5');
    expect(() =>
      parseJobDetails(
        { jid: 'j', name: 'n', state: 'RUNNING', vertices: [{ id: 'v', name: 'x', parallelism: -2 }] },
        '/jobs/j',
      ),
    ).toThrow('/jobs/j: vertices[0].parallelism must not be negative, got -2');
    expect(parseCheckpoints({ counts: { completed: 'NaN', failed: 0 } }, '/c')).toEqual({
      completed: null,
      failed: 0,
      latestCompletedDurationMs: null,
    });
    expect(() => parseCheckpoints({ counts: { completed: 'many', failed: 0 } }, '/c')).toThrow(
      '/c: counts.completed must be a number, got the string "many"',
    );
  });

  it('falls back to the first and last vertex as source and sink when the plan is absent', async () => {
    const fixture = flinkCluster();
    const path = `/jobs/${flinkJobIds.orders}`;
    const details = { ...(fixture.routes[path] as Record<string, unknown>) };
    delete details.plan;
    const poll = await pollFlink(new FixtureClient({ ...fixture.routes, [path]: details }));
    const orders = poll.jobs[0] as FlinkJobReading;
    expect(orders.details?.inputsByVertex).toBeNull();
    const result = modelFlinkJob(orders, { pipeline: 'o', endpoint: 'e', timeMs: T, previousLag: null });
    expect([result.arrivalRate, result.deliveredRate, result.bottleneck]).toEqual([2000, 2000, 'Enrich']);
  });
});
