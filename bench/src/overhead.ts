/**
 * Bench A: SDK overhead, isolated (issue 10 item 1, issue 4 item 9).
 *
 * A realistic consumer app (decode a JSON order, keep totals) is fed in process, with no
 * broker, by calling the very handlers kafkajs would call: the ones each instrumentation
 * wrapped around the app's handler when `consumer.run` was called. The messages carry the
 * headers an instrumented producer writes. Variants run interleaved, in a rotating order,
 * repeated; ratios are taken within a repetition. The producer path is measured the same
 * way through `send` over a fake that resolves at once.
 */
import { KafkaJsInstrumentation } from '@opentelemetry/instrumentation-kafkajs';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { instrumentConsumer, instrumentProducer, streamopsHeaderNames } from '@streamops/sdk';
import { type IHeaders, type Message, type Producer } from 'kafkajs';
import { Registry } from 'prom-client';
import {
  OfflineKafka,
  withOtelPatch,
  wrappedEachBatch,
  wrappedEachMessage,
  type EachBatchHandler,
  type EachMessageHandler,
} from './offline-kafka';
import { count, num, range, ratioRange, type Section, type Table } from './report';
import { collectGarbage, nowNs, rotate, yieldToEventLoop, type BenchOptions } from './runtime';
import { paired, summarize, type Summary } from './stats';
import {
  idleMeterProvider,
  resetOtelGlobals,
  tracerSetup,
  useContextManager,
  useW3CPropagator,
  type SpanExport,
  type TracerSetup,
} from './tracing';
import {
  BENCH_TOPIC,
  DeliveredStream,
  feedEachBatch,
  feedEachMessage,
  OrderApp,
  outgoingMessages,
} from './workload';

/** Sizes of one run. */
export interface OverheadSizes {
  /** Messages per timed slice (one variant, one repetition). */
  readonly messagesPerSlice: number;
  /** Timed repetitions, after one untimed warm-up repetition. */
  readonly rounds: number;
  /** Messages per delivered batch (eachBatch) and between event-loop turns (eachMessage). */
  readonly batchSize: number;
  readonly partitions: number;
}

const fullSizes: OverheadSizes = { messagesPerSlice: 10_000, rounds: 12, batchSize: 100, partitions: 4 };
const smokeSizes: OverheadSizes = { messagesPerSlice: 300, rounds: 2, batchSize: 50, partitions: 2 };

/** Who instruments a variant. */
type Instrumentation = 'none' | 'streamops' | 'otel';

/** One set-up compared in the bench. */
interface VariantSpec {
  readonly id: string;
  readonly label: string;
  readonly instrumentation: Instrumentation;
  /** Span export; undefined when the variant does not trace. */
  readonly tracing?: SpanExport;
  /** Whether the OTel context manager is on while it runs (every tracing set-up needs it). */
  readonly contextManager: boolean;
  /** OTel only: give the instrumentation an SDK MeterProvider, so its metrics are recorded. */
  readonly otelMetrics?: boolean;
}

/** The consumer-side variants (a)–(d) of issue 10, plus two reference rows. */
const consumerSpecs: readonly VariantSpec[] = [
  { id: 'none', label: '(a) uninstrumented', instrumentation: 'none', contextManager: false },
  {
    id: 'none-cm',
    label: '(a′) uninstrumented, OTel context manager on',
    instrumentation: 'none',
    contextManager: true,
  },
  {
    id: 'so-metrics',
    label: '(b) streamops, metrics only',
    instrumentation: 'streamops',
    contextManager: false,
  },
  {
    id: 'so-simple',
    label: '(c) streamops, metrics + tracing, no-op exporter',
    instrumentation: 'streamops',
    tracing: 'simple',
    contextManager: true,
  },
  {
    id: 'so-batch',
    label: '(c) streamops, metrics + tracing, BatchSpanProcessor',
    instrumentation: 'streamops',
    tracing: 'batch',
    contextManager: true,
  },
  {
    id: 'otel-simple',
    label: '(d) OTel instrumentation-kafkajs, no-op exporter',
    instrumentation: 'otel',
    tracing: 'simple',
    contextManager: true,
  },
  {
    id: 'otel-batch',
    label: '(d) OTel instrumentation-kafkajs, BatchSpanProcessor',
    instrumentation: 'otel',
    tracing: 'batch',
    contextManager: true,
  },
  {
    id: 'otel-batch-metrics',
    label: '(d′) OTel instrumentation-kafkajs, BatchSpanProcessor + SDK MeterProvider',
    instrumentation: 'otel',
    tracing: 'batch',
    contextManager: true,
    otelMetrics: true,
  },
];

/** The producer side has the same variants except the context-manager reference row. */
const producerSpecs = consumerSpecs.filter((spec) => spec.id !== 'none-cm');

/** Measured figures of one variant in one table. */
export interface OverheadRow {
  readonly id: string;
  readonly label: string;
  /** Time per message, ns. */
  readonly nsPerMessage: Summary;
  /** Time per message minus the baseline's in the same repetition, ns. */
  readonly addedNs: Summary;
  /** Time per message over the baseline's in the same repetition. */
  readonly ratio: Summary;
  /** Spans exported per message (0 when not tracing), a check that tracing really ran. */
  readonly spansPerMessage: number;
  /** Per-repetition samples, ns per message, in repetition order (for paired comparisons). */
  readonly samples: readonly number[];
}

/** One table of the bench: one path (eachMessage, eachBatch, send...) and its variants. */
export interface OverheadTable {
  readonly id: string;
  readonly title: string;
  readonly rows: readonly OverheadRow[];
}

/** Headers one instrumentation adds to a message. */
export interface HeaderCost {
  readonly setup: string;
  /** Mean bytes of each header's value, by header name. */
  readonly valueBytes: Readonly<Record<string, number>>;
  /** Mean bytes of names plus values per message. */
  readonly rawBytes: number;
  /** Mean bytes per message in the record format (v2), with each name's and value's varint length. */
  readonly wireBytes: number;
}

/** Everything bench A measured. */
export interface OverheadResult {
  readonly sizes: OverheadSizes;
  readonly consumer: readonly OverheadTable[];
  readonly producer: readonly OverheadTable[];
  readonly headers: readonly HeaderCost[];
  /** What the streamops variants reported as wrong about themselves; empty when the measurement is valid. */
  readonly problems: readonly string[];
}

/** One variant of one table, ready to be timed. */
interface Candidate {
  readonly spec: VariantSpec;
  readonly tracer: TracerSetup | undefined;
  /** Untimed preparation of a slice of `count` messages; returns the timed part and a check. */
  prepare(count: number): Promise<{ run: () => Promise<void>; check: () => void }>;
  /** After every repetition: what the instrumentation itself reports as wrong (empty when all is well). */
  verify(): Promise<string[]>;
}

/** Sum of every sample of a prom-client metric; 0 when the metric has no series yet. */
async function metricTotal(registry: Registry, name: string): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (metric === undefined) return 0;
  const { values } = await metric.get();
  return values.reduce((sum, sample) => sum + sample.value, 0);
}

/** Tracer set-up, OTel instrumentation and registry of one variant. */
class VariantTools {
  readonly tracer: TracerSetup | undefined;
  private readonly otel: KafkaJsInstrumentation | undefined;

  constructor(readonly spec: VariantSpec) {
    this.tracer = spec.tracing === undefined ? undefined : tracerSetup(spec.tracing);
    if (spec.instrumentation === 'otel') {
      // Disabled: its require hook must not patch anything; the patch is applied by hand.
      this.otel = new KafkaJsInstrumentation({ enabled: false });
      if (this.tracer !== undefined) this.otel.setTracerProvider(this.tracer.provider);
      if (spec.otelMetrics === true) this.otel.setMeterProvider(idleMeterProvider());
    }
  }

  /** The registry of a streamops variant: its metrics double as a check of what it saw. */
  readonly registry = new Registry();

  /** streamops options shared by the consumer and producer variants. */
  streamopsOptions(): {
    registry: Registry;
    pipeline: string;
    tracing: boolean;
    tracerProvider?: BasicTracerProvider;
  } {
    const options = { registry: this.registry, pipeline: 'bench', tracing: this.tracer !== undefined };
    return this.tracer === undefined ? options : { ...options, tracerProvider: this.tracer.provider };
  }

  /**
   * Problems a streamops variant reports about itself: SDK failures, ignored headers,
   * false losses or duplicates, or a message count other than `expected`.
   */
  async verify(counter: string, expected: number): Promise<string[]> {
    if (this.spec.instrumentation !== 'streamops') return [];
    const problems: string[] = [];
    const zero = [
      'streamops_sdk_instrumentation_errors_total',
      'streamops_consumer_ignored_headers_total',
      'streamops_consumer_lost_messages_total',
      'streamops_consumer_duplicate_messages_total',
    ];
    for (const name of zero) {
      const value = await metricTotal(this.registry, name);
      if (value !== 0) problems.push(`${this.spec.id}: ${name} = ${value}`);
    }
    const counted = await metricTotal(this.registry, counter);
    if (counted !== expected) problems.push(`${this.spec.id}: ${counter} = ${counted}, expected ${expected}`);
    return problems;
  }

  /** Creates a client of `kafka`, under the OTel patch for OTel variants (the patch acts on the class). */
  create<T>(factory: (kafka: OfflineKafka) => T, kafka: OfflineKafka = new OfflineKafka()): T {
    if (this.otel === undefined) return factory(kafka);
    return withOtelPatch(this.otel, () => factory(kafka));
  }
}

/** Source of the headers consumers see: spans are created and sampled but exported nowhere. */
const sourceTracerProvider = new BasicTracerProvider();

/** A consumer variant: the app's handler as wrapped by the variant's instrumentation, fed from its own stream. */
async function consumerCandidate(
  spec: VariantSpec,
  mode: 'eachMessage' | 'eachBatch',
  sizes: OverheadSizes,
): Promise<Candidate> {
  const tools = new VariantTools(spec);
  const app = new OrderApp();
  // Reliability trackers are per process and group: each variant is its own group.
  const groupId = `bench-${spec.id}-${mode}`;
  let eachMessage: EachMessageHandler = app.eachMessage;
  let eachBatch: EachBatchHandler = app.eachBatch;
  if (spec.instrumentation !== 'none') {
    const consumer = tools.create((kafka) => kafka.consumer({ groupId }));
    if (spec.instrumentation === 'streamops') {
      instrumentConsumer(consumer, { ...tools.streamopsOptions(), group: groupId });
    }
    if (mode === 'eachMessage') eachMessage = await wrappedEachMessage(consumer, app.eachMessage);
    else eachBatch = await wrappedEachBatch(consumer, app.eachBatch);
  }
  const stream = new DeliveredStream(sizes.partitions, sizes.batchSize, sourceTracerProvider);
  return {
    spec,
    tracer: tools.tracer,
    verify: () => tools.verify('streamops_consumer_messages_total', app.processed),
    async prepare(count) {
      const batches = await stream.next(count);
      const before = app.processed;
      return {
        run: () =>
          mode === 'eachMessage' ? feedEachMessage(eachMessage, batches) : feedEachBatch(eachBatch, batches),
        check: () => {
          if (app.processed - before !== count) {
            throw new Error(
              `${spec.id} ${mode}: the app processed ${app.processed - before} of ${count} messages`,
            );
          }
        },
      };
    },
  };
}

/** A producer variant: sends of `perSend` fresh messages through the variant's instrumentation. */
function producerCandidate(spec: VariantSpec, perSend: number, sizes: OverheadSizes): Candidate {
  const tools = new VariantTools(spec);
  const producer: Producer = tools.create((kafka) => kafka.producer());
  if (spec.instrumentation === 'streamops') instrumentProducer(producer, tools.streamopsOptions());
  let produced = 0;
  return {
    spec,
    tracer: tools.tracer,
    verify: () => tools.verify('streamops_producer_messages_total', produced),
    prepare(count) {
      // Fresh message objects per slice: the OTel instrumentation writes headers into the caller's messages.
      const messages = outgoingMessages(count, sizes.partitions, produced);
      produced += count;
      const sends: Message[][] = [];
      for (let index = 0; index < count; index += perSend) sends.push(messages.slice(index, index + perSend));
      const sendsPerYield = Math.max(1, Math.floor(sizes.batchSize / perSend));
      return Promise.resolve({
        run: async () => {
          for (let index = 0; index < sends.length; index++) {
            await producer.send({ topic: BENCH_TOPIC, messages: sends[index]! });
            if ((index + 1) % sendsPerYield === 0) await yieldToEventLoop();
          }
        },
        check: () => undefined,
      });
    },
  };
}

/** Samples of one candidate across the timed repetitions. */
interface Samples {
  readonly nsPerMessage: number[];
  spans: number;
  messages: number;
}

/**
 * Times every candidate of every table once per repetition, in an order rotated each
 * repetition, after an untimed warm-up repetition.
 */
async function runInterleaved(
  tables: readonly { id: string; candidates: readonly Candidate[] }[],
  sizes: OverheadSizes,
  options: BenchOptions,
): Promise<Map<Candidate, Samples>> {
  const samples = new Map<Candidate, Samples>();
  for (const table of tables) {
    for (const candidate of table.candidates)
      samples.set(candidate, { nsPerMessage: [], spans: 0, messages: 0 });
  }
  for (let round = -1; round < sizes.rounds; round++) {
    options.log(`  overhead: repetition ${round + 1}/${sizes.rounds}${round < 0 ? ' (warm-up)' : ''}`);
    for (const table of tables) {
      for (const candidate of rotate(table.candidates, round + 1)) {
        const { run, check } = await candidate.prepare(sizes.messagesPerSlice);
        const exporter = candidate.tracer?.exporter;
        await candidate.tracer?.provider.forceFlush();
        const exportedBefore = exporter?.exported ?? 0;
        collectGarbage();
        useContextManager(candidate.spec.contextManager);
        const started = nowNs();
        await run();
        const elapsed = nowNs() - started;
        useContextManager(false);
        await candidate.tracer?.provider.forceFlush();
        check();
        if (round < 0) continue;
        const entry = samples.get(candidate)!;
        entry.nsPerMessage.push(elapsed / sizes.messagesPerSlice);
        entry.spans += (exporter?.exported ?? 0) - exportedBefore;
        entry.messages += sizes.messagesPerSlice;
      }
    }
  }
  return samples;
}

function tableRows(candidates: readonly Candidate[], samples: Map<Candidate, Samples>): OverheadRow[] {
  const baseline = samples.get(candidates.find((candidate) => candidate.spec.id === 'none')!)!.nsPerMessage;
  return candidates.map((candidate) => {
    const entry = samples.get(candidate)!;
    return {
      id: candidate.spec.id,
      label: candidate.spec.label,
      nsPerMessage: summarize(entry.nsPerMessage),
      addedNs: summarize(paired(entry.nsPerMessage, baseline, (variant, base) => variant - base)),
      ratio: summarize(paired(entry.nsPerMessage, baseline, (variant, base) => variant / base)),
      spansPerMessage: entry.messages === 0 ? 0 : entry.spans / entry.messages,
      samples: entry.nsPerMessage,
    };
  });
}

/** Length of a zig-zag varint, as record-format v2 encodes header name and value lengths. */
function varintLength(value: number): number {
  let zigzag = value * 2;
  let length = 1;
  while (zigzag >= 128) {
    zigzag = Math.floor(zigzag / 128);
    length++;
  }
  return length;
}

function headerValueBytes(value: IHeaders[string]): number {
  if (value === undefined) return 0;
  if (Array.isArray(value)) return value.reduce((sum, item) => sum + Buffer.byteLength(item), 0);
  return Buffer.byteLength(value);
}

/** Sends `count` messages one per send through a producer set up like `spec`, and measures the headers that reach the wire. */
async function headerCost(spec: VariantSpec, setupLabel: string, count: number): Promise<HeaderCost> {
  const tools = new VariantTools(spec);
  const written: Message[] = [];
  const kafka = new OfflineKafka((_topic, messages) => written.push(...messages));
  const producer = tools.create((client) => client.producer(), kafka);
  if (spec.instrumentation === 'streamops') instrumentProducer(producer, tools.streamopsOptions());
  useContextManager(spec.contextManager);
  try {
    for (const message of outgoingMessages(count, 4, 0))
      await producer.send({ topic: BENCH_TOPIC, messages: [message] });
  } finally {
    useContextManager(false);
  }
  const valueTotals = new Map<string, number>();
  let raw = 0;
  let wire = 0;
  for (const message of written) {
    for (const [name, value] of Object.entries(message.headers ?? {})) {
      const nameBytes = Buffer.byteLength(name);
      const bytes = headerValueBytes(value);
      valueTotals.set(name, (valueTotals.get(name) ?? 0) + bytes);
      raw += nameBytes + bytes;
      wire += varintLength(nameBytes) + nameBytes + varintLength(bytes) + bytes;
    }
  }
  const valueBytes = Object.fromEntries(
    [...valueTotals].map(([name, total]) => [name, total / written.length]),
  );
  return { setup: setupLabel, valueBytes, rawBytes: raw / written.length, wireBytes: wire / written.length };
}

/** Runs bench A. */
export async function runOverheadBench(options: BenchOptions): Promise<OverheadResult> {
  useW3CPropagator();
  try {
    return await measureOverhead(options);
  } finally {
    resetOtelGlobals();
  }
}

/** Bench A proper, with the W3C propagator registered. */
async function measureOverhead(options: BenchOptions): Promise<OverheadResult> {
  const sizes = options.smoke ? smokeSizes : fullSizes;

  const consumerTables = [];
  for (const mode of ['eachMessage', 'eachBatch'] as const) {
    const candidates: Candidate[] = [];
    for (const spec of consumerSpecs) candidates.push(await consumerCandidate(spec, mode, sizes));
    consumerTables.push({
      id: `consumer-${mode}`,
      title: `Consumer, ${mode} (batches of ${sizes.batchSize})`,
      candidates,
    });
  }
  const producerTables = [1, sizes.batchSize].map((perSend) => ({
    id: `producer-send-${perSend}`,
    title: `Producer, send() of ${perSend} message${perSend === 1 ? '' : 's'}`,
    candidates: producerSpecs.map((spec) => producerCandidate(spec, perSend, sizes)),
  }));

  const samples = await runInterleaved([...consumerTables, ...producerTables], sizes, options);
  const toTable = (table: { id: string; title: string; candidates: Candidate[] }): OverheadTable => ({
    id: table.id,
    title: table.title,
    rows: tableRows(table.candidates, samples),
  });

  const spec = (id: string): VariantSpec => consumerSpecs.find((candidate) => candidate.id === id)!;
  const headerMessages = options.smoke ? 50 : 1_000;
  const headers = [
    await headerCost(spec('so-metrics'), 'streamops, tracing off', headerMessages),
    await headerCost(spec('so-batch'), 'streamops, tracing on', headerMessages),
    await headerCost(spec('otel-batch'), 'OTel instrumentation-kafkajs', headerMessages),
  ];
  const problems: string[] = [];
  for (const table of [...consumerTables, ...producerTables]) {
    for (const candidate of table.candidates) problems.push(...(await candidate.verify()));
  }
  return {
    sizes,
    consumer: consumerTables.map(toTable),
    producer: producerTables.map(toTable),
    headers,
    problems,
  };
}

/** Per-repetition ratio of two rows' added time (row a over row b): how much cheaper a is. */
function addedRatio(table: OverheadTable, a: string, b: string): Summary {
  const rows = new Map(table.rows.map((row) => [row.id, row]));
  const baseline = rows.get('none')!.samples;
  const addedA = paired(rows.get(a)!.samples, baseline, (variant, base) => variant - base);
  const addedB = paired(rows.get(b)!.samples, baseline, (variant, base) => variant - base);
  return summarize(paired(addedA, addedB, (x, y) => x / y));
}

function overheadTable(table: OverheadTable): Table {
  return {
    caption: table.title,
    headers: ['variant', 'ns / message', 'added ns / message', 'ratio to (a)', 'spans / message'],
    rows: table.rows.map((row) => [
      row.label,
      range(row.nsPerMessage),
      row.id === 'none' ? '—' : range(row.addedNs),
      row.id === 'none' ? '—' : ratioRange(row.ratio),
      num(row.spansPerMessage, 2),
    ]),
  };
}

function verdict(met: boolean): string {
  return met ? '**met**' : '**missed**';
}

/** Renders bench A for the report. */
export function renderOverhead(result: OverheadResult): Section {
  const { sizes } = result;
  const headerNames = [...new Set(result.headers.flatMap((cost) => Object.keys(cost.valueBytes)))];
  const headerTable: Table = {
    caption: 'Headers added per message (measured on what reaches the fake broker)',
    headers: [
      'set-up',
      ...headerNames.map((name) => `\`${name}\` value`),
      'names + values',
      'on the wire (record v2)',
    ],
    rows: result.headers.map((cost) => [
      cost.setup,
      ...headerNames.map((name) =>
        cost.valueBytes[name] === undefined ? '—' : `${num(cost.valueBytes[name], 1)} B`,
      ),
      `${num(cost.rawBytes, 1)} B`,
      `${num(cost.wireBytes, 1)} B`,
    ]),
  };

  const notes: string[] = [];
  const eachMessage = result.consumer.find((table) => table.id === 'consumer-eachMessage');
  if (eachMessage !== undefined) {
    const metricsOnly = eachMessage.rows.find((row) => row.id === 'so-metrics')!;
    notes.push(
      `Goal "metrics only ≤ 1 µs added per message" (eachMessage): ${num(metricsOnly.addedNs.median)} ns median ` +
        `(${num(metricsOnly.addedNs.min)}–${num(metricsOnly.addedNs.max)}): ${verdict(metricsOnly.addedNs.median <= 1000)}.`,
    );
  }
  for (const table of result.consumer) {
    for (const kind of ['simple', 'batch'] as const) {
      const share = addedRatio(table, `so-${kind}`, `otel-${kind}`);
      notes.push(
        `Goal "tracing on adds less than @opentelemetry/instrumentation-kafkajs" (${table.id.replace('consumer-', '')}, ` +
          `${kind === 'simple' ? 'no-op exporter' : 'BatchSpanProcessor'}): streamops adds ${ratioRange(share)} of what OTel adds: ` +
          `${verdict(share.median < 1)}.`,
      );
    }
  }
  const streamopsHeaders = result.headers.find((cost) => cost.setup === 'streamops, tracing on');
  const sequenceName = streamopsHeaderNames.sequence;
  if (streamopsHeaders !== undefined) {
    notes.push(
      `Header size depends on the sequence number (\`${sequenceName}\`, ${num(streamopsHeaders.valueBytes[sequenceName] ?? 0, 1)} B here, ` +
        'one byte per decimal digit: 7 bytes at a million messages per partition).',
    );
  }
  for (const problem of result.problems) notes.push(`⚠ Not a valid measurement: ${problem}.`);
  notes.push(
    'Row (a′) shows what the AsyncLocalStorage context manager alone costs: every tracing set-up, ' +
      'streamops or OTel, runs with it (it is what @opentelemetry/sdk-node installs).',
    'OTel (d) records its metrics into the no-op global meter unless given a MeterProvider; (d′) gives it one, ' +
      'which is the fairer comparison with streamops, whose Prometheus metrics are always recorded.',
  );

  return {
    title: 'SDK overhead, isolated (no broker)',
    intro: [
      'A consumer app that decodes a JSON order (about 200 bytes) and keeps a running total per customer is fed in process, ' +
        'with no broker, through the handlers each instrumentation wrapped around the app’s own when `consumer.run` was ' +
        'called on a real (never connected) kafkajs consumer. Messages carry the headers the streamops producer ' +
        'instrumentation writes (traceparent, origin timestamp, producer id, sequence), as Buffers, with continuing ' +
        `offsets and sequences. ${num(sizes.messagesPerSlice)} messages per variant and repetition, ` +
        `${count(sizes.rounds, 'repetition')} after a warm-up, variants in a rotating order; a full GC before each timed slice; ` +
        `one event-loop turn per ${sizes.batchSize} messages, where a real consumer would wait for its next fetch.`,
      'Tracing set-ups share one configuration: BasicTracerProvider with the default sampler (every trace sampled, as the ' +
        'producer’s traceparent is sampled), an exporter that discards spans, behind a SimpleSpanProcessor ("no-op ' +
        'exporter") or a default BatchSpanProcessor; W3C propagator; AsyncLocalStorage context manager. The producer path ' +
        'sends through each instrumentation to a fake `send` that resolves at once.',
    ],
    tables: [...result.consumer.map(overheadTable), ...result.producer.map(overheadTable), headerTable],
    notes,
  };
}
