/**
 * Bench B: SDK end to end on the test broker (issue 10 item 2, issue 4 goal ≥ 97%).
 *
 * One process runs a produce → consume pipeline against the test broker, uninstrumented
 * or instrumented with `instrument(kafka)`, under the same load: first as fast as it goes
 * (throughput, client CPU per message), then at a fixed rate (end-to-end latency). Runs
 * of the variants alternate, in a rotating order, each on a fresh topic and group.
 */
import { instrument, streamopsHeaderNames } from '@streamops/sdk';
import { startTestBroker, type TestBroker } from '@streamops/test-broker';
import { describeBroker } from './broker-description';
import { Kafka, logLevel, type Consumer, type Message, type Producer } from 'kafkajs';
import { Registry } from 'prom-client';
import { count, num, range, ratioRange, type Section } from './report';
import { ownCpuMs, processesCpuMs } from './proc';
import { collectGarbage, rotate, type BenchOptions } from './runtime';
import { paired, percentile, summarize, type Summary } from './stats';
import { tracerSetup, useContextManager, type TracerSetup } from './tracing';
import { orderKey } from './workload';

/** Sizes of one run. */
export interface E2eSizes {
  /** Timed repetitions of every variant. */
  readonly rounds: number;
  /** Whether a smaller untimed repetition runs first (JIT, connections, broker allocations). */
  readonly warmUp: boolean;
  /** Messages of the as-fast-as-possible phase. */
  readonly throughputMessages: number;
  /** Offered load of the fixed-rate phase, messages per second. */
  readonly latencyRate: number;
  readonly latencySeconds: number;
  readonly partitions: number;
  /** Messages per send() in the throughput phase, and sends kept in flight. */
  readonly sendBatch: number;
  readonly sendsInFlight: number;
  /** The test broker's longest hold of an empty fetch (it cannot release a held fetch early). */
  readonly fetchWaitMaxMs: number;
}

const fullSizes: E2eSizes = {
  rounds: 4,
  warmUp: true,
  throughputMessages: 20_000,
  latencyRate: 1_000,
  latencySeconds: 3,
  partitions: 4,
  sendBatch: 100,
  sendsInFlight: 4,
  fetchWaitMaxMs: 5,
};
const smokeSizes: E2eSizes = {
  rounds: 1,
  warmUp: false,
  throughputMessages: 300,
  latencyRate: 200,
  latencySeconds: 0.5,
  partitions: 2,
  sendBatch: 50,
  sendsInFlight: 2,
  fetchWaitMaxMs: 5,
};

/** Longest wait for a phase's messages to be consumed before the run is declared failed. */
const consumeTimeoutMs = 120_000;
/** Pacing period of the fixed-rate phase. */
const tickMs = 10;

interface E2eVariant {
  readonly id: string;
  readonly label: string;
  /** undefined: uninstrumented. */
  readonly streamops?: { readonly tracing: boolean };
  /** Uninstrumented, but the app sets headers of the same names and sizes as the SDK's. */
  readonly handMadeHeaders?: boolean;
}

const variants: readonly E2eVariant[] = [
  { id: 'none', label: 'uninstrumented' },
  {
    // Separates what kafkajs spends encoding and decoding the extra headers from the SDK's own work.
    id: 'none-headers',
    label: 'uninstrumented, app sets the 3 streamops headers itself (reference)',
    handMadeHeaders: true,
  },
  { id: 'so-metrics', label: 'streamops, metrics only', streamops: { tracing: false } },
  {
    id: 'so-tracing',
    label: 'streamops, metrics + tracing (BatchSpanProcessor)',
    streamops: { tracing: true },
  },
];

/** What one run of one variant measured. */
interface RunSample {
  readonly throughput: number;
  readonly clientCpuUsPerMessage: number;
  readonly brokerCpuUsPerMessage: number | undefined;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** Figures of one variant over the repetitions. */
export interface E2eRow {
  readonly id: string;
  readonly label: string;
  /** Whether the streamops SDK instruments this variant. */
  readonly instrumented: boolean;
  /** Per-repetition client CPU µs per message, in repetition order (for paired comparisons). */
  readonly clientCpuSamples: readonly number[];
  /** Messages per second, produce of the first to consumption of the last. */
  readonly throughput: Summary;
  readonly throughputRatio: Summary;
  /** CPU of the whole client process (producer, consumer, kafkajs, SDK) per message, µs. */
  readonly clientCpuUsPerMessage: Summary;
  readonly clientCpuRatio: Summary;
  /** CPU of the broker process per message, µs; NaN when not measurable. */
  readonly brokerCpuUsPerMessage: Summary;
  readonly p50Ms: Summary;
  readonly p99Ms: Summary;
  /** p99 minus the uninstrumented p99 of the same repetition, ms. */
  readonly p99AddedMs: Summary;
}

/** Everything bench B measured. */
export interface E2eResult {
  readonly sizes: E2eSizes;
  readonly brokers: number;
  /** Which broker the figures came from. */
  readonly broker: string;
  readonly brokerKind: TestBroker['kind'];
  readonly rows: readonly E2eRow[];
}

/** What the pipeline carries: an order with the time it was sent (same-process clock) and the phase. */
interface PipelineRecord {
  readonly sentAt: number;
  readonly phase: 'throughput' | 'latency';
  readonly orderId: string;
  readonly customer: string;
  readonly amount: number;
}

/** Header values shaped like the SDK's: epoch ms, a 12-hex-digit producer id with its epoch, a sequence. */
function handMadeHeaders(index: number): Message['headers'] {
  return {
    [streamopsHeaderNames.originTimestamp]: String(Date.now()),
    [streamopsHeaderNames.producerId]: 'a1b2c3d4e5f6.0',
    [streamopsHeaderNames.sequence]: String(index),
  };
}

function pipelineMessages(
  first: number,
  count: number,
  phase: PipelineRecord['phase'],
  withHeaders: boolean,
): Message[] {
  const sentAt = performance.now();
  return Array.from({ length: count }, (_, offset) => {
    const index = first + offset;
    const record: PipelineRecord = {
      sentAt,
      phase,
      orderId: `o-${index.toString().padStart(9, '0')}`,
      customer: `c-${index % 64}`,
      amount: 10 + (index % 997) / 10,
    };
    const message: Message = { key: orderKey(index), value: JSON.stringify(record) };
    if (withHeaders) message.headers = handMadeHeaders(index);
    return message;
  });
}

/** The consuming app: decodes orders, keeps totals, records the latency of fixed-rate messages. */
class PipelineApp {
  consumed = 0;
  readonly latenciesMs: number[] = [];
  private readonly totals = new Map<string, number>();
  private waiter: { count: number; resolve: () => void } | undefined;

  readonly eachMessage = ({ message }: { message: { value: Buffer | null } }): Promise<void> => {
    if (message.value !== null) {
      const record = JSON.parse(message.value.toString()) as PipelineRecord;
      if (record.phase === 'latency') this.latenciesMs.push(performance.now() - record.sentAt);
      this.totals.set(record.customer, (this.totals.get(record.customer) ?? 0) + record.amount);
    }
    this.consumed++;
    if (this.waiter !== undefined && this.consumed >= this.waiter.count) this.waiter.resolve();
    return Promise.resolve();
  };

  /** Resolves once `count` messages were consumed in total; rejects after a deadline. */
  waitFor(count: number): Promise<void> {
    if (this.consumed >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`consumed ${this.consumed} of ${count} messages within ${consumeTimeoutMs} ms`)),
        consumeTimeoutMs,
      );
      this.waiter = {
        count,
        resolve: () => {
          clearTimeout(timer);
          this.waiter = undefined;
          resolve();
        },
      };
    });
  }
}

async function produceAsFastAsPossible(
  producer: Producer,
  topic: string,
  sizes: E2eSizes,
  withHeaders: boolean,
): Promise<void> {
  let next = 0;
  const sender = async (): Promise<void> => {
    while (next < sizes.throughputMessages) {
      const first = next;
      const count = Math.min(sizes.sendBatch, sizes.throughputMessages - first);
      next += count;
      await producer.send({ topic, messages: pipelineMessages(first, count, 'throughput', withHeaders) });
    }
  };
  await Promise.all(Array.from({ length: sizes.sendsInFlight }, sender));
}

async function produceAtFixedRate(
  producer: Producer,
  topic: string,
  sizes: E2eSizes,
  first: number,
  withHeaders: boolean,
): Promise<number> {
  const perTick = Math.max(1, Math.round((sizes.latencyRate * tickMs) / 1000));
  const ticks = Math.round((sizes.latencySeconds * 1000) / tickMs);
  const start = performance.now();
  const sends: Promise<unknown>[] = [];
  for (let tick = 0; tick < ticks; tick++) {
    const wait = start + tick * tickMs - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    sends.push(
      producer.send({
        topic,
        messages: pipelineMessages(first + tick * perTick, perTick, 'latency', withHeaders),
      }),
    );
  }
  await Promise.all(sends);
  return ticks * perTick;
}

function joined(consumer: Consumer): Promise<void> {
  return new Promise((resolve) => {
    const remove = consumer.on(consumer.events.GROUP_JOIN, () => {
      remove();
      resolve();
    });
  });
}

/** One run of one variant on a fresh topic and group. */
async function runOnce(
  broker: TestBroker,
  variant: E2eVariant,
  name: string,
  sizes: E2eSizes,
): Promise<RunSample> {
  const topic = `bench-e2e-${name}`;
  await broker.control.createTopic(topic, sizes.partitions, 1);
  const tracing = variant.streamops?.tracing === true;
  let tracer: TracerSetup | undefined;
  useContextManager(tracing);
  const kafka = new Kafka({
    clientId: `bench-e2e-${variant.id}`,
    brokers: broker.bootstrap,
    logLevel: logLevel.NOTHING,
  });
  if (variant.streamops !== undefined) {
    tracer = tracing ? tracerSetup('batch') : undefined;
    instrument(kafka, {
      registry: new Registry(),
      pipeline: 'bench-e2e',
      tracing,
      ...(tracer === undefined ? {} : { tracerProvider: tracer.provider }),
    });
  }
  const producer = kafka.producer();
  const consumer = kafka.consumer({ groupId: `bench-e2e-${name}` });
  const app = new PipelineApp();
  try {
    await producer.connect();
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const ready = joined(consumer);
    await consumer.run({ eachMessage: app.eachMessage });
    await ready;

    collectGarbage();
    const clientCpu = ownCpuMs();
    const brokerCpu = processesCpuMs(broker.pids);
    const started = performance.now();
    const withHeaders = variant.handMadeHeaders === true;
    await Promise.all([
      produceAsFastAsPossible(producer, topic, sizes, withHeaders),
      app.waitFor(sizes.throughputMessages),
    ]);
    const elapsedMs = performance.now() - started;
    const clientCpuMs = ownCpuMs() - clientCpu;
    const brokerCpuAfter = processesCpuMs(broker.pids);

    const latencyMessages = await produceAtFixedRate(
      producer,
      topic,
      sizes,
      sizes.throughputMessages,
      withHeaders,
    );
    await app.waitFor(sizes.throughputMessages + latencyMessages);

    const messages = sizes.throughputMessages;
    return {
      throughput: messages / (elapsedMs / 1000),
      clientCpuUsPerMessage: (clientCpuMs * 1000) / messages,
      brokerCpuUsPerMessage:
        brokerCpu === undefined || brokerCpuAfter === undefined
          ? undefined
          : ((brokerCpuAfter - brokerCpu) * 1000) / messages,
      p50Ms: percentile(app.latenciesMs, 50),
      p99Ms: percentile(app.latenciesMs, 99),
    };
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await tracer?.provider.shutdown();
    useContextManager(false);
  }
}

/** Runs bench B. */
export async function runE2eBench(options: BenchOptions): Promise<E2eResult> {
  const sizes = options.smoke ? smokeSizes : fullSizes;
  const brokers = 1;
  const broker = await startTestBroker({ brokers, fetchWaitMaxMs: sizes.fetchWaitMaxMs });
  const runId = `${process.pid}-${Date.now().toString(36)}`;
  const samples = new Map<string, RunSample[]>(variants.map((variant) => [variant.id, []]));
  try {
    // Warm-up: JIT, connections and the broker's allocations, at a quarter of the sizes.
    const warmUp: E2eSizes = {
      ...sizes,
      throughputMessages: Math.ceil(sizes.throughputMessages / 4),
      latencySeconds: Math.max(0.2, sizes.latencySeconds / 4),
    };
    for (const variant of sizes.warmUp ? variants : []) {
      options.log(`  e2e: warm-up ${variant.id}`);
      await runOnce(broker, variant, `${runId}-warm-${variant.id}`, warmUp);
    }
    for (let round = 0; round < sizes.rounds; round++) {
      for (const variant of rotate(variants, round)) {
        options.log(`  e2e: repetition ${round + 1}/${sizes.rounds} ${variant.id}`);
        samples
          .get(variant.id)!
          .push(await runOnce(broker, variant, `${runId}-${round}-${variant.id}`, sizes));
      }
    }
  } finally {
    await broker.stop();
  }

  const baseline = samples.get('none')!;
  const rows = variants.map((variant): E2eRow => {
    const runs = samples.get(variant.id)!;
    const series = (pick: (sample: RunSample) => number) => runs.map(pick);
    return {
      id: variant.id,
      label: variant.label,
      instrumented: variant.streamops !== undefined,
      clientCpuSamples: series((sample) => sample.clientCpuUsPerMessage),
      throughput: summarize(series((sample) => sample.throughput)),
      throughputRatio: summarize(
        paired(
          series((sample) => sample.throughput),
          baseline.map((sample) => sample.throughput),
          (a, b) => a / b,
        ),
      ),
      clientCpuUsPerMessage: summarize(series((sample) => sample.clientCpuUsPerMessage)),
      clientCpuRatio: summarize(
        paired(
          series((sample) => sample.clientCpuUsPerMessage),
          baseline.map((sample) => sample.clientCpuUsPerMessage),
          (a, b) => a / b,
        ),
      ),
      brokerCpuUsPerMessage: summarize(series((sample) => sample.brokerCpuUsPerMessage ?? Number.NaN)),
      p50Ms: summarize(series((sample) => sample.p50Ms)),
      p99Ms: summarize(series((sample) => sample.p99Ms)),
      p99AddedMs: summarize(
        paired(
          series((sample) => sample.p99Ms),
          baseline.map((sample) => sample.p99Ms),
          (a, b) => a - b,
        ),
      ),
    };
  });
  return { sizes, brokers, broker: describeBroker(broker), brokerKind: broker.kind, rows };
}

/** Renders bench B for the report. */
export function renderE2e(result: E2eResult): Section {
  const { sizes } = result;
  const notes: string[] = [];
  for (const row of result.rows.filter((candidate) => candidate.instrumented)) {
    const met = row.throughputRatio.median >= 0.97;
    notes.push(
      `Goal "end-to-end throughput ≥ 97% of uninstrumented" (${row.label}): ${num(row.throughputRatio.median * 100, 1)}% median ` +
        `(${num(row.throughputRatio.min * 100, 1)}–${num(row.throughputRatio.max * 100, 1)}%): ${met ? '**met**' : '**missed**'}.`,
    );
  }
  const byId = new Map(result.rows.map((row) => [row.id, row]));
  const none = byId.get('none');
  const headers = byId.get('none-headers');
  const metrics = byId.get('so-metrics');
  if (none !== undefined && headers !== undefined && metrics !== undefined) {
    const headerCost = paired(headers.clientCpuSamples, none.clientCpuSamples, (a, b) => a - b);
    const sdkCost = paired(metrics.clientCpuSamples, none.clientCpuSamples, (a, b) => a - b);
    notes.push(
      `Of the client CPU that metrics-only instrumentation adds (${range(summarize(sdkCost), 1)} µs per message), ` +
        `kafkajs encoding and decoding the three extra headers accounts for ${range(summarize(headerCost), 1)} µs ` +
        '(the reference row, which sets the same headers by hand without the SDK).',
    );
  }
  notes.push(
    'Throughput on this machine is bounded by the two cores shared by the broker and the client process (and other ' +
      'work), so client CPU per message is the steadier measure of what instrumentation costs.',
  );
  if (result.brokerKind === 'mock') {
    notes.push(
      `Latency includes up to ${sizes.fetchWaitMaxMs} ms of the mock broker's fetch hold: it cannot answer a held ` +
        'fetch early when data arrives.',
    );
  }
  return {
    title: 'SDK end to end on the test broker',
    broker: result.broker,
    intro: [
      `One process produces to and consumes from the test broker (${count(result.brokers, 'broker')}, ${count(sizes.partitions, 'partition')}, ` +
        'acks=all), with the same consumer app as above, uninstrumented or instrumented through `instrument(kafka)`. ' +
        `Throughput phase: ${num(sizes.throughputMessages)} messages sent as fast as possible ` +
        `(send() of ${sizes.sendBatch}, ${sizes.sendsInFlight} in flight), timed from the first send to the last message consumed. ` +
        `Latency phase: ${num(sizes.latencyRate)} messages/s for ${sizes.latencySeconds} s, latency = consume time − send time ` +
        '(same process clock). Each run uses a fresh topic and group; ' +
        `${count(sizes.rounds, 'repetition')}${sizes.warmUp ? ' after a smaller warm-up' : ''}, variants in a rotating order; ratios within a repetition.`,
    ],
    tables: [
      {
        caption: 'Produce → consume pipeline',
        headers: [
          'variant',
          'throughput (msg/s)',
          'ratio to uninstrumented',
          'client CPU µs / msg',
          'CPU ratio',
          'broker CPU µs / msg',
          'p50 latency (ms)',
          'p99 latency (ms)',
          'p99 added (ms)',
        ],
        rows: result.rows.map((row) => [
          row.label,
          range(row.throughput),
          row.id === 'none' ? '—' : ratioRange(row.throughputRatio, 3),
          range(row.clientCpuUsPerMessage, 1),
          row.id === 'none' ? '—' : ratioRange(row.clientCpuRatio),
          range(row.brokerCpuUsPerMessage, 1),
          range(row.p50Ms, 1),
          range(row.p99Ms, 1),
          row.id === 'none' ? '—' : range(row.p99AddedMs, 1),
        ]),
      },
    ],
    notes,
  };
}
