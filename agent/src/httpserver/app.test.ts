import { type AddressInfo } from 'node:net';
import { type Server } from 'node:http';
import { type ClusterLagSnapshot, type GroupLagView, type ShareGroupView } from '../protocol/lag-snapshot';
import { createAgentApp, isReady, type AgentReadModel } from './app';

const group: GroupLagView = {
  group: 'orders',
  groupType: 'consumer',
  state: 'CompletingRebalance',
  kafkaState: 'Reconciling',
  protocolType: 'consumer',
  members: [{ memberId: 'm-1', clientId: 'svc', host: '/10.0.0.1', assignedPartitions: 1 }],
  lagMessages: 7,
  lagSeconds: 3.5,
  status: 'WARN',
  statusReasons: [
    { rule: 'lag-increasing', message: 'lag grew', partitions: [{ topic: 'in', partition: 0 }] },
  ],
  thresholdStatus: 'OK',
  thresholdReason: 'below 60 s',
  thresholds: { warnSeconds: 60, errSeconds: 300 },
  topics: [
    {
      topic: 'in',
      lagMessages: 7,
      lagSeconds: 3.5,
      lagVelocity: 1,
      timeToDrainSeconds: Number.POSITIVE_INFINITY,
      retentionRisk: 0.07,
    },
  ],
  partitions: [],
};

const shareGroup: ShareGroupView = {
  group: 'audit',
  groupType: 'share',
  state: 'Stable',
  kafkaState: 'Stable',
  protocolType: 'share',
  members: [{ memberId: 's-1', clientId: 'auditor', host: '/10.0.0.2', assignedPartitions: 1 }],
  lagMessages: 12,
  partitions: [{ topic: 'in', partition: 0, startOffset: 88, lagMessages: 12 }],
};

function snapshot(overrides: Partial<ClusterLagSnapshot> = {}): ClusterLagSnapshot {
  return {
    cluster: 'local',
    health: {
      up: true,
      lastSuccessMs: 1000,
      lastCycleDurationMs: 12,
      lastError: null,
      successfulCycles: 1,
      failedCycles: 0,
    },
    observedAtMs: 1000,
    groups: [group],
    shareGroups: [shareGroup],
    topics: [{ topic: 'in', partitions: [{ partition: 0, logStartOffset: 0, logEndOffset: 100 }] }],
    ...overrides,
  };
}

let snapshots: ClusterLagSnapshot[] = [];
const model: AgentReadModel = {
  snapshots: () => snapshots,
  metrics: (format) => (format === 'openmetrics' ? 'om\n# EOF\n' : 'text\n'),
};
let server: Server;
let base = '';

beforeAll(async () => {
  server = createAgentApp(model).listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  snapshots = [snapshot()];
});

async function getJson(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${base}${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('agent HTTP API', () => {
  it('serves Prometheus text by default and OpenMetrics when asked', async () => {
    const plain = await fetch(`${base}/metrics`);
    expect(plain.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(await plain.text()).toBe('text\n');
    const open = await fetch(`${base}/metrics`, {
      headers: { accept: 'application/openmetrics-text; version=1.0.0,text/plain;q=0.5' },
    });
    expect(open.headers.get('content-type')).toContain('application/openmetrics-text');
    expect(await open.text()).toBe('om\n# EOF\n');
  });

  it('lists clusters and groups with their group type, share groups apart', async () => {
    const clusters = await getJson('/api/v1/clusters');
    expect(clusters.body.clusters).toEqual([
      expect.objectContaining({ cluster: 'local', groups: 1, shareGroups: 1, topics: 1 }),
    ]);
    const groups = await getJson('/api/v1/clusters/local/groups');
    expect(groups.body.groups).toEqual([
      {
        group: 'orders',
        groupType: 'consumer',
        state: 'CompletingRebalance',
        kafkaState: 'Reconciling',
        status: 'WARN',
        thresholdStatus: 'OK',
        lagMessages: 7,
        lagSeconds: 3.5,
        members: 1,
      },
    ]);
    expect(groups.body.shareGroups).toEqual([
      {
        group: 'audit',
        groupType: 'share',
        state: 'Stable',
        kafkaState: 'Stable',
        lagMessages: 12,
        members: 1,
      },
    ]);
  });

  it('returns a share group by name, without lag status fields', async () => {
    const { status, body } = await getJson('/api/v1/clusters/local/groups/audit');
    expect(status).toBe(200);
    expect(body).toEqual({ cluster: 'local', observedAtMs: 1000, ...shareGroup });
    expect(body).not.toHaveProperty('status');
  });

  it('returns a group with reasons, and infinite time to drain as "+Inf"', async () => {
    const { status, body } = await getJson('/api/v1/clusters/local/groups/orders');
    expect(status).toBe(200);
    expect(body.groupType).toBe('consumer');
    expect(body.statusReasons).toEqual(group.statusReasons);
    expect((body.topics as { timeToDrainSeconds: unknown }[])[0]?.timeToDrainSeconds).toBe('+Inf');
  });

  it('lists topics with the groups that consume them', async () => {
    const { body } = await getJson('/api/v1/clusters/local/topics');
    expect(body.topics).toEqual([
      {
        topic: 'in',
        partitions: [{ partition: 0, logStartOffset: 0, logEndOffset: 100 }],
        groups: ['orders'],
      },
    ]);
  });

  it('answers 404 with a JSON error for unknown clusters, groups and routes', async () => {
    expect(await getJson('/api/v1/clusters/nope/groups')).toEqual({
      status: 404,
      body: { error: 'not_found', message: 'unknown cluster "nope"' },
    });
    expect(await getJson('/api/v1/clusters/local/groups/nope')).toEqual({
      status: 404,
      body: { error: 'not_found', message: 'unknown group "nope" in cluster local' },
    });
    expect((await getJson('/api/v1/nothing')).status).toBe(404);
  });

  it('is healthy always and ready only after a successful cycle', async () => {
    expect((await getJson('/healthz')).status).toBe(200);
    expect((await getJson('/readyz')).status).toBe(200);
    snapshots = [snapshot({ health: { ...snapshot().health, successfulCycles: 0, failedCycles: 0 } })];
    expect((await getJson('/readyz')).status).toBe(503);
  });
});

describe('isReady', () => {
  const health = snapshot().health;
  it('waits until every cluster has tried once and one succeeded', () => {
    const ok = snapshot();
    const failing = snapshot({
      cluster: 'b',
      health: { ...health, up: false, successfulCycles: 0, failedCycles: 2 },
    });
    const untried = snapshot({ cluster: 'c', health: { ...health, successfulCycles: 0, failedCycles: 0 } });
    expect(isReady([ok, failing])).toBe(true);
    expect(isReady([ok, untried])).toBe(false);
    expect(isReady([failing])).toBe(false);
  });
});
