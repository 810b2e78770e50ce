// The hostile-input suite (issue 16): every way a client once froze, blinded or bloated
// the agent, reproduced over real HTTP against a real agent. Each case asserts that the
// agent does not crash or freeze, that the attack is refused with its reason and counted,
// that memory stays within the configured caps, and that a healthy pipeline reporting
// all along stays exact in /metrics while the lag series keep updating.
//
// No Kafka: the cluster is a fake source whose log end offset grows every cycle, so a lag
// series that stops changing is a frozen agent. The agent's clock is the test's, its loop
// never fires on its own (cycles are run with collectNow), and nothing sleeps: waits are
// deadlines on real answers.
import { connect } from 'node:net';
import { deflateSync, gzipSync } from 'node:zlib';
import { encodeOtlpJson, parseAgentConfig, startAgent, type RunningAgent } from '@streamops/agent';
import { type ClusterSource } from '../../agent/src/collector/cluster-source';
import { partitionKey } from '../../agent/src/protocol/cluster-state';
import { InstanceStore } from '../../agent/src/pipelines/instance-store';
import { ManualClock } from './harness';

// ---------------------------------------------------------------------------------------
// The fake cluster: one group, one partition, a log that grows by 5 every cycle.

const lagGroup = 'orders';
const lagTopic = 'orders.in';
const committedOffset = 10;

class GrowingCluster implements ClusterSource {
  logEndOffset = 100;
  constructor(private readonly clock: ManualClock) {}
  listGroups() {
    return Promise.resolve([
      { group: lagGroup, protocolType: 'consumer', groupType: 'classic' as const, state: null },
    ]);
  }
  describeGroups() {
    return Promise.resolve([
      {
        group: lagGroup,
        groupType: 'classic' as const,
        state: 'Stable',
        kafkaState: 'Stable',
        protocolType: 'consumer',
        members: [],
      },
    ]);
  }
  fetchCommittedOffsets() {
    return Promise.resolve([{ topic: lagTopic, partition: 0, offset: committedOffset }]);
  }
  fetchWatermarks(topics: readonly string[]) {
    this.logEndOffset += 5;
    return Promise.resolve(
      topics.map((topic) => ({ topic, partition: 0, logStartOffset: 0, logEndOffset: this.logEndOffset })),
    );
  }
  fetchRecordTimestamps(positions: readonly { topic: string; partition: number; offset: number }[]) {
    return Promise.resolve(
      new Map(
        positions.map((position) => [partitionKey(position.topic, position.partition), this.clock.nowMs]),
      ),
    );
  }
  close() {
    return Promise.resolve();
  }
}

// ---------------------------------------------------------------------------------------
// OTLP reports, built with the agent's own encoder.

type OtlpRequest = Parameters<typeof encodeOtlpJson>[0];
type OtlpMetric = OtlpRequest['resourceMetrics'][number]['scopeMetrics'][number]['metrics'][number];

interface PointSpec {
  readonly name: string;
  /** counter: cumulative monotonic sum; delta: delta monotonic sum. */
  readonly kind: 'counter' | 'delta' | 'gauge' | 'histogram';
  readonly value: number;
  readonly attributes?: Readonly<Record<string, string>>;
}

interface ResourceSpec {
  readonly service: string;
  readonly instance: string;
  /** Resource attribute streamops.pipeline; default: the service name. */
  readonly pipeline?: string;
  /** Process start (the points' start time), epoch ms. */
  readonly startMs: number;
  /** The points' time, epoch ms. */
  readonly timeMs: number;
  readonly points: readonly PointSpec[];
}

const NS_PER_MS = 1e6;

function attributes(map: Readonly<Record<string, string>> = {}) {
  return Object.entries(map).map(([key, value]) => ({ key, value }));
}

function metricOf(point: PointSpec, resource: ResourceSpec): OtlpMetric {
  const startTimeUnixNano = resource.startMs * NS_PER_MS;
  const timeUnixNano = resource.timeMs * NS_PER_MS;
  const number = {
    attributes: attributes(point.attributes),
    startTimeUnixNano: point.kind === 'gauge' ? 0 : startTimeUnixNano,
    timeUnixNano,
    value: point.value,
    flags: 0,
  };
  switch (point.kind) {
    case 'gauge':
      return { name: point.name, unit: '', data: { type: 'gauge', points: [number] } };
    case 'counter':
    case 'delta':
      return {
        name: point.name,
        unit: '',
        data: { type: 'sum', temporality: point.kind === 'delta' ? 1 : 2, monotonic: true, points: [number] },
      };
    case 'histogram':
      return {
        name: point.name,
        unit: '',
        data: {
          type: 'histogram',
          temporality: 2,
          points: [
            {
              attributes: attributes(point.attributes),
              startTimeUnixNano,
              timeUnixNano,
              count: point.value,
              sum: point.value,
              bucketCounts: [point.value],
              explicitBounds: [],
              flags: 0,
            },
          ],
        },
      };
  }
}

function requestOf(resources: readonly ResourceSpec[]): OtlpRequest {
  return {
    resourceMetrics: resources.map((resource) => ({
      resourceAttributes: attributes({
        'service.name': resource.service,
        'service.instance.id': resource.instance,
        'streamops.pipeline': resource.pipeline ?? resource.service,
      }),
      scopeMetrics: [
        { scopeName: '@streamops/sdk', metrics: resource.points.map((point) => metricOf(point, resource)) },
      ],
    })),
  };
}

interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
  /** Points the agent says it refused: all of them on an error status, else partial_success. */
  readonly rejectedPoints: number;
}

interface PostOptions {
  readonly token?: string;
  readonly contentEncoding?: string;
  readonly body?: Uint8Array;
}

async function post(
  url: string,
  resources: readonly ResourceSpec[],
  options: PostOptions = {},
): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.contentEncoding !== undefined) headers['content-encoding'] = options.contentEncoding;
  const body = options.body ?? encodeOtlpJson(requestOf(resources));
  const response = await fetch(`${url}/v1/metrics`, {
    method: 'POST',
    headers,
    body,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  const points = resources.reduce((sum, resource) => sum + resource.points.length, 0);
  let rejectedPoints = response.status === 200 ? 0 : points;
  if (response.status === 200 && text !== '') {
    const parsed = JSON.parse(text) as { partialSuccess?: { rejectedDataPoints?: string | number } };
    rejectedPoints = Number(parsed.partialSuccess?.rejectedDataPoints ?? 0);
  }
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    text,
    rejectedPoints,
  };
}

/** A request written by hand on a fresh socket: for heads without bodies and other things fetch will not send. */
async function rawExchange(
  url: string,
  head: string,
  deadlineMs: number,
): Promise<{ status: number; headers: Record<string, string>; body: string; elapsedMs: number }> {
  const { hostname, port } = new URL(url);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let received = Buffer.alloc(0);
    let settled = false;
    const finish = (
      error: Error | null,
      parsed?: { status: number; headers: Record<string, string>; body: string },
    ) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (error !== null || parsed === undefined) reject(error ?? new Error('no answer'));
      else resolve({ ...parsed, elapsedMs: performance.now() - started });
    };
    const timer = setTimeout(
      () => finish(new Error(`no complete answer within ${deadlineMs} ms (got ${received.length} bytes)`)),
      deadlineMs,
    );
    const tryParse = (ended: boolean) => {
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) {
        if (ended) finish(new Error(`connection closed before an answer (${received.length} bytes)`));
        return;
      }
      const [statusLine = '', ...headerLines] = received.subarray(0, end).toString('latin1').split('\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? Number.NaN);
      const headers: Record<string, string> = {};
      for (const line of headerLines) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const body = received.subarray(end + 4);
      const length = headers['content-length'];
      if (length !== undefined && body.length >= Number(length)) {
        finish(null, { status, headers, body: body.subarray(0, Number(length)).toString('utf8') });
      } else if (length === undefined && (ended || status === 204 || status === 304)) {
        finish(null, { status, headers, body: body.toString('utf8') });
      } else if (ended) {
        finish(null, { status, headers, body: body.toString('utf8') });
      }
    };
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      tryParse(false);
    });
    socket.on('end', () => tryParse(true));
    socket.on('close', () => tryParse(true));
    socket.on('error', (error) => finish(error));
    socket.write(head);
  });
}

// ---------------------------------------------------------------------------------------
// /metrics, read the way a test reads it.

interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (match === null) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1]!] = pair[2]!;
    }
    const raw = match[3]!;
    const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw);
    samples.push({ name: match[1]!, labels, value });
  }
  return samples;
}

function matching(samples: readonly Sample[], name: string, labels: Readonly<Record<string, string>> = {}) {
  return samples.filter(
    (sample) =>
      sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
}

/** The one sample of `name` with `labels`, or undefined when there is none. */
function valueOf(samples: readonly Sample[], name: string, labels: Readonly<Record<string, string>> = {}) {
  const found = matching(samples, name, labels);
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

/** Refusals of one reason, whether the whole request was refused or some of its points. */
function refusals(samples: readonly Sample[], reason: string): number {
  let total = 0;
  for (const name of ['streamops_ingest_rejected_payloads_total', 'streamops_ingest_rejected_points_total']) {
    for (const sample of matching(samples, name, { reason })) total += sample.value;
  }
  return total;
}

// ---------------------------------------------------------------------------------------
// One agent per case, with a healthy pipeline that reports before, during and after the attack.

const T0 = Date.now();
/** Every process of these tests started here, after the agent's store: counted in full. */
const healthyPipeline = 'healthy';

interface Hostile {
  readonly agent: RunningAgent;
  readonly clock: ManualClock;
  readonly cluster: GrowingCluster;
  readonly logged: string[];
  /** Process start of every well-behaved instance. */
  readonly startMs: number;
  /** Reports once for the healthy pipeline, runs a cycle, and checks /metrics is exact and moving. */
  healthyStep(): Promise<Sample[]>;
  /** Runs a cycle and reads /metrics. */
  scrape(): Promise<Sample[]>;
  /** Moves the agent's clock on and returns the new time. */
  tick(ms?: number): number;
}

let running: RunningAgent | undefined;
const savedEnv: Record<string, string | undefined> = {};

function setEnv(name: string, value: string): void {
  if (!(name in savedEnv)) savedEnv[name] = process.env[name];
  process.env[name] = value;
}

afterEach(async () => {
  jest.restoreAllMocks();
  await running?.stop();
  running = undefined;
  for (const [name, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
    delete savedEnv[name];
  }
});

async function startHostile(
  extra: {
    ingest?: Record<string, unknown>;
    server?: Record<string, unknown>;
    /** Bearer token of the healthy pipeline's instance. */
    healthyToken?: string;
  } = {},
): Promise<Hostile> {
  const clock = new ManualClock(T0);
  const cluster = new GrowingCluster(clock);
  const logged: string[] = [];
  const agent = await startAgent(
    parseAgentConfig({
      clusters: [{ name: 'local', brokers: ['127.0.0.1:9'] }],
      collection: { intervalSeconds: 3600, requestTimeoutMs: 1000 },
      server: { host: '127.0.0.1', port: 0, ...extra.server },
      ingest: { instanceTtlSeconds: 600, ...extra.ingest },
      pipelines: { windowSeconds: 5 },
    }),
    {
      createSource: () => cluster,
      log: (line) => logged.push(line),
      nowMs: clock.now,
      // Cycles run only when the test asks (collectNow).
      timers: { setTimeout: () => null, clearTimeout: () => undefined },
    },
  );
  running = agent;
  await agent.collectNow();
  const startMs = clock.advance(1_000);
  clock.advance(1_000);

  let healthyLost = 0;
  let previousLag: number | undefined;
  const scrape = async (): Promise<Sample[]> => {
    await agent.collectNow();
    const response = await fetch(`${agent.url}/metrics`, { signal: AbortSignal.timeout(10_000) });
    expect(response.status).toBe(200);
    const samples = parseSamples(await response.text());
    // Never a non-finite figure of a pipeline or of ingest: that is what froze the agent.
    const nonFinite = samples.filter(
      (sample) =>
        /^streamops_(pipeline|ingest|pipelines)_/.test(sample.name) && !Number.isFinite(sample.value),
    );
    expect(nonFinite).toEqual([]);
    return samples;
  };
  const reportHealthy = async (): Promise<void> => {
    healthyLost += 3;
    const answer = await post(
      agent.url,
      [
        {
          service: healthyPipeline,
          instance: 'healthy-1',
          startMs,
          timeMs: clock.nowMs,
          points: [
            {
              name: 'streamops_consumer_lost_messages_total',
              kind: 'counter',
              value: healthyLost,
              attributes: { group: 'g', topic: 'healthy.in' },
            },
          ],
        },
      ],
      extra.healthyToken === undefined ? {} : { token: extra.healthyToken },
    );
    expect({ status: answer.status, rejectedPoints: answer.rejectedPoints }).toEqual({
      status: 200,
      rejectedPoints: 0,
    });
  };
  // The model needs two cycles that saw the pipeline: the first one is here.
  await reportHealthy();
  clock.advance(1_000);
  await agent.collectNow();

  return {
    agent,
    clock,
    cluster,
    logged,
    startMs,
    scrape,
    tick: (ms = 1_000) => clock.advance(ms),
    async healthyStep() {
      await reportHealthy();
      clock.advance(1_000);
      const samples = await scrape();
      // The healthy pipeline's counter is exactly what it sent, whatever else happened.
      expect(valueOf(samples, 'streamops_pipeline_lost_messages_total', { pipeline: healthyPipeline })).toBe(
        healthyLost,
      );
      // The lag series moves with the cluster: the collector is neither frozen nor down.
      const lag = valueOf(samples, 'streamops_consumergroup_lag_messages', { group: lagGroup });
      expect(lag).toBe(cluster.logEndOffset - committedOffset);
      if (previousLag !== undefined) expect(lag).toBeGreaterThan(previousLag);
      previousLag = lag;
      expect(valueOf(samples, 'streamops_collector_up', { cluster: 'local' })).toBe(1);
      return samples;
    },
  };
}

/** The health endpoints answer: the agent is alive. */
async function expectAlive(agent: RunningAgent): Promise<void> {
  const health = await fetch(`${agent.url}/healthz`, { signal: AbortSignal.timeout(5_000) });
  expect(health.status).toBe(200);
  await health.text();
}

interface ApiPipeline {
  readonly pipeline: string;
  readonly degraded?: { reason: string; message: string; instances: unknown[] } | null;
}

async function apiPipelines(agent: RunningAgent): Promise<ApiPipeline[]> {
  const response = await fetch(`${agent.url}/api/v1/pipelines`, { signal: AbortSignal.timeout(5_000) });
  expect(response.status).toBe(200);
  return ((await response.json()) as { pipelines: ApiPipeline[] }).pipelines;
}

function counter(
  name: string,
  value: number,
  labels: Record<string, string> = { group: 'g', topic: 't' },
): PointSpec {
  return { name, kind: 'counter', value, attributes: labels };
}

const lost = 'streamops_consumer_lost_messages_total';
const duplicates = 'streamops_consumer_duplicate_messages_total';

/** The instance whose id the identity tests' claimants try to take. */
const victimIdentity = { service: 'victim', instance: 'victim-1' };

/** Posts the victim's lost-messages counter; its process started at `startMs` (default: h.startMs). */
function postVictim(
  h: Hostile,
  report: { readonly timeMs: number; readonly value: number; readonly startMs?: number },
  options?: PostOptions,
): Promise<Answer> {
  return post(
    h.agent.url,
    [
      {
        ...victimIdentity,
        startMs: report.startMs ?? h.startMs,
        timeMs: report.timeMs,
        points: [counter(lost, report.value)],
      },
    ],
    options,
  );
}

/** The victim pipeline's lost messages in /metrics. */
function victimLost(samples: readonly Sample[]): number | undefined {
  return valueOf(samples, 'streamops_pipeline_lost_messages_total', { pipeline: 'victim' });
}

// ---------------------------------------------------------------------------------------

describe('the agent under hostile reports', () => {
  it('refuses counters whose sum over instances (or over time) overflows, and keeps serving', async () => {
    const h = await startHostile();
    await h.healthyStep();
    // Finite values whose sum over two instances is Infinity: the one that would make the sum
    // infinite is refused (or already the first, if the agent bounds single values that low).
    const overAt = (instance: string) =>
      post(h.agent.url, [
        {
          service: 'overflow',
          instance,
          startMs: h.startMs,
          timeMs: h.clock.nowMs,
          points: [counter(lost, 1e308)],
        },
      ]);
    const pair = [await overAt('ovf-1'), await overAt('ovf-2')];
    // One instance whose deltas add up to Infinity.
    const delta: PointSpec = {
      name: duplicates,
      kind: 'delta',
      value: 1e308,
      attributes: { group: 'g', topic: 't' },
    };
    const deltaBase = { service: 'overflow-delta', instance: 'ovf-3', startMs: h.startMs };
    const deltas = [
      await post(h.agent.url, [{ ...deltaBase, timeMs: h.tick(), points: [delta] }]),
      await post(h.agent.url, [{ ...deltaBase, timeMs: h.tick(), points: [delta] }]),
    ];
    for (const answers of [pair, deltas]) {
      const refused = answers.reduce((sum, answer) => sum + answer.rejectedPoints, 0);
      expect(refused).toBeGreaterThanOrEqual(1);
      // A refused report is refused as a bad request, never as a server failure.
      for (const answer of answers) expect([200, 400]).toContain(answer.status);
    }
    const refusedPoints = [...pair, ...deltas].reduce((sum, answer) => sum + answer.rejectedPoints, 0);

    const samples = await h.healthyStep();
    expect(refusals(samples, 'value_overflow')).toBe(refusedPoints);
    await h.healthyStep();
    await expectAlive(h.agent);
  });

  it('keeps serving when one instance’s series add up to Infinity within its pipeline', async () => {
    const h = await startHostile();
    await h.healthyStep();
    // Two series of one counter signal, each finite: the pipeline's lost total is their sum.
    const answer = await post(h.agent.url, [
      {
        service: 'summed',
        instance: 'sum-1',
        startMs: h.startMs,
        timeMs: h.clock.nowMs,
        points: [
          counter(lost, 1e308, { group: 'g', topic: 'a' }),
          counter(lost, 1e308, { group: 'g', topic: 'b' }),
        ],
      },
    ]);
    expect([200, 400]).toContain(answer.status);
    await h.healthyStep();
    const samples = await h.healthyStep();
    // Refused at the door, or taken and the pipeline marked degraded: never an infinite figure
    // (scrape() checks every pipeline sample is finite) and never a frozen agent.
    const summed = (await apiPipelines(h.agent)).find((entry) => entry.pipeline === 'summed');
    const refused = refusals(samples, 'value_overflow');
    expect({ refused: refused > 0, degraded: summed?.degraded?.reason ?? null }).not.toEqual({
      refused: false,
      degraded: null,
    });
    if (refused === 0) expect(summed?.degraded?.instances).toContain('sum-1');
    await h.healthyStep();
  });

  it('refuses a gauge sent under a counter’s name', async () => {
    const h = await startHostile();
    await h.healthyStep();
    const base = { service: 'mixed', startMs: h.startMs };
    expect(
      (
        await post(h.agent.url, [
          { ...base, instance: 'm-1', timeMs: h.clock.nowMs, points: [counter(lost, 5)] },
        ])
      ).status,
    ).toBe(200);
    // Another instance sends the same series as a gauge: summing the two was the freeze.
    const gauge = await post(h.agent.url, [
      {
        ...base,
        instance: 'm-2',
        timeMs: h.clock.nowMs,
        points: [{ name: lost, kind: 'gauge', value: 1e300, attributes: { group: 'g', topic: 't' } }],
      },
    ]);
    expect(gauge.status).toBe(400);
    expect(gauge.rejectedPoints).toBe(1);
    // A counter signal of the model sent as a gauge, in a pipeline with no counter of that name yet.
    const fresh = await post(h.agent.url, [
      {
        service: 'gauge-only',
        instance: 'g-1',
        startMs: h.startMs,
        timeMs: h.clock.nowMs,
        points: [
          {
            name: 'streamops_stage_messages_total',
            kind: 'gauge',
            value: 7,
            attributes: { stage: 'enrich', outcome: 'success' },
          },
        ],
      },
    ]);
    expect(fresh.rejectedPoints).toBe(1);

    const samples = await h.healthyStep();
    expect(refusals(samples, 'type_conflict')).toBe(2);
    await h.healthyStep();
    await expectAlive(h.agent);
  });

  it('refuses a series that changes type, and keeps the series as it was', async () => {
    const h = await startHostile();
    await h.healthyStep();
    const base = { service: 'typed', instance: 'tc-1', startMs: h.startMs };
    const points = (kind: PointSpec['kind'], value: number): PointSpec[] => [
      { name: duplicates, kind, value, attributes: { group: 'g', topic: 't' } },
    ];
    expect(
      (await post(h.agent.url, [{ ...base, timeMs: h.tick(), points: points('counter', 4) }])).status,
    ).toBe(200);
    const histogram = await post(h.agent.url, [
      { ...base, timeMs: h.tick(), points: points('histogram', 9) },
    ]);
    expect(histogram.status).toBe(400);
    expect(histogram.rejectedPoints).toBe(1);
    const gauge = await post(h.agent.url, [{ ...base, timeMs: h.tick(), points: points('gauge', 9) }]);
    expect(gauge.rejectedPoints).toBe(1);
    // The counter itself goes on.
    const again = await post(h.agent.url, [{ ...base, timeMs: h.tick(), points: points('counter', 6) }]);
    expect({ status: again.status, rejectedPoints: again.rejectedPoints }).toEqual({
      status: 200,
      rejectedPoints: 0,
    });

    const samples = await h.healthyStep();
    expect(refusals(samples, 'type_conflict')).toBe(2);
    await h.healthyStep();
    const after = await h.scrape();
    expect(valueOf(after, 'streamops_pipeline_duplicate_messages_total', { pipeline: 'typed' })).toBe(6);
  });

  it('refuses points a day in the future or two days in the past, and the instance is not silenced', async () => {
    const h = await startHostile();
    await h.healthyStep();
    const day = 86_400_000;
    const base = { service: 'skewed', instance: 'ts-1', startMs: h.startMs - 3 * day };
    const future = await post(h.agent.url, [
      { ...base, timeMs: h.clock.nowMs + day, points: [counter(lost, 1)] },
    ]);
    expect(future.status).toBe(400);
    expect(future.rejectedPoints).toBe(1);
    const past = await post(h.agent.url, [
      { ...base, timeMs: h.clock.nowMs - 2 * day, points: [counter(lost, 1)] },
    ]);
    expect(past.status).toBe(400);
    expect(past.rejectedPoints).toBe(1);

    // Reports with the right time are stored: the future point left no mark that would hide them.
    const before = await h.scrape();
    const acceptedBefore = valueOf(before, 'streamops_ingest_accepted_points_total') ?? Number.NaN;
    for (const value of [2, 5]) {
      const answer = await post(h.agent.url, [{ ...base, timeMs: h.tick(), points: [counter(lost, value)] }]);
      expect({ status: answer.status, rejectedPoints: answer.rejectedPoints }).toEqual({
        status: 200,
        rejectedPoints: 0,
      });
    }
    const after = await h.scrape();
    expect(valueOf(after, 'streamops_ingest_accepted_points_total')).toBe(acceptedBefore + 2);
    expect(refusals(after, 'timestamp_skew')).toBe(2);
    await h.healthyStep();
    await expectAlive(h.agent);
  });

  it('keeps instances and series within their caps under rotating instance ids and metric names', async () => {
    const caps = {
      maxInstances: 50,
      maxInstancesPerPipeline: 20,
      maxSeriesPerInstance: 20,
      maxSeries: 200,
      maxPipelines: 10,
    };
    const h = await startHostile({ ingest: caps });
    await h.healthyStep();
    await h.healthyStep();

    let sequence = 0;
    // Status → the first answer with it.
    const statuses = new Map<number, string[]>();
    const send = async (resources: ResourceSpec[]) => {
      const answer = await post(h.agent.url, resources);
      statuses.set(answer.status, [...(statuses.get(answer.status) ?? []), answer.text].slice(0, 1));
    };
    // 2,000 instance ids, one series each (the same for all), ten instances per request.
    for (let request = 0; request < 200; request++) {
      await send(
        Array.from({ length: 10 }, () => ({
          service: 'attack',
          instance: `atk-${sequence++}`,
          startMs: h.startMs,
          timeMs: h.clock.nowMs,
          points: [counter(lost, 1)],
        })),
      );
      if (request % 50 === 49) await h.healthyStep();
    }
    // 500 more, each with 30 metric names never seen before.
    for (let request = 0; request < 50; request++) {
      await send(
        Array.from({ length: 10 }, () => {
          const id = sequence++;
          return {
            service: 'attack-both',
            instance: `atk-${id}`,
            startMs: h.startMs,
            timeMs: h.clock.nowMs,
            points: Array.from({ length: 30 }, (_, index) =>
              counter(`streamops_attack_${id}_${index}_total`, 1),
            ),
          };
        }),
      );
    }
    // A few fixed instances rotating metric names without end.
    for (let round = 0; round < 60; round++) {
      const timeMs = h.tick(100);
      const resources = [0, 1, 2].map((index) => ({
        service: 'attack-names',
        instance: `names-${index}`,
        startMs: h.startMs,
        timeMs,
        points: Array.from({ length: 20 }, (_, point) =>
          counter(`streamops_rotating_${round}_${point}_total`, 1),
        ),
      }));
      await post(h.agent.url, resources);
    }
    // Accepted (partly), or refused (series_limit 400, instance_limit 429): never a server failure.
    expect([...statuses].filter(([status]) => ![200, 400, 429].includes(status))).toEqual([]);

    const samples = await h.healthyStep();
    expect(valueOf(samples, 'streamops_ingest_instances')).toBeLessThanOrEqual(caps.maxInstances);
    expect(valueOf(samples, 'streamops_ingest_series')).toBeLessThanOrEqual(caps.maxSeries);
    const attackInstances = valueOf(samples, 'streamops_pipeline_instances', { pipeline: 'attack' }) ?? 0;
    expect(attackInstances).toBeLessThanOrEqual(caps.maxInstancesPerPipeline);
    expect(refusals(samples, 'instance_limit')).toBeGreaterThan(0);
    expect(refusals(samples, 'series_limit')).toBeGreaterThan(0);
    // What /metrics renders is bounded too: a few hundred samples, not one per attempted series.
    expect(samples.length).toBeLessThan(2_000);
    await expectAlive(h.agent);
  });

  it('refuses pipelines beyond the pipeline cap', async () => {
    const h = await startHostile({ ingest: { maxPipelines: 5 } });
    await h.healthyStep();
    const statuses: number[] = [];
    for (let index = 0; index < 50; index++) {
      const answer = await post(h.agent.url, [
        {
          service: `rotating-${index}`,
          instance: `rot-${index}`,
          startMs: h.startMs,
          timeMs: h.clock.nowMs,
          points: [counter(lost, 1)],
        },
      ]);
      statuses.push(answer.status);
    }
    // The healthy pipeline and four more fit; every further one is refused, as retryable.
    expect(statuses.filter((status) => status === 200)).toHaveLength(4);
    expect(statuses.filter((status) => status === 429)).toHaveLength(46);

    const samples = await h.healthyStep();
    expect(refusals(samples, 'pipeline_limit')).toBe(46);
    const pipelines = new Set(
      matching(samples, 'streamops_pipeline_instances').map((sample) => sample.labels.pipeline),
    );
    expect(pipelines.size).toBeLessThanOrEqual(5);
    expect((await apiPipelines(h.agent)).length).toBeLessThanOrEqual(5);
    await h.healthyStep();
  });

  it('refuses a process with another start time that claims a live instance’s id', async () => {
    const h = await startHostile();
    await h.healthyStep();
    expect((await postVictim(h, { timeMs: h.clock.nowMs, value: 3 })).status).toBe(200);
    await h.healthyStep();
    const samples = await h.healthyStep();
    expect(victimLost(samples)).toBe(3);

    // Ingest is open (no tokens, the default): nothing but the start time tells the victim's
    // process from another. Neither an earlier nor a later one may take the live id: the
    // later one is what moved a victim's counter from 3 to 1e9 and then silenced the victim.
    const claims = [];
    for (const startMs of [h.startMs - 500, h.startMs + 500]) {
      claims.push(await postVictim(h, { startMs, timeMs: h.clock.nowMs, value: 1e9 }));
    }
    expect(claims.map((claim) => claim.status)).toEqual([403, 403]);
    const afterClaim = await h.healthyStep();
    expect(refusals(afterClaim, 'identity_conflict')).toBe(2);
    expect(victimLost(afterClaim)).toBe(3);

    // The victim's own next reports count as before.
    for (const value of [4, 5]) {
      const answer = await postVictim(h, { timeMs: h.tick(), value });
      expect({ status: answer.status, rejectedPoints: answer.rejectedPoints }).toEqual({
        status: 200,
        rejectedPoints: 0,
      });
    }
    const final = await h.healthyStep();
    expect(victimLost(final)).toBe(5);
  });

  it('does not let a claim without a start time (delta points) change a live instance’s counter', async () => {
    const h = await startHostile();
    await h.healthyStep();
    expect((await postVictim(h, { timeMs: h.clock.nowMs, value: 3 })).status).toBe(200);
    await h.healthyStep();
    // Delta points say nothing about the process start, so they cannot prove the claimant is the
    // victim's process: adding 1e9 to the victim's counter is what the original attack did.
    const claim = await post(h.agent.url, [
      {
        ...victimIdentity,
        startMs: h.startMs,
        timeMs: h.tick(),
        points: [{ name: lost, kind: 'delta', value: 1e9, attributes: { group: 'g', topic: 't' } }],
      },
    ]);
    expect(claim.rejectedPoints).toBe(1);
    const samples = await h.healthyStep();
    expect(victimLost(samples)).toBe(3);
    const next = await postVictim(h, { timeMs: h.tick(), value: 4 });
    expect({ status: next.status, rejectedPoints: next.rejectedPoints }).toEqual({
      status: 200,
      rejectedPoints: 0,
    });
    const final = await h.healthyStep();
    expect(victimLost(final)).toBe(4);
  });

  it('refuses another token claiming a live instance’s id', async () => {
    setEnv('HOSTILE_TEST_TOKEN_HEALTHY', 'healthy-secret-0123456789');
    setEnv('HOSTILE_TEST_TOKEN_VICTIM', 'victim-secret-0123456789');
    setEnv('HOSTILE_TEST_TOKEN_INTRUDER', 'intruder-secret-0123456789');
    const h = await startHostile({
      ingest: {
        tokens: [
          { name: 'healthy', token: { env: 'HOSTILE_TEST_TOKEN_HEALTHY' } },
          { name: 'victim', token: { env: 'HOSTILE_TEST_TOKEN_VICTIM' } },
          { name: 'intruder', token: { env: 'HOSTILE_TEST_TOKEN_INTRUDER' } },
        ],
      },
      healthyToken: 'healthy-secret-0123456789',
    });
    await h.healthyStep();
    const victimToken = { token: 'victim-secret-0123456789' };
    expect((await postVictim(h, { timeMs: h.clock.nowMs, value: 3 }, victimToken)).status).toBe(200);
    await h.healthyStep();
    // Same id, same start time, another valid token.
    const claim = await postVictim(
      h,
      { timeMs: h.tick(), value: 1e9 },
      { token: 'intruder-secret-0123456789' },
    );
    expect(claim.status).toBe(403);
    const samples = await h.healthyStep();
    expect(refusals(samples, 'identity_conflict')).toBe(1);
    expect(victimLost(samples)).toBe(3);
    const next = await postVictim(h, { timeMs: h.tick(), value: 4 }, victimToken);
    expect(next.status).toBe(200);
    const final = await h.healthyStep();
    expect(victimLost(final)).toBe(4);
  });

  it('refuses a token bound to one pipeline reporting for another', async () => {
    setEnv('HOSTILE_TEST_TOKEN_HEALTHY', 'healthy-secret-0123456789');
    setEnv('HOSTILE_TEST_TOKEN_ALPHA', 'alpha-secret-0123456789');
    const h = await startHostile({
      ingest: {
        tokens: [
          { name: 'healthy', token: { env: 'HOSTILE_TEST_TOKEN_HEALTHY' } },
          { name: 'alpha', token: { env: 'HOSTILE_TEST_TOKEN_ALPHA' }, pipelines: ['alpha'] },
        ],
      },
      healthyToken: 'healthy-secret-0123456789',
    });
    await h.healthyStep();
    const alphaToken = { token: 'alpha-secret-0123456789' };
    const postWithAlphaToken = (service: string, instance: string, point: PointSpec) =>
      post(
        h.agent.url,
        [{ service, instance, startMs: h.startMs, timeMs: h.clock.nowMs, points: [point] }],
        alphaToken,
      );
    const own = await postWithAlphaToken('alpha', 'a-1', counter(lost, 1));
    expect(own.status).toBe(200);
    const other = await postWithAlphaToken('beta', 'b-1', counter(lost, 1));
    expect(other.status).toBe(403);
    // The pipeline named on the point, not only on the resource, is the one checked.
    const smuggled = await postWithAlphaToken(
      'alpha',
      'a-2',
      counter(lost, 1, { group: 'g', topic: 't', pipeline: 'beta' }),
    );
    expect(smuggled.rejectedPoints).toBe(1);
    const samples = await h.healthyStep();
    expect(refusals(samples, 'forbidden_pipeline')).toBe(2);
    expect(matching(samples, 'streamops_pipeline_instances', { pipeline: 'beta' })).toEqual([]);
    await h.healthyStep();
  });

  it('answers an unauthenticated POST claiming a 1 GB body at once, without waiting for the body', async () => {
    setEnv('HOSTILE_TEST_TOKEN', 'only-secret-0123456789');
    const h = await startHostile({
      ingest: { token: { env: 'HOSTILE_TEST_TOKEN' } },
      healthyToken: 'only-secret-0123456789',
    });
    await h.healthyStep();
    const { port } = new URL(h.agent.url);
    const answer = await rawExchange(
      h.agent.url,
      `POST /v1/metrics HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/x-protobuf\r\nContent-Length: 1000000000\r\n\r\n`,
      3_000,
    );
    expect([401, 413]).toContain(answer.status);
    await h.healthyStep();
    await expectAlive(h.agent);
  });

  it('refuses Content-Length: 1000000000 with 413 at once', async () => {
    const h = await startHostile();
    await h.healthyStep();
    const { port } = new URL(h.agent.url);
    const answer = await rawExchange(
      h.agent.url,
      `POST /v1/metrics HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n{"resourceMetrics":[`,
      3_000,
    );
    expect(answer.status).toBe(413);
    const samples = await h.healthyStep();
    expect(refusals(samples, 'body_too_large')).toBe(1);
    await expectAlive(h.agent);
  });

  it('refuses deflate and other undocumented encodings with 415, and takes gzip', async () => {
    const h = await startHostile();
    await h.healthyStep();
    const report = (instance: string): ResourceSpec[] => [
      { service: 'encoded', instance, startMs: h.startMs, timeMs: h.clock.nowMs, points: [counter(lost, 1)] },
    ];
    const json = encodeOtlpJson(requestOf(report('e-1')));
    const deflated = await post(h.agent.url, report('e-1'), {
      contentEncoding: 'deflate',
      body: deflateSync(json),
    });
    expect(deflated.status).toBe(415);
    const brotli = await post(h.agent.url, report('e-1'), { contentEncoding: 'br', body: json });
    expect(brotli.status).toBe(415);
    const gzipped = await post(h.agent.url, report('e-1'), { contentEncoding: 'gzip', body: gzipSync(json) });
    expect(gzipped.status).toBe(200);
    const samples = await h.healthyStep();
    expect(refusals(samples, 'unsupported_encoding')).toBe(2);
  });

  it('answers a bad percent-escape in a URL with a JSON 400 and no stack trace', async () => {
    const h = await startHostile();
    await h.healthyStep();
    const consoleError = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    for (const path of [
      '/api/v1/pipelines/%E0%A4%A',
      '/api/v1/clusters/%zz/groups/x',
      '/api/v1/clusters/local/groups/%',
    ]) {
      const response = await fetch(`${h.agent.url}${path}`, { signal: AbortSignal.timeout(5_000) });
      const text = await response.text();
      expect({ path, status: response.status }).toEqual({ path, status: 400 });
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(() => JSON.parse(text) as unknown).not.toThrow();
      expect(text).not.toMatch(/<html|<pre|\bat \S+ \(|node_modules|\.ts:\d+/i);
    }
    const stacks = [...(consoleError.mock.calls.flat() as unknown[]), ...h.logged].filter((entry) =>
      /\n\s+at /.test(entry instanceof Error ? (entry.stack ?? '') : String(entry)),
    );
    expect(stacks).toEqual([]);
    await h.healthyStep();
  });

  it('shows a degraded pipeline with its reason and instances, logged once, while others keep updating', async () => {
    const h = await startHostile();
    await h.healthyStep();
    const base = { service: 'broken', instance: 'brk-1', startMs: h.startMs };
    const report = async (value: number) => {
      const answer = await post(h.agent.url, [{ ...base, timeMs: h.tick(), points: [counter(lost, value)] }]);
      expect(answer.status).toBe(200);
    };
    await report(1);
    await h.healthyStep();
    // Inputs the model cannot use that got past the door (whatever the door lets through,
    // the view must isolate it): the store hands the view an infinite total for this pipeline.
    const snapshot = Object.getOwnPropertyDescriptor(InstanceStore.prototype, 'snapshot')?.value as (
      this: InstanceStore,
    ) => ReturnType<InstanceStore['snapshot']>;
    const corrupted = jest.spyOn(InstanceStore.prototype, 'snapshot').mockImplementation(function (
      this: InstanceStore,
    ) {
      const real = snapshot.call(this);
      return {
        ...real,
        pipelines: real.pipelines.map((pipeline) =>
          pipeline.pipeline === 'broken'
            ? { ...pipeline, series: pipeline.series.map((series) => ({ ...series, value: Infinity })) }
            : pipeline,
        ),
      };
    });
    for (const value of [2, 3, 4]) {
      await report(value);
      await h.healthyStep();
    }
    const samples = await h.healthyStep();
    expect(valueOf(samples, 'streamops_pipelines_degraded', { reason: 'non_finite_input' })).toBe(1);
    const pipelines = await apiPipelines(h.agent);
    const broken = pipelines.find((entry) => entry.pipeline === 'broken');
    expect(broken?.degraded).toMatchObject({
      reason: 'non_finite_input',
      message: expect.stringMatching(/\S/) as unknown,
    });
    expect(broken?.degraded?.instances).toContain('brk-1');
    const healthy = pipelines.find((entry) => entry.pipeline === healthyPipeline);
    expect(healthy).toBeDefined();
    expect(healthy?.degraded ?? null).toBeNull();
    // Four cycles degraded: one line when it became so.
    expect(h.logged.filter((line) => line.includes('"broken"') || line.includes(' broken'))).toHaveLength(1);

    // Once its inputs are usable again it recovers, logged once more.
    corrupted.mockRestore();
    await report(5);
    await h.healthyStep();
    const recovered = await apiPipelines(h.agent);
    expect(recovered.find((entry) => entry.pipeline === 'broken')?.degraded ?? null).toBeNull();
    expect(h.logged.filter((line) => line.includes('"broken"') || line.includes(' broken'))).toHaveLength(2);
    await expectAlive(h.agent);
  });
});
