/**
 * Bench D: agent OTLP ingest (issue 6 "Benchmark", issue 10 item 3 "Ingest").
 *
 * An agent runs in a process of its own (the scale bench's agent process: public API,
 * ingest on, one cluster on a test broker), and this process simulates N reporting
 * instances. Each instance POSTs one report of 50 series (the SDK's metric names and
 * labels) per second to /v1/metrics over a kept-alive connection of its own, at a phase of
 * its own so that the reports spread over the second. After a warm-up, repeated slices
 * alternate OTLP protobuf and OTLP JSON (all instances switch together); bodies come from
 * the agent's own encoders, once per instance, patched for every report (ReportTemplate),
 * so that the load generator leaves the CPU to the agent. Measured per
 * slice: the agent process's CPU and RSS (from /proc), the latency of each request as this
 * client sees it, and this process's own CPU; after the load, the agent's ingest counters
 * (every payload accepted, none rejected). One agent process per instance count; a full
 * run takes about 80 s.
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { httpGetText as get } from '../../test/support/http-get';
import { loadavg } from 'node:os';
import { encodeOtlpJson, encodeOtlpProtobuf } from '@streamops/agent';
import { sdkMetrics } from '@streamops/sdk';
import { startTestBroker, type TestBroker } from '@streamops/test-broker';
import { describeBroker } from './broker-description';
import { AgentProcess } from './agent-process';
import { type ProfileSummary } from './cpu-profile';
import { ownCpuMs, processCpuMs, processesCpuMs, processRssBytes } from './proc';
import { count, megabytes, num, range, type Section, type Table } from './report';
import { rotate, type BenchOptions } from './runtime';
import { percentile, summarize, type Summary } from './stats';

/** Sizes of one run. */
export interface IngestSizes {
  /** Simulated reporting instances; one agent process per level. */
  readonly instanceLevels: readonly number[];
  /** Pipelines the instances are spread over, each with {@link stages} stages. */
  readonly pipelines: number;
  readonly stages: readonly string[];
  /** A slice with no reports before the first level's load: what the agent costs idle. */
  readonly idleSeconds: number;
  /** Untimed reporting in each encoding before the slices (instances registered, code warm). */
  readonly warmUpSecondsPerEncoding: number;
  /** Repetitions of one slice per encoding, in a rotating order. */
  readonly rounds: number;
  readonly sliceSeconds: number;
  /** The agent's collection interval: each cycle also updates the pipeline view over the store. */
  readonly collectionIntervalSeconds: number;
  /** After the slices of the largest level, the agent is profiled this long in each encoding (0: not). */
  readonly profileSecondsPerEncoding: number;
}

const stages = ['ingest', 'enrich', 'deliver'] as const;

const fullSizes: IngestSizes = {
  instanceLevels: [100, 1_000],
  pipelines: 10,
  stages,
  idleSeconds: 5,
  warmUpSecondsPerEncoding: 2,
  rounds: 3,
  sliceSeconds: 5,
  collectionIntervalSeconds: 5,
  profileSecondsPerEncoding: 2,
};
const smokeSizes: IngestSizes = {
  instanceLevels: [6],
  pipelines: 2,
  stages,
  idleSeconds: 1,
  warmUpSecondsPerEncoding: 0.5,
  rounds: 1,
  sliceSeconds: 1,
  collectionIntervalSeconds: 1,
  profileSecondsPerEncoding: 0.5,
};

/** Every instance reports once per this period. */
const reportPeriodMs = 1_000;
/** Series in each report (the issue's figure). */
export const seriesPerReport = 50;
/** Longest wait for the requests still in flight when the load stops. */
const drainTimeoutMs = 10_000;
/** A request unanswered this long is given up, as the SDK reporter's default timeout does. */
const requestTimeoutMs = 5_000;

const encodings = ['protobuf', 'json'] as const;
export type IngestEncoding = (typeof encodings)[number];

const contentTypes: Record<IngestEncoding, string> = {
  protobuf: 'application/x-protobuf',
  json: 'application/json',
};

// The agent's request model, as its encoders take it (the types themselves are internal).
type OtlpRequest = Parameters<typeof encodeOtlpProtobuf>[0];
type OtlpResourceMetrics = OtlpRequest['resourceMetrics'][number];
type OtlpMetric = OtlpResourceMetrics['scopeMetrics'][number]['metrics'][number];
type OtlpAttribute = OtlpResourceMetrics['resourceAttributes'][number];

/** One series an instance reports: a point of a metric of the SDK's catalogue. */
interface SeriesTemplate {
  readonly metric: string;
  readonly kind: 'counter' | 'gauge' | 'histogram';
  readonly attributes: readonly OtlpAttribute[];
  /** Counter: added per report; gauge: its value. */
  readonly perReport: number;
  /** Histogram: explicit bounds, observations added per report in each bucket, and sum added per report. */
  readonly bounds: readonly number[];
  readonly bucketsPerReport: readonly number[];
  readonly sumPerReport: number;
}

function attributesOf(labels: Readonly<Record<string, string>>): OtlpAttribute[] {
  return Object.entries(labels).map(([key, value]) => ({ key, value }));
}

type Definition = { readonly name: string; readonly buckets?: readonly number[] };

function counter(definition: Definition, labels: Record<string, string>, perReport: number): SeriesTemplate {
  const base = { bounds: [], bucketsPerReport: [], sumPerReport: 0 };
  return { metric: definition.name, kind: 'counter', attributes: attributesOf(labels), perReport, ...base };
}

function gauge(definition: Definition, labels: Record<string, string>, value: number): SeriesTemplate {
  const base = { bounds: [], bucketsPerReport: [], sumPerReport: 0 };
  return {
    metric: definition.name,
    kind: 'gauge',
    attributes: attributesOf(labels),
    perReport: value,
    ...base,
  };
}

/** A histogram whose observations per report fall around bucket `center` (10/20/40/20/10 %). */
function histogram(
  definition: Definition,
  labels: Record<string, string>,
  observations: number,
  center: number,
): SeriesTemplate {
  const bounds = definition.buckets ?? [];
  const bucketsPerReport = new Array<number>(bounds.length + 1).fill(0);
  const shape = [0.1, 0.2, 0.4, 0.2, 0.1];
  shape.forEach((share, offset) => {
    const index = Math.min(bounds.length, Math.max(0, center - 2 + offset));
    bucketsPerReport[index]! += Math.round(share * observations);
  });
  const observed = bucketsPerReport.reduce((sum, value) => sum + value, 0);
  return {
    metric: definition.name,
    kind: 'histogram',
    attributes: attributesOf(labels),
    perReport: observed,
    bounds,
    bucketsPerReport,
    sumPerReport: observed * (bounds[Math.min(center, bounds.length - 1)] ?? 1),
  };
}

/**
 * The 50 series of one instance of `stage` in `pipeline`, shaped like the SDK's reporter
 * sends them: a consumer on the stage's input topic, a producer to its output and
 * dead-letter topics, the processor stage, and the SDK's own counters.
 */
function seriesOf(pipeline: string, stageIndex: number): SeriesTemplate[] {
  const m = sdkMetrics;
  const stage = stages[stageIndex % stages.length]!;
  const group = `${pipeline}-${stage}`;
  const consumer = { pipeline, stage, group, topic: `${pipeline}.step-${stageIndex}` };
  const groupLabels = { pipeline, stage, group };
  const stageLabels = { pipeline, stage };
  const series: SeriesTemplate[] = [
    counter(m.consumerMessages, consumer, 100),
    counter(m.consumerBytes, consumer, 20_000),
    histogram(m.consumerRecordAge, consumer, 100, 4),
    histogram(m.consumerProcessDuration, consumer, 100, 3),
    ...['TypeError', 'TimeoutError', 'KafkaJSError'].map((errorType, index) =>
      counter(m.consumerHandlerErrors, { ...consumer, error_type: errorType }, index === 0 ? 1 : 0),
    ),
    counter(m.consumerPartitionsAssigned, consumer, 0),
    counter(m.consumerPartitionsRevoked, consumer, 0),
    gauge(m.consumerAssignedPartitions, consumer, 4),
    gauge(m.consumerLag, consumer, 120),
    counter(m.consumerRedeliveries, consumer, 0),
    counter(m.consumerLostMessages, consumer, 0),
    counter(m.consumerDuplicateMessages, consumer, 0),
    counter(m.consumerUnverifiedGaps, consumer, 0),
    ...['malformed', 'unknown_producer'].map((reason) =>
      counter(m.consumerIgnoredHeaders, { ...consumer, reason }, 0),
    ),
    histogram(m.consumerCommitDuration, groupLabels, 1, 5),
    counter(m.consumerCommitFailures, groupLabels, 0),
    counter(m.consumerRebalances, groupLabels, 0),
    ...['KafkaJSConnectionError', 'KafkaJSNumberOfRetriesExceeded'].map((errorType) =>
      counter(m.consumerCrashes, { ...groupLabels, error_type: errorType }, 0),
    ),
  ];
  const outputs = [
    { topic: `${pipeline}.step-${stageIndex + 1}`, messages: 97 },
    { topic: `${pipeline}.dlq`, messages: 1 },
  ];
  for (const { topic, messages } of outputs) {
    const producer = { pipeline, stage, topic };
    series.push(
      counter(m.producerMessages, producer, messages),
      counter(m.producerBytes, producer, messages * 200),
      histogram(m.producerSendDuration, producer, messages, 4),
      ...['KafkaJSRequestTimeoutError', 'KafkaJSProtocolError'].map((errorType) =>
        counter(m.producerErrors, { ...producer, error_type: errorType }, 0),
      ),
      counter(m.producerRetries, producer, 0),
    );
  }
  series.push(
    ...(
      [
        ['success', 90],
        ['retried', 2],
        ['error', 1],
        ['dead_lettered', 1],
        ['filtered', 6],
      ] as const
    ).map(([outcome, messages]) => counter(m.stageMessages, { ...stageLabels, outcome }, messages)),
    histogram(m.stageDuration, stageLabels, 100, 3),
    counter(m.stageRetries, stageLabels, 2),
    counter(m.stageBusy, stageLabels, 0.4),
    ...['consumer.run', 'producer.send', 'headers'].map((operation) =>
      counter(m.instrumentationErrors, { operation }, 0),
    ),
    ...['success', 'failed'].map((outcome) =>
      counter(m.reporterExports, { outcome }, outcome === 'success' ? 1 : 0),
    ),
    ...['superseded', 'rejected'].map((reason) => counter(m.reporterDropped, { reason }, 0)),
    counter(m.labelOverflow, { label: 'topic' }, 0),
  );
  if (series.length !== seriesPerReport)
    throw new Error(`an instance reports ${series.length} series, expected ${seriesPerReport}`);
  return series;
}

/** The series of one instance grouped by metric, as one OTLP metric per name. */
interface InstanceShape {
  readonly resource: readonly OtlpAttribute[];
  readonly metrics: readonly { readonly name: string; readonly series: readonly SeriesTemplate[] }[];
}

function instanceShape(index: number, sizes: IngestSizes, runId: string): InstanceShape {
  const stageIndex = index % sizes.stages.length;
  const pipeline = `bench-pipeline-${Math.floor(index / sizes.stages.length) % sizes.pipelines}`;
  const byName = new Map<string, SeriesTemplate[]>();
  for (const series of seriesOf(pipeline, stageIndex)) {
    const list = byName.get(series.metric) ?? [];
    list.push(series);
    byName.set(series.metric, list);
  }
  return {
    resource: attributesOf({
      'service.name': `${pipeline}-${sizes.stages[stageIndex]!}`,
      'service.instance.id': `bench-ingest-${runId}-${index}`,
      'streamops.pipeline': pipeline,
      'streamops.stage': sizes.stages[stageIndex]!,
    }),
    metrics: [...byName].map(([name, series]) => ({ name, series })),
  };
}

/**
 * The numbers of a report that change from one report to the next: the time of every
 * point, and the cumulative values that grow by `perReport` every report.
 */
interface ReportNumbers {
  time(): number;
  grown(kind: SlotKind, perReport: number): number;
}

/** How a changing number is encoded: a double (point values, histogram sums) or a 64-bit integer (times, counts). */
type SlotKind = 'double' | 'int64';

/** The numbers of the `sequence`-th report (1-based), sent at `nowNs`. */
function numbersAt(sequence: number, nowNs: number): ReportNumbers {
  return { time: () => nowNs, grown: (_kind, perReport) => perReport * sequence };
}

/**
 * A report of an instance: cumulative counters and histograms grow by whole amounts
 * every report, so they never decrease; gauges hold their value.
 */
function buildReport(shape: InstanceShape, startNs: number, numbers: ReportNumbers): OtlpRequest {
  const metrics: OtlpMetric[] = shape.metrics.map(({ name, series }) => {
    const [first] = series;
    if (first?.kind === 'histogram') {
      return {
        name,
        unit: '',
        data: {
          type: 'histogram',
          temporality: 2,
          points: series.map((one) => ({
            attributes: one.attributes,
            startTimeUnixNano: startNs,
            timeUnixNano: numbers.time(),
            count: numbers.grown('int64', one.perReport),
            sum: numbers.grown('double', one.sumPerReport),
            bucketCounts: one.bucketsPerReport.map((value) => numbers.grown('int64', value)),
            explicitBounds: one.bounds,
            flags: 0,
          })),
        },
      };
    }
    const points = series.map((one) => ({
      attributes: one.attributes,
      startTimeUnixNano: one.kind === 'gauge' ? 0 : startNs,
      timeUnixNano: numbers.time(),
      value: one.kind === 'gauge' ? one.perReport : numbers.grown('double', one.perReport),
      flags: 0,
    }));
    return first?.kind === 'gauge'
      ? { name, unit: '', data: { type: 'gauge', points } }
      : { name, unit: '', data: { type: 'sum', temporality: 2, monotonic: true, points } };
  });
  return {
    resourceMetrics: [
      {
        resourceAttributes: shape.resource,
        scopeMetrics: [{ scopeName: '@streamops/sdk', metrics }],
      },
    ],
  };
}

function encode(encoding: IngestEncoding, report: OtlpRequest): Uint8Array {
  return encoding === 'protobuf' ? encodeOtlpProtobuf(report) : encodeOtlpJson(report);
}

/** A number that changes between reports: its kind, its sentinel in the template, what it grows by. */
interface Slot {
  readonly kind: SlotKind;
  readonly sentinel: number;
  /** 0 for the time slot. */
  readonly perReport: number;
  readonly time: boolean;
}

/** Distinct integers below 2^53 (exact as doubles and as int64), 16 digits each, unlike any real value here. */
const sentinelBase = 2 ** 52 + 1_234_567;
const sentinelStep = 1_000_003;

/** Where a slot's sentinel was found in an encoded template. */
interface Patch {
  readonly at: number;
  readonly length: number;
  readonly slot: Slot;
}

/**
 * One instance's report, encoded once by `encodeOtlpProtobuf` and once by `encodeOtlpJson`
 * with a sentinel in place of every number that changes; each report copies the template
 * and writes the numbers in place (fixed-width in protobuf, as JSON text in JSON). The
 * result is byte for byte what the encoders would produce (see {@link verifyTemplate}),
 * at a small part of their cost, so that the load generator leaves the CPU to the agent.
 */
class ReportTemplate {
  private readonly protobufBytes: Buffer;
  private readonly protobufPatches: readonly Patch[];
  /** JSON text between the patches, one more than the patches. */
  private readonly jsonParts: readonly string[];
  private readonly jsonPatches: readonly Patch[];

  constructor(
    readonly shape: InstanceShape,
    readonly startNs: number,
  ) {
    const slots: Slot[] = [];
    const slot = (kind: SlotKind, perReport: number, time: boolean): number => {
      const sentinel = sentinelBase + slots.length * sentinelStep;
      slots.push({ kind, sentinel, perReport, time });
      return sentinel;
    };
    let timeSentinel: number | undefined;
    const report = buildReport(shape, startNs, {
      time: () => (timeSentinel ??= slot('int64', 0, true)),
      // A value that does not grow is the same in every report: no slot.
      grown: (kind, perReport) => (perReport === 0 ? 0 : slot(kind, perReport, false)),
    });

    this.protobufBytes = Buffer.from(encodeOtlpProtobuf(report));
    const protobufPatches: Patch[] = [];
    for (const one of slots) {
      const needle = Buffer.alloc(8);
      if (one.kind === 'double') needle.writeDoubleLE(one.sentinel);
      else needle.writeBigUInt64LE(BigInt(one.sentinel));
      for (const at of occurrences(this.protobufBytes, needle))
        protobufPatches.push({ at, length: 8, slot: one });
    }
    this.protobufPatches = protobufPatches;

    const json = Buffer.from(encodeOtlpJson(report)).toString('utf8');
    const jsonPatches: Patch[] = [];
    for (const one of slots) {
      const needle = String(one.sentinel);
      for (const at of occurrences(json, needle)) {
        // Whole numbers only: not a run of digits inside a longer one.
        if (/\d/.test(json[at - 1] ?? '') || /\d/.test(json[at + needle.length] ?? '')) continue;
        jsonPatches.push({ at, length: needle.length, slot: one });
      }
    }
    jsonPatches.sort((a, b) => a.at - b.at);
    const parts: string[] = [];
    let from = 0;
    for (const patch of jsonPatches) {
      parts.push(json.slice(from, patch.at));
      from = patch.at + patch.length;
    }
    parts.push(json.slice(from));
    this.jsonParts = parts;
    this.jsonPatches = jsonPatches;
  }

  /** The body of the `sequence`-th report (1-based), sent at `nowNs`. */
  body(encoding: IngestEncoding, sequence: number, nowNs: number): Buffer {
    const time = BigInt(Math.round(nowNs));
    if (encoding === 'protobuf') {
      const bytes = Buffer.from(this.protobufBytes);
      for (const { at, slot } of this.protobufPatches) {
        if (slot.time) bytes.writeBigUInt64LE(time, at);
        else if (slot.kind === 'double') bytes.writeDoubleLE(slot.perReport * sequence, at);
        else bytes.writeBigUInt64LE(BigInt(Math.round(slot.perReport * sequence)), at);
      }
      return bytes;
    }
    const timeText = time.toString();
    let text = this.jsonParts[0]!;
    for (let index = 0; index < this.jsonPatches.length; index++) {
      const { slot } = this.jsonPatches[index]!;
      const value = slot.perReport * sequence;
      // As encodeOtlpJson writes them: doubles as JSON numbers, 64-bit integers as decimal strings.
      text += slot.time
        ? timeText
        : slot.kind === 'double'
          ? JSON.stringify(value)
          : BigInt(Math.round(value)).toString();
      text += this.jsonParts[index + 1]!;
    }
    return Buffer.from(text);
  }
}

/** Every start index of `needle` in `haystack`. */
function occurrences(haystack: Buffer | string, needle: Buffer | string): number[] {
  const found: number[] = [];
  for (
    let at = haystack.indexOf(needle as never);
    at !== -1;
    at = haystack.indexOf(needle as never, at + needle.length)
  )
    found.push(at);
  return found;
}

/** Time the encoders take for one report, µs, measured while checking templates. */
export interface EncoderCost {
  readonly protobufUs: Summary;
  readonly jsonUs: Summary;
}

/**
 * Checks that a template's bodies are what the encoders produce for the same report, in
 * both encodings, at a few report numbers; returns the encoders' time per report, µs.
 * @throws when a body differs (the template is wrong, and so would every figure be).
 */
function verifyTemplate(template: ReportTemplate): Record<IngestEncoding, number[]> {
  const timings: Record<IngestEncoding, number[]> = { protobuf: [], json: [] };
  for (const sequence of [1, 2, 997, 86_400]) {
    const nowNs = (Date.now() + sequence) * 1e6;
    for (const encoding of encodings) {
      const started = performance.now();
      const expected = encode(
        encoding,
        buildReport(template.shape, template.startNs, numbersAt(sequence, nowNs)),
      );
      timings[encoding].push((performance.now() - started) * 1000);
      const actual = template.body(encoding, sequence, nowNs);
      if (!actual.equals(expected))
        throw new Error(
          `the ${encoding} template of an instance differs from the encoder's body at report ${sequence}`,
        );
    }
  }
  return timings;
}

/** What the client saw of the requests sent during one slice (or the warm-up). */
class SliceRecord {
  sent = 0;
  /** Request latency, ms, of every answered request. */
  readonly latenciesMs: number[] = [];
  /** How late each report was sent after its due time, ms (the generator keeping up). */
  readonly latenessMs: number[] = [];
  bodyBytes = 0;
  accepted = 0;
  /** Answered 200 with a partial_success (some points refused). */
  partial = 0;
  /** Answered with another status. */
  readonly refused = new Map<number, number>();
  /** No answer: connection errors, and requests given up after {@link requestTimeoutMs}. */
  failed = 0;
  timedOut = 0;
  /** Reports not sent because the instance's previous one was still unanswered (as the SDK reporter does). */
  skipped = 0;

  constructor(readonly encoding: IngestEncoding) {}
}

/** Whether a 200 answer is a full success: an empty ExportMetricsServiceResponse. */
function fullSuccess(encoding: IngestEncoding, body: Buffer): boolean {
  return encoding === 'protobuf' ? body.length === 0 : body.toString('utf8').trim() === '{}';
}

/** N simulated instances reporting once per second each, over real HTTP. */
class LoadGenerator {
  private readonly templates: ReportTemplate[];
  private readonly agents: HttpAgent[];
  private readonly timers: (NodeJS.Timeout | undefined)[];
  /** Whether each instance has a report in flight. */
  private readonly busy: boolean[];
  private readonly host: string;
  private readonly port: number;
  private stopped = false;
  private inFlight = 0;
  private startedAt = 0;
  /** Where the requests sent now are recorded, and in which encoding. */
  record: SliceRecord;
  /** Every request of the run, the warm-up included. */
  readonly all: SliceRecord[] = [];
  /** What encodeOtlpProtobuf and encodeOtlpJson take per report (while the templates were checked). */
  readonly encoderCost: EncoderCost;

  constructor(agentUrl: string, instances: number, sizes: IngestSizes, runId: string) {
    const url = new URL(agentUrl);
    this.host = url.hostname;
    this.port = Number(url.port);
    // Counters started a minute before the run, like processes already running.
    const startNs = (Date.now() - 60_000) * 1e6;
    this.templates = Array.from(
      { length: instances },
      (_, index) => new ReportTemplate(instanceShape(index, sizes, runId), startNs),
    );
    // Every template in smoke runs; otherwise the first of each stage and a spread of others.
    const timings: Record<IngestEncoding, number[]> = { protobuf: [], json: [] };
    this.templates.forEach((template, index) => {
      if (instances <= 20 || index < sizes.stages.length || index % 50 === 7) {
        const timed = verifyTemplate(template);
        for (const encoding of encodings) timings[encoding].push(...timed[encoding]);
      }
    });
    this.encoderCost = { protobufUs: summarize(timings.protobuf), jsonUs: summarize(timings.json) };
    // One kept-alive connection per instance, as separate processes would have.
    this.agents = this.templates.map(() => new HttpAgent({ keepAlive: true, maxSockets: 1 }));
    this.timers = this.templates.map(() => undefined);
    this.busy = this.templates.map(() => false);
    this.record = this.newRecord('protobuf');
  }

  /** Starts a new record in `encoding`; requests sent from now on go to it. */
  newRecord(encoding: IngestEncoding): SliceRecord {
    this.record = new SliceRecord(encoding);
    this.all.push(this.record);
    return this.record;
  }

  /**
   * Starts every instance; instance i reports at `(i + ½) / N` of every second after
   * `startedAt`, so that none is due exactly on a slice boundary.
   */
  start(startedAt: number): void {
    this.startedAt = startedAt;
    const phaseMs = reportPeriodMs / this.templates.length;
    for (let index = 0; index < this.templates.length; index++)
      this.schedule(index, 1, (index + 0.5) * phaseMs);
  }

  private schedule(index: number, sequence: number, phaseMs: number): void {
    if (this.stopped) return;
    const due = this.startedAt + phaseMs + (sequence - 1) * reportPeriodMs;
    this.timers[index] = setTimeout(
      () => {
        // Like the SDK reporter: one report in flight per instance; a tick that finds it still out is skipped.
        if (this.busy[index]) this.record.skipped++;
        else this.send(index, sequence, performance.now() - due);
        this.schedule(index, sequence + 1, phaseMs);
      },
      Math.max(0, due - performance.now()),
    );
  }

  private send(index: number, sequence: number, latenessMs: number): void {
    const record = this.record;
    const { encoding } = record;
    const body = this.templates[index]!.body(encoding, sequence, Date.now() * 1e6);
    record.sent++;
    record.bodyBytes += body.byteLength;
    record.latenessMs.push(latenessMs);
    this.inFlight++;
    this.busy[index] = true;
    let settled = false;
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      outcome();
      this.busy[index] = false;
      this.inFlight--;
    };
    const started = performance.now();
    const request = httpRequest(
      {
        host: this.host,
        port: this.port,
        path: '/v1/metrics',
        method: 'POST',
        agent: this.agents[index],
        headers: { 'content-type': contentTypes[encoding], 'content-length': body.byteLength },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          settle(() => {
            record.latenciesMs.push(performance.now() - started);
            const status = response.statusCode ?? 0;
            if (status === 200) {
              if (fullSuccess(encoding, Buffer.concat(chunks))) record.accepted++;
              else record.partial++;
            } else {
              record.refused.set(status, (record.refused.get(status) ?? 0) + 1);
            }
          }),
        );
        response.on('error', () => settle(() => record.failed++));
      },
    );
    request.setTimeout(requestTimeoutMs, () => {
      settle(() => {
        record.failed++;
        record.timedOut++;
      });
      request.destroy();
    });
    request.on('error', () => settle(() => record.failed++));
    request.end(body);
  }

  /** Stops reporting, waits for the requests in flight, and closes the connections. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    const deadline = performance.now() + drainTimeoutMs;
    while (this.inFlight > 0 && performance.now() < deadline) await sleep(10);
    for (const agent of this.agents) agent.destroy();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, Math.max(0, ms)));
}

/** CPU and RSS readings taken at both ends of a slice. */
interface Readings {
  readonly at: number;
  readonly agentCpuMs: number | undefined;
  readonly clientCpuMs: number;
  readonly brokerCpuMs: number | undefined;
}

function readings(agentPid: number | undefined, brokerPids: readonly number[]): Readings {
  return {
    at: performance.now(),
    agentCpuMs: processCpuMs(agentPid),
    clientCpuMs: ownCpuMs(),
    brokerCpuMs: processesCpuMs(brokerPids),
  };
}

function percentOfCore(cpuMs: number | undefined, before: number | undefined, wallMs: number): number {
  return cpuMs === undefined || before === undefined ? Number.NaN : ((cpuMs - before) / wallMs) * 100;
}

/** CPU of one slice, % of one core. */
interface SliceCpu {
  readonly wallMs: number;
  readonly agentCpuPercent: number;
  readonly agentCpuMs: number;
  readonly clientCpuPercent: number;
  readonly brokerCpuPercent: number;
}

function sliceCpu(start: Readings, end: Readings): SliceCpu {
  const wallMs = end.at - start.at;
  return {
    wallMs,
    agentCpuPercent: percentOfCore(end.agentCpuMs, start.agentCpuMs, wallMs),
    agentCpuMs:
      end.agentCpuMs === undefined || start.agentCpuMs === undefined
        ? Number.NaN
        : end.agentCpuMs - start.agentCpuMs,
    clientCpuPercent: percentOfCore(end.clientCpuMs, start.clientCpuMs, wallMs),
    brokerCpuPercent: percentOfCore(end.brokerCpuMs, start.brokerCpuMs, wallMs),
  };
}

/** Figures of one measured slice. */
export interface IngestSlice extends SliceCpu {
  readonly encoding: IngestEncoding;
  readonly round: number;
  readonly sent: number;
  readonly answered: number;
  readonly reportsPerSecond: number;
  /** Agent CPU per answered report, µs. */
  readonly agentCpuUsPerReport: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly latenessP99Ms: number;
  readonly meanBodyBytes: number;
  /** RSS of the agent process at the end of the slice. */
  readonly agentRss: number;
}

/** Figures of one (instances, encoding) pair over its slices. */
export interface IngestRow {
  readonly instances: number;
  readonly encoding: IngestEncoding;
  readonly slices: number;
  readonly meanBodyBytes: number;
  readonly reportsPerSecond: Summary;
  readonly agentCpuPercent: Summary;
  readonly agentCpuUsPerReport: Summary;
  readonly clientCpuPercent: Summary;
  readonly brokerCpuPercent: Summary;
  readonly p50Ms: Summary;
  readonly p99Ms: Summary;
  /** p99 over every request of every slice together, and the slowest request. */
  readonly pooledP99Ms: number;
  readonly maxMs: number;
  /** How late the generator sent reports, p99 per slice. */
  readonly latenessP99Ms: Summary;
  readonly agentRss: Summary;
  /** What the client counted in these slices: answered 200 with no refusal, 200 with some points refused, other statuses, no answer. */
  readonly accepted: number;
  readonly partial: number;
  readonly refused: number;
  readonly failed: number;
  readonly skipped: number;
}

/** The agent's own ingest counters after a level's load (its /metrics). */
export interface AgentIngestCounters {
  readonly acceptedPayloads: number;
  readonly acceptedPoints: number;
  readonly rejectedPayloads: number;
  readonly rejectedPoints: number;
  readonly instances: number;
  readonly series: number;
}

/** Everything measured at one instance count (one agent process). */
export interface IngestLevel {
  readonly instances: number;
  readonly rows: readonly IngestRow[];
  readonly slices: readonly IngestSlice[];
  /** The agent with no reports (first level only). */
  readonly idle: SliceCpu | undefined;
  /** RSS of the agent process before startAgent, after it, and its peak over the level. */
  readonly rssBeforeStart: number;
  readonly rssAfterStart: number;
  readonly maxRss: number;
  /** Requests the client sent over the whole level (warm-up included), and how they were answered. */
  readonly sent: number;
  readonly accepted: number;
  readonly partial: number;
  readonly refused: number;
  readonly failed: number;
  /** Of the failed, given up after the request timeout. */
  readonly timedOut: number;
  /** Reports due while the instance's previous one was unanswered, so not sent. */
  readonly skipped: number;
  /** 1-minute load average of the machine when the level started (other work shares it). */
  readonly loadAverage: number;
  readonly agent: AgentIngestCounters;
  /** What the agent's encoders take per report in this process (the load generator patches templates instead). */
  readonly encoderCost: EncoderCost;
  /** CPU profiles of the agent under this level's load, one per encoding (largest level only). */
  readonly profiles: readonly { readonly encoding: IngestEncoding; readonly summary: ProfileSummary }[];
  /** Anything that makes the level invalid (refusals, lost requests, counts that disagree); empty when valid. */
  readonly problems: readonly string[];
}

/** Everything bench D measured. */
export interface IngestResult {
  readonly sizes: IngestSizes;
  /** Which broker the agent collected from while it ingested. */
  readonly broker: string;
  readonly seriesPerReport: number;
  /** Points of a report by kind. */
  readonly seriesKinds: Readonly<Record<SeriesTemplate['kind'], number>>;
  readonly levels: readonly IngestLevel[];
}

/** Sums of every sample of each family in a Prometheus text exposition. */
function sampleSums(text: string): Map<string, number> {
  const sums = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{.*\})?\s+(\S+)/.exec(line);
    if (match === null) continue;
    sums.set(match[1]!, (sums.get(match[1]!) ?? 0) + Number(match[2]));
  }
  return sums;
}

async function agentCounters(agent: AgentProcess, url: string): Promise<AgentIngestCounters> {
  // /metrics is rendered once per cycle: run one so that it shows the counters as they are now.
  await agent.request({ type: 'cycle' }, 'cycled');
  const { status, body } = await get(`${url}/metrics`);
  if (status !== 200) throw new Error(`GET /metrics: HTTP ${status}`);
  const sums = sampleSums(body);
  const value = (name: string) => sums.get(name) ?? Number.NaN;
  return {
    acceptedPayloads: value('streamops_ingest_accepted_payloads_total'),
    acceptedPoints: value('streamops_ingest_accepted_points_total'),
    rejectedPayloads: value('streamops_ingest_rejected_payloads_total'),
    rejectedPoints: value('streamops_ingest_rejected_points_total'),
    instances: value('streamops_ingest_instances'),
    series: value('streamops_ingest_series'),
  };
}

function agentConfig(broker: TestBroker, sizes: IngestSizes): unknown {
  return {
    clusters: [{ name: 'bench', brokers: broker.bootstrap }],
    collection: { intervalSeconds: sizes.collectionIntervalSeconds },
    server: { host: '127.0.0.1', port: 0 },
    ingest: { enabled: true },
  };
}

function refusedCount(record: SliceRecord): number {
  let total = 0;
  for (const value of record.refused.values()) total += value;
  return total;
}

function sliceFigures(
  record: SliceRecord,
  round: number,
  cpu: SliceCpu,
  agentRss: number | undefined,
): IngestSlice {
  const answered = record.latenciesMs.length;
  return {
    ...cpu,
    encoding: record.encoding,
    round,
    sent: record.sent,
    answered,
    reportsPerSecond: answered / (cpu.wallMs / 1000),
    agentCpuUsPerReport: answered === 0 ? Number.NaN : (cpu.agentCpuMs * 1000) / answered,
    p50Ms: percentile(record.latenciesMs, 50),
    p99Ms: percentile(record.latenciesMs, 99),
    maxMs: answered === 0 ? Number.NaN : Math.max(...record.latenciesMs),
    latenessP99Ms: percentile(record.latenessMs, 99),
    meanBodyBytes: record.sent === 0 ? Number.NaN : record.bodyBytes / record.sent,
    agentRss: agentRss ?? Number.NaN,
  };
}

function rowOf(
  instances: number,
  encoding: IngestEncoding,
  slices: readonly { figures: IngestSlice; record: SliceRecord }[],
): IngestRow {
  const mine = slices.filter((slice) => slice.figures.encoding === encoding);
  const figures = mine.map((slice) => slice.figures);
  const records = mine.map((slice) => slice.record);
  const pick = (key: keyof IngestSlice) => summarize(figures.map((slice) => slice[key] as number));
  const latencies = records.flatMap((record) => record.latenciesMs);
  const sent = records.reduce((sum, record) => sum + record.sent, 0);
  const bytes = records.reduce((sum, record) => sum + record.bodyBytes, 0);
  return {
    instances,
    encoding,
    slices: mine.length,
    meanBodyBytes: sent === 0 ? Number.NaN : bytes / sent,
    reportsPerSecond: pick('reportsPerSecond'),
    agentCpuPercent: pick('agentCpuPercent'),
    agentCpuUsPerReport: pick('agentCpuUsPerReport'),
    clientCpuPercent: pick('clientCpuPercent'),
    brokerCpuPercent: pick('brokerCpuPercent'),
    p50Ms: pick('p50Ms'),
    p99Ms: pick('p99Ms'),
    pooledP99Ms: percentile(latencies, 99),
    maxMs: latencies.length === 0 ? Number.NaN : Math.max(...latencies),
    latenessP99Ms: pick('latenessP99Ms'),
    agentRss: pick('agentRss'),
    accepted: records.reduce((sum, record) => sum + record.accepted, 0),
    partial: records.reduce((sum, record) => sum + record.partial, 0),
    refused: records.reduce((sum, record) => sum + refusedCount(record), 0),
    failed: records.reduce((sum, record) => sum + record.failed, 0),
    skipped: records.reduce((sum, record) => sum + record.skipped, 0),
  };
}

async function measureLevel(
  broker: TestBroker,
  instances: number,
  sizes: IngestSizes,
  runId: string,
  { withIdle, withProfiles }: { withIdle: boolean; withProfiles: boolean },
  log: (line: string) => void,
): Promise<IngestLevel> {
  const loadAverage = loadavg()[0] ?? Number.NaN;
  const agent = new AgentProcess();
  let maxRss: number | undefined;
  try {
    const started = await agent.request({ type: 'start', config: agentConfig(broker, sizes) }, 'started');
    const pid = agent.pid;
    let idle: SliceCpu | undefined;
    if (withIdle) {
      const before = readings(pid, broker.pids);
      await sleep(sizes.idleSeconds * 1000);
      idle = sliceCpu(before, readings(pid, broker.pids));
    }

    const generator = new LoadGenerator(started.url, instances, sizes, runId);
    const t0 = performance.now();
    generator.start(t0);
    let boundary = t0;
    for (const encoding of encodings) {
      generator.newRecord(encoding);
      boundary += sizes.warmUpSecondsPerEncoding * 1000;
      await sleep(boundary - performance.now());
    }
    const measured: { figures: IngestSlice; record: SliceRecord }[] = [];
    const pendingSlices: { record: SliceRecord; cpu: SliceCpu; round: number; rss: number | undefined }[] =
      [];
    for (let round = 0; round < sizes.rounds; round++) {
      for (const encoding of rotate(encodings, round)) {
        const record = generator.newRecord(encoding);
        const before = readings(pid, broker.pids);
        boundary += sizes.sliceSeconds * 1000;
        await sleep(boundary - performance.now());
        const after = readings(pid, broker.pids);
        pendingSlices.push({ record, cpu: sliceCpu(before, after), round, rss: processRssBytes(pid) });
      }
    }
    // Profiled apart from the slices: the profiler costs the agent CPU of its own.
    const profiles: IngestLevel['profiles'][number][] = [];
    if (withProfiles && sizes.profileSecondsPerEncoding > 0) {
      for (const encoding of encodings) {
        generator.newRecord(encoding);
        const ms = sizes.profileSecondsPerEncoding * 1000;
        const { summary } = await agent.request({ type: 'profileFor', ms }, 'profiled');
        profiles.push({ encoding, summary });
      }
    }
    await generator.stop();
    // Figures once every request has been answered, so that late answers count in their slice.
    for (const { record, cpu, round, rss } of pendingSlices) {
      measured.push({ figures: sliceFigures(record, round, cpu, rss), record });
    }
    const counters = await agentCounters(agent, started.url);
    maxRss = await agent.stop();

    const all = generator.all;
    const sent = all.reduce((sum, record) => sum + record.sent, 0);
    const accepted = all.reduce((sum, record) => sum + record.accepted, 0);
    const partial = all.reduce((sum, record) => sum + record.partial, 0);
    const refused = all.reduce((sum, record) => sum + refusedCount(record), 0);
    const failed = all.reduce((sum, record) => sum + record.failed, 0);
    const timedOut = all.reduce((sum, record) => sum + record.timedOut, 0);
    const skipped = all.reduce((sum, record) => sum + record.skipped, 0);
    const statuses = new Map<number, number>();
    for (const record of all) {
      for (const [status, times] of record.refused) statuses.set(status, (statuses.get(status) ?? 0) + times);
    }

    const problems: string[] = [];
    if (!started.snapshot.collectorUp)
      problems.push(`collector down: ${started.snapshot.lastError ?? 'no error recorded'}`);
    if (refused > 0)
      problems.push(
        `${num(refused)} requests refused (${[...statuses].map(([status, times]) => `HTTP ${status} × ${num(times)}`).join(', ')})`,
      );
    if (partial > 0) problems.push(`${num(partial)} requests answered with a partial success`);
    if (failed > 0)
      problems.push(
        `${num(failed)} requests got no answer (${num(timedOut)} given up after ${requestTimeoutMs} ms)`,
      );
    if (skipped > 0)
      problems.push(
        `${num(skipped)} reports not sent because the instance's previous one was still unanswered`,
      );
    if (accepted + partial + refused + failed !== sent)
      problems.push(
        `${num(sent - accepted - partial - refused - failed)} of ${num(sent)} requests never ended`,
      );
    if (counters.rejectedPayloads !== 0)
      problems.push(`the agent counted ${num(counters.rejectedPayloads)} rejected payloads`);
    if (counters.rejectedPoints !== 0)
      problems.push(`the agent counted ${num(counters.rejectedPoints)} rejected points`);
    if (counters.acceptedPayloads !== accepted + partial)
      problems.push(
        `the agent counted ${num(counters.acceptedPayloads)} accepted payloads, the client ${num(accepted + partial)}`,
      );
    if (counters.acceptedPoints !== counters.acceptedPayloads * seriesPerReport)
      problems.push(
        `the agent stored ${num(counters.acceptedPoints)} points of ${num(counters.acceptedPayloads * seriesPerReport)} sent`,
      );
    if (counters.instances !== instances)
      problems.push(`the agent tracks ${num(counters.instances)} of ${num(instances)} instances`);
    if (counters.series !== instances * seriesPerReport)
      problems.push(`the agent holds ${num(counters.series)} of ${num(instances * seriesPerReport)} series`);
    for (const { figures } of measured) {
      if (figures.answered === 0)
        problems.push(`no request answered in a ${figures.encoding} slice of round ${figures.round + 1}`);
    }
    log(
      `  ingest: ${num(instances)} instances: ${num(sent)} reports, ${num(accepted)} accepted` +
        (problems.length > 0 ? `; problems: ${problems.join('; ')}` : ''),
    );

    const slices = measured.map((slice) => slice.figures);
    return {
      instances,
      rows: encodings.map((encoding) => rowOf(instances, encoding, measured)),
      slices,
      idle,
      rssBeforeStart: started.idle.rss,
      rssAfterStart: started.memory.rss,
      maxRss: maxRss ?? Number.NaN,
      sent,
      accepted,
      partial,
      refused,
      failed,
      timedOut,
      skipped,
      loadAverage,
      agent: counters,
      encoderCost: generator.encoderCost,
      profiles,
      problems,
    };
  } finally {
    if (maxRss === undefined) await agent.stop().catch(() => undefined);
  }
}

/** Runs bench D. */
export async function runIngestBench(options: BenchOptions): Promise<IngestResult> {
  const sizes = options.smoke ? smokeSizes : fullSizes;
  const runId = Date.now().toString(36);
  const kinds = { counter: 0, gauge: 0, histogram: 0 };
  for (const series of seriesOf('p', 0)) kinds[series.kind]++;
  options.log('  ingest: starting the broker');
  const broker = await startTestBroker({ brokers: 1 });
  const levels: IngestLevel[] = [];
  try {
    const largest = Math.max(...sizes.instanceLevels);
    for (const [index, instances] of sizes.instanceLevels.entries()) {
      options.log(`  ingest: ${num(instances)} instances`);
      const what = { withIdle: index === 0, withProfiles: instances === largest };
      levels.push(await measureLevel(broker, instances, sizes, runId, what, options.log));
    }
  } finally {
    await broker.stop();
  }
  return { sizes, broker: describeBroker(broker), seriesPerReport, seriesKinds: kinds, levels };
}

function goal(met: boolean): string {
  return met ? '**met**' : '**missed**';
}

function scaled(summary: Summary, factor: number): Summary {
  return {
    ...summary,
    min: summary.min * factor,
    median: summary.median * factor,
    max: summary.max * factor,
  };
}

function encodingName(encoding: IngestEncoding): string {
  return encoding === 'protobuf' ? 'protobuf' : 'JSON';
}

/** Renders bench D for the report. */
export function renderIngest(result: IngestResult): Section {
  const { sizes } = result;
  const table: Table = {
    caption: 'Agent OTLP ingest (one agent process per instance count; `median (min–max)` over the slices)',
    headers: [
      'instances',
      'encoding',
      'report body',
      'reports/s answered',
      'agent CPU (% of one core)',
      'agent CPU / report (µs)',
      'p50 latency (ms)',
      'p99 latency (ms)',
      'p99 / max, all slices (ms)',
      'agent RSS (MB)',
      'agent peak RSS',
      'load generator CPU (% of one core)',
      'refused / partial / no answer / skipped',
    ],
    rows: result.levels.flatMap((level) =>
      level.rows.map((row) => [
        num(row.instances) + (level.problems.length > 0 ? ' ⚠' : ''),
        encodingName(row.encoding),
        `${num(row.meanBodyBytes / 1000, 1)} kB`,
        range(row.reportsPerSecond),
        range(row.agentCpuPercent, 1),
        range(row.agentCpuUsPerReport),
        range(row.p50Ms, 2),
        range(row.p99Ms, 1),
        `${num(row.pooledP99Ms, 1)} / ${num(row.maxMs, 1)}`,
        range(scaled(row.agentRss, 1e-6), 1),
        megabytes(level.maxRss),
        range(row.clientCpuPercent, 1),
        `${num(row.refused)} / ${num(row.partial)} / ${num(row.failed)} / ${num(row.skipped)}`,
      ]),
    ),
  };

  const notes: string[] = [];
  const largest = result.levels.reduce<IngestLevel | undefined>(
    (best, level) => (best === undefined || level.instances > best.instances ? level : best),
    undefined,
  );
  if (largest !== undefined) {
    const at = `${num(largest.instances)} instances`;
    const cpu = largest.rows.map(
      (row) =>
        `${encodingName(row.encoding)} ${num(row.agentCpuPercent.median, 1)}% ` +
        `(slices ${num(row.agentCpuPercent.min, 1)}–${num(row.agentCpuPercent.max, 1)}%, ${goal(row.agentCpuPercent.median < 30)})`,
    );
    const p99 = largest.rows.map(
      (row) =>
        `${encodingName(row.encoding)} ${num(row.p99Ms.median, 1)} ms ` +
        `(slices ${num(row.p99Ms.min, 1)}–${num(row.p99Ms.max, 1)} ms, ${goal(row.p99Ms.median < 10)}), p50 ${num(row.p50Ms.median, 2)} ms`,
    );
    const late = largest.rows.map((row) => `${num(row.latenessP99Ms.max, 1)} ms`).join(' / ');
    const rss = Math.max(largest.maxRss, ...largest.rows.map((row) => row.agentRss.max));
    notes.push(
      `Goal "agent CPU under 30% of one core" at ${at}: ${cpu.join('; ')}.`,
      `Goal "p99 ingest latency under 10 ms" at ${at}: ${p99.join('; ')}. Latency is measured by the load generator, ` +
        'from just before the request is written to the end of the answer, so it includes the generator’s own event-loop ' +
        `delays; it sent its reports at most ${late} late (p99 of a slice, protobuf / JSON), so it kept its schedule.`,
      `Goal "agent RSS ≤ 200 MB" (issue 10) at ${at}: peak ${megabytes(rss)} (${goal(rss <= 200e6)}), ` +
        `${num(largest.agent.series)} series of ${num(largest.agent.instances)} instances held; ` +
        `${megabytes(largest.rssBeforeStart)} of it is Node.js, tsx and the agent’s code before the agent starts.`,
    );
    const keepNames = largest.profiles.some(({ summary }) =>
      summary.functions.slice(0, 5).some((entry) => entry.name.startsWith('__name ')),
    );
    for (const { encoding, summary } of largest.profiles) {
      const categories = summary.categories
        .slice(0, 6)
        .map((entry) => `${entry.name} ${num(entry.share * 100, 0)}%`)
        .join(', ');
      const functions = summary.functions
        .slice(0, 5)
        .map((entry) => `\`${entry.name}\` ${num(entry.share * 100, 0)}%`)
        .join(', ');
      notes.push(
        `Dominant cost, ${encodingName(encoding)} (CPU profile of the agent over ${num(summary.totalMs / 1000, 1)} s of the ` +
          `same load, after the slices): idle ${num(summary.idleShare * 100, 0)}% of the time; busy time by category: ` +
          `${categories}. Top functions: ${functions}.`,
      );
    }
    if (keepNames) {
      notes.push(
        '`__name` is the helper with which tsx’s transform (esbuild `keepNames`) names closures as they are created: the ' +
          'agent process runs the agent’s TypeScript sources through tsx, as in the scale bench, and a build with tsc has no ' +
          'such calls, so that share is a cost of the bench set-up rather than of the agent.',
      );
    }
  }
  const idle = result.levels.find((level) => level.idle !== undefined)?.idle;
  const rows = result.levels.flatMap((level) => level.rows);
  const clientMax = Math.max(...rows.map((row) => row.clientCpuPercent.max));
  const brokerMax = Math.max(...rows.map((row) => row.brokerCpuPercent.max));
  notes.push(
    'The machine has two cores, shared by the agent, the load generator (this bench’s process: it patches, sends and ' +
      `times every report and reads every answer) and the test broker: the load generator used up to ${num(clientMax, 1)}% ` +
      `of one core in a slice, the broker up to ${num(brokerMax, 1)}%` +
      (idle === undefined
        ? '.'
        : `; the agent with no reports used ${num(idle.agentCpuPercent, 1)}% over ${num(idle.wallMs / 1000, 0)} s ` +
          '(collection cycles, process metrics), which every agent CPU figure above includes.'),
  );
  // How cost grows with the work: the marginal CPU per report between the smallest and the largest level.
  const smallest = result.levels.reduce<IngestLevel | undefined>(
    (best, level) => (best === undefined || level.instances < best.instances ? level : best),
    undefined,
  );
  if (smallest !== undefined && largest !== undefined && largest.instances > smallest.instances) {
    const marginal = encodings.map((encoding) => {
      const low = smallest.rows.find((row) => row.encoding === encoding)!;
      const high = largest.rows.find((row) => row.encoding === encoding)!;
      const perReportUs =
        ((high.agentCpuPercent.median - low.agentCpuPercent.median) * 10_000) /
        (high.reportsPerSecond.median - low.reportsPerSecond.median);
      return `${num(perReportUs)} µs in ${encodingName(encoding)}`;
    });
    notes.push(
      `Marginal agent CPU per report from ${num(smallest.instances)} to ${num(largest.instances)} instances (median CPU ` +
        `against median reports/s): ${marginal.join(', ')}, for reports of ${num(seriesPerReport)} series. Per-report figures ` +
        'at few instances are higher because the idle agent’s CPU is spread over fewer reports.',
    );
  }
  const cost = largest?.encoderCost;
  if (cost !== undefined) {
    notes.push(
      'Report bodies: each instance’s report is encoded once by `encodeOtlpProtobuf` and once by `encodeOtlpJson`, ' +
        'and every report copies that body and writes the numbers that changed (timestamps, counter values, histogram ' +
        'counts and sums) in place; bodies are checked byte for byte against a fresh encoding of the same report. ' +
        `Encoding afresh would cost the generator ${num(cost.protobufUs.median)} µs per report in protobuf and ` +
        `${num(cost.jsonUs.median)} µs in JSON (median of ${num(cost.protobufUs.count)}), about ` +
        `${num((cost.protobufUs.median * largest!.instances) / 10_000, 0)}% and ${num((cost.jsonUs.median * largest!.instances) / 10_000, 0)}% ` +
        `of a core at ${num(largest!.instances)} reports/s, which on two cores would starve the agent and count the ` +
        'generator’s own delays as the agent’s latency.',
    );
  }
  for (const level of result.levels) {
    const { agent } = level;
    notes.push(
      `${num(level.instances)} instances (load average ${num(level.loadAverage, 2)} when the level started): the client ` +
        `sent ${num(level.sent)} reports (warm-up and profiling included), ` +
        `${num(level.accepted)} answered 200 without partial success; the agent counted ${num(agent.acceptedPayloads)} accepted ` +
        `payloads, ${num(agent.acceptedPoints)} points, ${num(agent.rejectedPayloads)} rejected payloads and ` +
        `${num(agent.rejectedPoints)} rejected points.`,
    );
    if (level.problems.length > 0)
      notes.push(`⚠ ${num(level.instances)} instances is not valid: ${level.problems.join('; ')}.`);
  }
  notes.push(
    'Like the SDK reporter, an instance never has two reports out: a report due while the previous one is unanswered ' +
      `is skipped (its counts go with the next), and a request unanswered for ${num(requestTimeoutMs / 1000)} s is given up; ` +
      'either marks the level as not valid, since the agent then did not take the offered load.',
    'Limits: one host, loopback HTTP without TLS or gzip (the SDK reporter sends uncompressed JSON), no bearer token; ' +
      'every instance reports the same 50 series with steadily growing values, so the store sees no new series, resets ' +
      'or expiries during the slices.',
  );

  const { seriesKinds } = result;
  return {
    title: 'Agent OTLP ingest',
    broker: result.broker,
    intro: [
      'An agent runs in a process of its own (`parseAgentConfig` / `startAgent`, ingest on with its default limits, one ' +
        `cluster on a test broker, collection every ${count(sizes.collectionIntervalSeconds, 'second')}: each cycle also ` +
        'updates the pipeline view over the instance store). This process simulates N reporting instances of ' +
        `${count(sizes.pipelines, 'pipeline')} × ${count(sizes.stages.length, 'stage')}: each POSTs one report per second ` +
        'to /v1/metrics over a kept-alive connection of its own, at a phase of its own (instance i at (i + ½)/N of every ' +
        `second), so the load is spread over the second. A report holds ${result.seriesPerReport} series named and labelled ` +
        `as the SDK’s catalogue (${seriesKinds.counter} counters, ${seriesKinds.gauge} gauges, ${seriesKinds.histogram} ` +
        'histograms of 17 buckets), with cumulative values that grow every second.',
      `After ${num(sizes.warmUpSecondsPerEncoding, 1)} s of warm-up in each encoding, ${count(sizes.rounds, 'round')} of one ` +
        `${count(sizes.sliceSeconds, 'second')} slice per encoding, in a rotating order (all instances switch together). ` +
        'Agent CPU and RSS come from /proc for the agent’s process; latency is measured by the client. After the load, the ' +
        'agent’s own ingest counters (its /metrics) are checked against what the client sent.',
    ],
    tables: [table],
    notes,
  };
}
