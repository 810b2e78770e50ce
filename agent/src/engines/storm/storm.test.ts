import { FixtureClient, withUnknownFields, type EngineFixture } from '../fixtures/routes';
import { stormCluster, stormMalformed, stormTopologyIds } from '../fixtures/storm-cluster';
import { EngineRequestError } from '../http-client';
import { parseTopologyLag, parseTopologyStats, parseTopologySummary } from './storm-api';
import { pollStorm, type StormTopologyReading } from './storm-collector';
import { modelStormTopology } from './storm-model';

const T = 1_717_003_600_000;

async function readings(fixture: EngineFixture): Promise<Map<string, StormTopologyReading>> {
  const poll = await pollStorm(new FixtureClient(fixture.routes), 600);
  return new Map(poll.topologies.map((topology) => [topology.summary.name, topology]));
}

async function model(name: string, fixture = stormCluster()) {
  const reading = (await readings(fixture)).get(name);
  if (reading === undefined) throw new Error(`no topology ${name}`);
  return modelStormTopology(reading, {
    pipeline: name,
    endpoint: 'storm-prod',
    timeMs: T,
    previousLag: null,
  });
}

describe('Storm collector and model', () => {
  it('polls topologies that are not killed, over the window asked for, without system components', async () => {
    const client = new FixtureClient(stormCluster().routes);
    const poll = await pollStorm(client, 600);
    expect(poll.topologies.map((topology) => topology.summary.name)).toEqual([
      'fraud-scoring',
      'clicks-counter',
    ]);
    expect(poll.jobErrors).toEqual([]);
    expect(client.requests).toEqual([
      '/api/v1/topology/summary',
      `/api/v1/topology/${stormTopologyIds.fraud}?window=600&sys=false`,
      `/api/v1/topology/${stormTopologyIds.fraud}/lag`,
      `/api/v1/topology/${stormTopologyIds.clicks}?window=600&sys=false`,
      `/api/v1/topology/${stormTopologyIds.clicks}/lag`,
    ]);
  });

  it('models a topology with failed tuples: D from the spout, P from the bolts, C from spout acks, ρ from capacity', async () => {
    const fraud = await model('fraud-scoring');
    const p = 117_000 / 120_000;
    const c = 95 / (100 * p);
    expect(fraud).toMatchObject({
      engine: 'storm',
      windowSeconds: 600,
      arrivalRate: 100,
      consumedRate: 100,
      processingYield: p,
      deliveryYield: c,
      effectiveThroughput: 100 * p * c,
      deliveredRate: 95,
      errorRatio: 0.05,
      latencyMeanSeconds: 0.1205,
      bottleneck: 'score',
      maxSustainableThroughput: 100 / 0.9,
      // The lag endpoint answered with errorInfo: no lag known.
      lagMessages: null,
      engineJob: {
        endpoint: 'storm-prod',
        id: stormTopologyIds.fraud,
        state: 'ACTIVE',
        running: true,
        instances: 16,
        restartsTotal: null,
        checkpointsFailedTotal: null,
      },
    });
    expect(
      fraud.stages.map((stage) => [
        stage.stage,
        stage.instances,
        stage.arrivalRate,
        stage.utilization,
        stage.serviceRate,
      ]),
    ).toEqual([
      ['kafka-transactions', 4, 100, null, null],
      ['parse', 4, 100, 0.25, 400],
      ['score', 8, 100, 0.9, 100 / 0.9],
    ]);
  });

  it('sums Kafka spout lag over partitions with a commit, and rates over the uptime of a young topology', async () => {
    const clicks = await model('clicks-counter');
    expect(clicks).toMatchObject({
      windowSeconds: 300,
      arrivalRate: 100,
      deliveredRate: 100,
      processingYield: 1,
      deliveryYield: 1,
      effectiveThroughput: 100,
      errorRatio: 0,
      latencyMeanSeconds: 0.015,
      lagMessages: 750,
      lagSeconds: null,
      bottleneck: 'count',
      maxSustainableThroughput: 200,
    });
  });

  it('reads responses with unknown extra fields exactly like the documented ones', async () => {
    const plain = await readings(stormCluster());
    const extended = await readings(withUnknownFields(stormCluster()));
    for (const name of plain.keys()) {
      const settings = { pipeline: name, endpoint: 'e', timeMs: T, previousLag: null };
      expect(modelStormTopology(extended.get(name) as StormTopologyReading, settings)).toEqual(
        modelStormTopology(plain.get(name) as StormTopologyReading, settings),
      );
    }
  });

  it('drops a killed topology from the poll', async () => {
    const routes = stormCluster({ without: ['fraud'] }).routes;
    const poll = await pollStorm(new FixtureClient(routes), 600);
    expect(poll.topologies.map((topology) => topology.summary.name)).toEqual(['clicks-counter']);
  });

  it('keeps the stages of a deactivated topology without rates', async () => {
    const fixture = stormCluster();
    const path = `/api/v1/topology/${stormTopologyIds.clicks}`;
    const routes = { ...fixture.routes, [path]: { ...(fixture.routes[path] as object), status: 'INACTIVE' } };
    const clicks = await model('clicks-counter', { ...fixture, routes });
    expect(clicks.engineJob).toMatchObject({ state: 'INACTIVE', running: false });
    expect([clicks.arrivalRate, clicks.processingYield, clicks.bottleneck]).toEqual([null, null, null]);
    expect(clicks.stages.map((stage) => [stage.stage, stage.arrivalRate])).toEqual([
      ['kafka-clicks', null],
      ['count', null],
    ]);
  });

  it('fails the poll with the endpoint named when the topology list is not JSON', async () => {
    const poll = pollStorm(new FixtureClient(stormMalformed.routes), 600);
    await expect(poll).rejects.toThrow(EngineRequestError);
    await expect(pollStorm(new FixtureClient(stormMalformed.routes), 600)).rejects.toThrow(
      /^\/api\/v1\/topology\/summary: body is not JSON/,
    );
  });

  it('reports a topology whose statistics are malformed, and still polls the others', async () => {
    const fixture = stormCluster();
    const path = `/api/v1/topology/${stormTopologyIds.fraud}`;
    const routes = {
      ...fixture.routes,
      [path]: { id: 'x', name: 'fraud-scoring', status: 'ACTIVE', spouts: [], bolts: [{ boltId: 7 }] },
    };
    const poll = await pollStorm(new FixtureClient(routes), 600);
    expect(poll.jobErrors).toEqual([
      `topology fraud-scoring (${stormTopologyIds.fraud}): ${path}?window=600&sys=false: bolts[0].boltId must be a string, got number 7`,
    ]);
    expect(poll.topologies.map((topology) => [topology.summary.name, topology.stats === null])).toEqual([
      ['fraud-scoring', true],
      ['clicks-counter', false],
    ]);
  });
});

describe('Storm response parsing', () => {
  it('names the field of a bad summary and of a capacity that is not a number', () => {
    expect(() => parseTopologySummary({ topologies: [{ id: 'a', name: 'b' }] })).toThrow(
      '/api/v1/topology/summary: topologies[0].status must be a string, got nothing (the field is missing)',
    );
    expect(() =>
      parseTopologyStats(
        {
          id: 'a',
          name: 'b',
          status: 'ACTIVE',
          spouts: [],
          bolts: [{ boltId: 'x', executors: 1, executed: 1, acked: 1, failed: 0, capacity: 'high' }],
        },
        '/t',
      ),
    ).toThrow('/t: bolts[0].capacity must be a number, got the string "high"');
  });

  it('reads an all-time window as unknown and null counts as none', () => {
    const stats = parseTopologyStats(
      {
        id: 'a',
        name: 'b',
        status: 'ACTIVE',
        window: ':all-time',
        spouts: [{ spoutId: 's', executors: 1, emitted: null, transferred: 0, acked: 0, failed: 0 }],
        bolts: [],
      },
      '/t',
    );
    expect(stats.windowSeconds).toBeNull();
    expect(stats.spouts[0]?.emitted).toBe(0);
    expect(() =>
      parseTopologyStats(
        { id: 'a', name: 'b', status: 'ACTIVE', spouts: [{ spoutId: 's' }], bolts: [] },
        '/t',
      ),
    ).toThrow('/t: spouts[0].executors must be a number, got nothing (the field is missing)');
  });

  it('names the partition of a malformed lag entry', () => {
    expect(() =>
      parseTopologyLag({ s: { spoutId: 's', spoutLagResult: { clicks: { '0': { lag: 'lots' } } } } }, '/lag'),
    ).toThrow('/lag: s.spoutLagResult.clicks.0.lag must be a number, got the string "lots"');
  });
});
