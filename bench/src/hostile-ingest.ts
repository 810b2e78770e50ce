/**
 * Bench F: agent memory under a rotating-identity attack (issue 16, item 3: "Under an attack
 * that rotates instance ids and metric names without end, RSS stays bounded and healthy
 * pipelines stay exact. Benchmark this").
 *
 * Two agents run side by side, each in a process of its own (the scale bench's agent
 * process: public API, ingest on with its default limits and caps, one cluster on a test
 * broker): a baseline and an attacked one. Both receive the same healthy load: N pipelines,
 * one instance each, reporting once per second. The attacked one also receives, from this
 * process, as many reports as it will answer (a few requests in flight at all times), each
 * from an instance id never seen before, with metric names never seen before, for a new
 * pipeline every few reports. Every second both agents' RSS (from /proc), the series they
 * hold and the samples and time of one /metrics scrape are sampled. At the end the healthy
 * pipelines' counters in each agent's /metrics are compared with what they sent.
 */
import { Agent as HttpAgent, get as httpGet, request as httpRequest } from 'node:http';
import { encodeOtlpJson, encodeOtlpProtobuf } from '@streamops/agent';
import { startTestBroker, type TestBroker } from '@streamops/test-broker';
import { AgentProcess } from './agent-process';
import { describeBroker } from './broker-description';
import { processRssBytes } from './proc';
import { count, megabytes, num, range, type Section, type Table } from './report';
import { type BenchOptions } from './runtime';
import { summarize, type Summary } from './stats';

/** Sizes of one run. */
export interface HostileIngestSizes {
  /** Healthy pipelines (one reporting instance each), sent to both agents. */
  readonly healthyPipelines: number;
  /** Healthy reporting before the attack starts, so healthy instances and series exist first. */
  readonly warmUpSeconds: number;
  /** How long the attack lasts. */
  readonly attackSeconds: number;
  /** Attack requests in flight at once. */
  readonly attackConcurrency: number;
  /** New metric names in each attack report (one point each). */
  readonly attackSeriesPerReport: number;
  /** Attack reports per new pipeline name. */
  readonly attackReportsPerPipeline: number;
  /** The agents' collection interval: each cycle also updates the pipeline view. */
  readonly collectionIntervalSeconds: number;
}

const fullSizes: HostileIngestSizes = {
  healthyPipelines: 10,
  warmUpSeconds: 5,
  attackSeconds: 60,
  attackConcurrency: 4,
  attackSeriesPerReport: 200,
  attackReportsPerPipeline: 16,
  collectionIntervalSeconds: 5,
};
const smokeSizes: HostileIngestSizes = {
  healthyPipelines: 2,
  warmUpSeconds: 2,
  attackSeconds: 3,
  attackConcurrency: 2,
  attackSeriesPerReport: 50,
  attackReportsPerPipeline: 16,
  collectionIntervalSeconds: 1,
};

/** Every healthy instance reports once per this period. */
const reportPeriodMs = 1_000;
/** What each healthy report adds to its counters. */
const lostPerReport = 1;
const duplicatesPerReport = 2;
/** One request unanswered this long is given up. */
const requestTimeoutMs = 30_000;

type OtlpRequest = Parameters<typeof encodeOtlpProtobuf>[0];
type OtlpMetric = OtlpRequest['resourceMetrics'][number]['scopeMetrics'][number]['metrics'][number];

/** One reading of one agent. */
export interface HostileSample {
  /** Seconds since the attack started (negative during the warm-up). */
  readonly atSeconds: number;
  readonly rss: number;
  /** streamops_ingest_series: series the agent holds; NaN when the scrape failed. */
  readonly series: number;
  /** Samples in the /metrics answer. */
  readonly samples: number;
  readonly scrapeMs: number;
}

/** What one agent went through. */
export interface HostileAgentRun {
  readonly role: 'baseline' | 'attacked';
  readonly samples: readonly HostileSample[];
  readonly peakRss: number;
  readonly finalRss: number;
  /** maxRSS of the agent process as the kernel counted it, read when it stopped. */
  readonly maxRss: number;
  readonly finalSeries: number;
  readonly finalInstances: number;
  readonly finalSamples: number;
  /** Scrape time of the samples taken while the attack ran. */
  readonly scrapeMs: Summary;
  /** Ingest refusals by reason (payloads and points together), from the agent's /metrics. */
  readonly refusals: Readonly<Record<string, number>>;
  /** Healthy pipelines whose counters in /metrics are exactly what they sent. */
  readonly exactPipelines: number;
  /** Healthy reports this agent did not take whole (error status, partial success or no answer). */
  readonly healthyRefused: number;
  readonly healthyReports: number;
}

/** What the attacker sent and got back. */
export interface AttackFigures {
  readonly requests: number;
  readonly answered: number;
  readonly failed: number;
  readonly statuses: Readonly<Record<string, number>>;
  /** Distinct instance ids, metric names and pipelines the attack tried. */
  readonly instanceIds: number;
  readonly metricNames: number;
  readonly pipelines: number;
  readonly seconds: number;
}

export interface HostileIngestResult {
  readonly sizes: HostileIngestSizes;
  readonly broker: string;
  readonly baseline: HostileAgentRun;
  readonly attacked: HostileAgentRun;
  readonly attack: AttackFigures;
  readonly problems: readonly string[];
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, Math.max(0, ms)));
}

/** POST one body; resolves with the status and the body, or status 0 when there was no answer. */
function post(
  connections: HttpAgent,
  url: string,
  body: Uint8Array,
  contentType: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolvePost) => {
    const request = httpRequest(
      `${url}/v1/metrics`,
      {
        method: 'POST',
        agent: connections,
        headers: { 'content-type': contentType, 'content-length': body.length },
        timeout: requestTimeoutMs,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolvePost({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        response.on('error', () => resolvePost({ status: 0, body: '' }));
      },
    );
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', () => resolvePost({ status: 0, body: '' }));
    request.end(body);
  });
}

/** GET with node:http on a new connection. */
function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolveGet, reject) => {
    const request = httpGet(url, { agent: false, timeout: requestTimeoutMs }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolveGet({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', reject);
  });
}

/** Samples of a Prometheus text exposition: name, labels as written, value. */
function parseSamples(text: string): { name: string; labels: string; value: number }[] {
  const samples: { name: string; labels: string; value: number }[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (match !== null) samples.push({ name: match[1]!, labels: match[2] ?? '', value: Number(match[3]) });
  }
  return samples;
}

function labelValue(labels: string, name: string): string | undefined {
  return new RegExp(`(?:^|,)${name}="((?:[^"\\\\]|\\\\.)*)"`).exec(labels)?.[1];
}

function healthyName(index: number, runId: string): string {
  return `healthy-${runId}-${index}`;
}

/** The `sequence`-th report (1-based) of healthy pipeline `index`: cumulative counters. */
function healthyReport(index: number, runId: string, startMs: number, sequence: number): Uint8Array {
  const pipeline = healthyName(index, runId);
  const point = (value: number, topic: string) => ({
    attributes: [
      { key: 'group', value: `${pipeline}-group` },
      { key: 'topic', value: topic },
    ],
    startTimeUnixNano: startMs * 1e6,
    timeUnixNano: Date.now() * 1e6,
    value,
    flags: 0,
  });
  const counter = (name: string, value: number): OtlpMetric => ({
    name,
    unit: '',
    data: { type: 'sum', temporality: 2, monotonic: true, points: [point(value, `${pipeline}.in`)] },
  });
  return encodeOtlpJson({
    resourceMetrics: [
      {
        resourceAttributes: [
          { key: 'service.name', value: pipeline },
          { key: 'service.instance.id', value: `${pipeline}-1` },
          { key: 'streamops.pipeline', value: pipeline },
        ],
        scopeMetrics: [
          {
            scopeName: '@streamops/sdk',
            metrics: [
              counter('streamops_consumer_lost_messages_total', lostPerReport * sequence),
              counter('streamops_consumer_duplicate_messages_total', duplicatesPerReport * sequence),
              counter('streamops_consumer_messages_total', 100 * sequence),
            ],
          },
        ],
      },
    ],
  });
}

/** An attack report: a new instance id, new metric names, a new pipeline every few reports. */
function attackReport(sequence: number, runId: string, sizes: HostileIngestSizes): Uint8Array {
  const nowNs = Date.now() * 1e6;
  const metrics: OtlpMetric[] = Array.from({ length: sizes.attackSeriesPerReport }, (_, index) => ({
    name: `streamops_attack_${sequence}_${index}_total`,
    unit: '',
    data: {
      type: 'sum',
      temporality: 2,
      monotonic: true,
      points: [
        {
          attributes: [{ key: 'topic', value: `attack-${sequence % 97}` }],
          startTimeUnixNano: nowNs - 1e9,
          timeUnixNano: nowNs,
          value: 1 + (sequence % 1000),
          flags: 0,
        },
      ],
    },
  }));
  const pipeline = `attack-${runId}-${Math.floor(sequence / sizes.attackReportsPerPipeline)}`;
  return encodeOtlpProtobuf({
    resourceMetrics: [
      {
        resourceAttributes: [
          { key: 'service.name', value: pipeline },
          { key: 'service.instance.id', value: `attacker-${runId}-${sequence}` },
          { key: 'streamops.pipeline', value: pipeline },
        ],
        scopeMetrics: [{ scopeName: '@streamops/sdk', metrics }],
      },
    ],
  });
}

/** One of the two agents, with its process, connections and readings. */
class MeasuredAgent {
  readonly process = new AgentProcess();
  readonly connections = new HttpAgent({ keepAlive: true, maxSockets: 64 });
  readonly samples: HostileSample[] = [];
  url = '';
  healthyReports = 0;
  healthyRefused = 0;

  constructor(readonly role: 'baseline' | 'attacked') {}

  async start(broker: TestBroker, sizes: HostileIngestSizes): Promise<void> {
    const started = await this.process.request(
      {
        type: 'start',
        config: {
          clusters: [{ name: 'bench', brokers: broker.bootstrap }],
          collection: { intervalSeconds: sizes.collectionIntervalSeconds },
          server: { host: '127.0.0.1', port: 0 },
          // Default limits and caps: what a deployed agent would have.
          ingest: { enabled: true },
        },
      },
      'started',
    );
    this.url = started.url;
  }

  /** One reading: RSS now, then one scrape. */
  async sample(atSeconds: number): Promise<void> {
    const rss = processRssBytes(this.process.pid) ?? Number.NaN;
    const started = performance.now();
    let series = Number.NaN;
    let samples = Number.NaN;
    try {
      const { status, body } = await get(`${this.url}/metrics`);
      if (status === 200) {
        const parsed = parseSamples(body);
        samples = parsed.length;
        series = parsed.find((sample) => sample.name === 'streamops_ingest_series')?.value ?? Number.NaN;
      }
    } catch {
      // A scrape that fails is recorded as NaN, and shows as a problem.
    }
    this.samples.push({ atSeconds, rss, series, samples, scrapeMs: performance.now() - started });
  }

  async reportHealthy(body: Uint8Array): Promise<void> {
    this.healthyReports++;
    const answer = await post(this.connections, this.url, body, 'application/json');
    // A report taken whole is answered 200 with an empty ExportMetricsServiceResponse.
    if (answer.status !== 200 || answer.body !== '{}') this.healthyRefused++;
  }

  /** After the load: one cycle, then /metrics as it is now. */
  async finish(
    sizes: HostileIngestSizes,
    runId: string,
    sent: number,
    attackStartedAt: number,
  ): Promise<Omit<HostileAgentRun, 'maxRss'>> {
    await this.process.request({ type: 'cycle' }, 'cycled');
    const finalRss = processRssBytes(this.process.pid) ?? Number.NaN;
    const { status, body } = await get(`${this.url}/metrics`);
    if (status !== 200) throw new Error(`${this.role} agent: GET /metrics: HTTP ${status}`);
    const samples = parseSamples(body);
    const refusals: Record<string, number> = {};
    let exactPipelines = 0;
    const totals = new Map<string, { lost?: number; duplicates?: number }>();
    for (const sample of samples) {
      if (
        sample.name === 'streamops_ingest_rejected_payloads_total' ||
        sample.name === 'streamops_ingest_rejected_points_total'
      ) {
        const reason = labelValue(sample.labels, 'reason') ?? 'unknown';
        refusals[reason] = (refusals[reason] ?? 0) + sample.value;
      }
      const pipeline = labelValue(sample.labels, 'pipeline');
      if (pipeline === undefined) continue;
      if (sample.name === 'streamops_pipeline_lost_messages_total')
        totals.set(pipeline, { ...totals.get(pipeline), lost: sample.value });
      if (sample.name === 'streamops_pipeline_duplicate_messages_total')
        totals.set(pipeline, { ...totals.get(pipeline), duplicates: sample.value });
    }
    for (let index = 0; index < sizes.healthyPipelines; index++) {
      const seen = totals.get(healthyName(index, runId));
      if (seen?.lost === sent * lostPerReport && seen.duplicates === sent * duplicatesPerReport)
        exactPipelines++;
    }
    const value = (name: string) => samples.find((sample) => sample.name === name)?.value ?? Number.NaN;
    const during = this.samples.filter((sample) => sample.atSeconds >= 0);
    const attackElapsed = (performance.now() - attackStartedAt) / 1000;
    this.samples.push({
      atSeconds: attackElapsed,
      rss: finalRss,
      series: value('streamops_ingest_series'),
      samples: samples.length,
      scrapeMs: Number.NaN,
    });
    return {
      role: this.role,
      samples: this.samples,
      peakRss: Math.max(...this.samples.map((sample) => sample.rss).filter(Number.isFinite)),
      finalRss,
      finalSeries: value('streamops_ingest_series'),
      finalInstances: value('streamops_ingest_instances'),
      finalSamples: samples.length,
      scrapeMs: summarize(during.map((sample) => sample.scrapeMs)),
      refusals,
      exactPipelines,
      healthyRefused: this.healthyRefused,
      healthyReports: this.healthyReports,
    };
  }

  async stop(): Promise<number> {
    this.connections.destroy();
    return (await this.process.stop().catch(() => undefined)) ?? Number.NaN;
  }
}

/** Runs bench F. */
export async function runHostileIngestBench(options: BenchOptions): Promise<HostileIngestResult> {
  const sizes = options.smoke ? smokeSizes : fullSizes;
  const runId = Date.now().toString(36);
  options.log('  hostile-ingest: starting the broker');
  const broker = await startTestBroker({ brokers: 1 });
  const agents = [new MeasuredAgent('baseline'), new MeasuredAgent('attacked')] as const;
  const attacked = agents[1];
  try {
    await Promise.all(agents.map((agent) => agent.start(broker, sizes)));
    const healthyStartMs = Date.now();
    let sent = 0;
    let stopping = false;

    // Healthy load: every pipeline reports once per period to both agents, the same bodies.
    const healthyLoop = (async () => {
      const firstAt = performance.now();
      while (!stopping) {
        sent++;
        const bodies = Array.from({ length: sizes.healthyPipelines }, (_, index) =>
          healthyReport(index, runId, healthyStartMs, sent),
        );
        // Both agents take a report before the next one is sent, so counters never run ahead.
        await Promise.all(agents.flatMap((agent) => bodies.map((body) => agent.reportHealthy(body))));
        await sleep(firstAt + sent * reportPeriodMs - performance.now());
      }
    })();

    // Readings every second, of both agents at once.
    let attackStartedAt = performance.now() + sizes.warmUpSeconds * 1000;
    const samplerStart = performance.now();
    const samplerLoop = (async () => {
      while (!stopping) {
        const at = (performance.now() - attackStartedAt) / 1000;
        await Promise.all(agents.map((agent) => agent.sample(at)));
        await sleep(1_000 - ((performance.now() - samplerStart) % 1_000));
      }
    })();

    await sleep(sizes.warmUpSeconds * 1000);
    options.log(`  hostile-ingest: attacking for ${num(sizes.attackSeconds)} s`);
    attackStartedAt = performance.now();
    const attackEndsAt = attackStartedAt + sizes.attackSeconds * 1000;
    let attackSequence = 0;
    let answered = 0;
    let failed = 0;
    const statuses: Record<string, number> = {};
    const attackConnections = new HttpAgent({ keepAlive: true, maxSockets: sizes.attackConcurrency });
    const attacker = async () => {
      while (performance.now() < attackEndsAt) {
        const body = attackReport(attackSequence++, runId, sizes);
        const answer = await post(attackConnections, attacked.url, body, 'application/x-protobuf');
        if (answer.status === 0) failed++;
        else answered++;
        statuses[String(answer.status)] = (statuses[String(answer.status)] ?? 0) + 1;
      }
    };
    await Promise.all(Array.from({ length: sizes.attackConcurrency }, attacker));
    attackConnections.destroy();
    const attackSeconds = (performance.now() - attackStartedAt) / 1000;

    stopping = true;
    await healthyLoop;
    await samplerLoop;
    const runs = await Promise.all(agents.map((agent) => agent.finish(sizes, runId, sent, attackStartedAt)));
    const maxRss = await Promise.all(agents.map((agent) => agent.stop()));
    const [baselineRun, attackedRun] = runs.map((run, index) => ({ ...run, maxRss: maxRss[index]! })) as [
      HostileAgentRun,
      HostileAgentRun,
    ];

    const attack: AttackFigures = {
      requests: attackSequence,
      answered,
      failed,
      statuses,
      instanceIds: attackSequence,
      metricNames: attackSequence * sizes.attackSeriesPerReport,
      pipelines: Math.ceil(attackSequence / sizes.attackReportsPerPipeline),
      seconds: attackSeconds,
    };
    const problems: string[] = [];
    for (const run of [baselineRun, attackedRun]) {
      if (run.exactPipelines !== sizes.healthyPipelines)
        problems.push(
          `${run.role}: ${run.exactPipelines} of ${sizes.healthyPipelines} healthy pipelines exact in /metrics`,
        );
      if (run.healthyRefused > 0)
        problems.push(
          `${run.role}: ${run.healthyRefused} of ${run.healthyReports} healthy reports not taken whole`,
        );
      const failedScrapes = run.samples.filter((sample) => !Number.isFinite(sample.series)).length;
      if (failedScrapes > 0)
        problems.push(`${run.role}: ${failedScrapes} scrapes failed or had no series count`);
    }
    if (answered === 0) problems.push('the attacked agent answered no attack request');
    if (failed > 0) problems.push(`${failed} attack requests got no answer`);
    options.log(
      `  hostile-ingest: ${num(attackSequence)} attack reports; RSS peak ${megabytes(baselineRun.peakRss)} baseline, ` +
        `${megabytes(attackedRun.peakRss)} attacked` +
        (problems.length > 0 ? `; problems: ${problems.join('; ')}` : ''),
    );
    return {
      sizes,
      broker: describeBroker(broker),
      baseline: baselineRun,
      attacked: attackedRun,
      attack,
      problems,
    };
  } finally {
    await Promise.all(agents.map((agent) => agent.stop()));
    await broker.stop();
  }
}

/** The memory limit of the agent's container in its chart (helm/streamops-agent/values.yaml: resources.limits.memory, 512Mi). */
const chartMemoryLimitBytes = 512 * 1024 * 1024;

/** Renders bench F for the report. */
export function renderHostileIngest(result: HostileIngestResult): Section {
  const { sizes, attack } = result;
  const runs = [result.baseline, result.attacked];
  const table: Table = {
    caption: `Agent memory under a rotating-identity attack (${num(attack.seconds, 0)} s, both agents side by side)`,
    headers: [
      'agent',
      'peak RSS (sampled)',
      'final RSS',
      'max RSS (kernel)',
      'series held (final)',
      'instances (final)',
      '/metrics samples (final)',
      'scrape during the attack (ms)',
      'healthy pipelines exact',
      'healthy reports not taken',
    ],
    rows: runs.map((run) => [
      run.role + (result.problems.some((problem) => problem.startsWith(run.role)) ? ' ⚠' : ''),
      megabytes(run.peakRss),
      megabytes(run.finalRss),
      megabytes(run.maxRss),
      num(run.finalSeries),
      num(run.finalInstances),
      num(run.finalSamples),
      range(run.scrapeMs, 1),
      `${num(run.exactPipelines)} / ${num(sizes.healthyPipelines)}`,
      `${num(run.healthyRefused)} / ${num(run.healthyReports)}`,
    ]),
  };
  const reasons = [...new Set(runs.flatMap((run) => Object.keys(run.refusals)))]
    .sort()
    .filter((reason) => runs.some((run) => (run.refusals[reason] ?? 0) > 0));
  const refusals: Table = {
    caption: 'Ingest refusals by reason (payloads and points), from each agent’s /metrics',
    headers: ['reason', ...runs.map((run) => run.role)],
    rows:
      reasons.length === 0
        ? [['(none)', ...runs.map(() => '0')]]
        : reasons.map((reason) => [reason, ...runs.map((run) => num(run.refusals[reason] ?? 0))]),
  };
  const over = result.attacked.samples.filter((sample) => sample.atSeconds >= 0);
  const growth = over.length >= 2 ? over[over.length - 1]!.rss - over[0]!.rss : Number.NaN;
  const notes = [
    `The attack sent ${num(attack.requests)} reports in ${num(attack.seconds, 1)} s (${num(attack.requests / attack.seconds)} ` +
      `per second, ${count(sizes.attackConcurrency, 'request')} in flight): ${num(attack.instanceIds)} instance ids, ` +
      `${num(attack.metricNames)} metric names and ${num(attack.pipelines)} pipelines, none of them seen before; answers ` +
      `${Object.entries(attack.statuses)
        .map(([status, times]) => `HTTP ${status} × ${num(times)}`)
        .join(', ')}.`,
    `Peak RSS: ${megabytes(result.attacked.peakRss)} attacked against ${megabytes(result.baseline.peakRss)} for the baseline ` +
      `(the chart’s memory limit, helm/streamops-agent resources.limits.memory 512Mi, is ${megabytes(chartMemoryLimitBytes)}: ` +
      `${result.attacked.peakRss < chartMemoryLimitBytes ? '**within**' : '**over**'}); the attacked agent’s RSS changed by ` +
      `${megabytes(growth)} from the first to the last reading of the attack.`,
    `Healthy pipelines: ${num(result.attacked.exactPipelines)} of ${num(sizes.healthyPipelines)} exact in the attacked ` +
      `agent’s /metrics, ${num(result.baseline.exactPipelines)} in the baseline’s (lost and duplicate totals equal to what ` +
      'their instance sent, after the load).',
    'RSS is read from /proc every second and after the load; the kernel’s max RSS when each agent stopped catches peaks ' +
      'between readings. Both agents share the machine with this process (which generates the attack) and the broker.',
    ...result.problems.map((problem) => `⚠ ${problem}.`),
  ];
  return {
    title: 'Agent memory under a rotating-identity attack',
    broker: result.broker,
    intro: [
      'Two agents run side by side, each in a process of its own (`parseAgentConfig` / `startAgent`, ingest on with its ' +
        `default limits and caps, one cluster on a test broker, collection every ${count(sizes.collectionIntervalSeconds, 'second')}). ` +
        `Both receive the same healthy load: ${count(sizes.healthyPipelines, 'pipeline')}, one instance each, one report ` +
        `per second of three cumulative counters. After ${count(sizes.warmUpSeconds, 'second')} of that, the attacked ` +
        `agent also receives, for ${count(sizes.attackSeconds, 'second')}, as many reports as it answers ` +
        `(${count(sizes.attackConcurrency, 'request')} in flight), each from a new instance id with ` +
        `${num(sizes.attackSeriesPerReport)} new metric names, and a new pipeline every ${num(sizes.attackReportsPerPipeline)} reports.`,
      'Every second both agents’ RSS, the series they hold (`streamops_ingest_series`) and one /metrics scrape (its samples ' +
        'and time) are read. After the load, each agent’s /metrics is checked against what the healthy pipelines sent.',
    ],
    tables: [table, refusals],
    notes,
  };
}
