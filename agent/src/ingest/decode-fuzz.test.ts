// Fuzz-style tests of the OTLP decoders: thousands of random, mutated and hostile bodies,
// generated from fixed seeds so that every run (and every failure) is reproducible. Each
// body must give either a checked export within the limits or a typed refusal; nothing
// may throw, hang, or produce more than the limits allow.
import { gzipSync } from 'node:zlib';
import { emptyClusterSource } from '../collector/fixtures/empty-cluster-source';
import { parseAgentConfig } from '../config/load';
import { InstanceStore } from '../pipelines/instance-store';
import { startAgent, type RunningAgent } from '../runtime/agent';
import { decodeMetricsRequest, type DecodeResult, type OtlpEncoding } from './decode';
import { OtlpDecodeError } from './decode-error';
import { counterExport, counterMetric } from './fixtures/otlp-requests';
import { OtlpMetricsIngest } from './ingest-handler';
import { defaultIngestLimits, ingestRejectionReasons, type DecodeLimits } from './limits';
import { encodeOtlpJson, encodeOtlpProtobuf } from './otlp-encode';
import {
  type OtlpAttribute,
  type OtlpHistogramPoint,
  type OtlpMetric,
  type OtlpMetricsRequest,
  type OtlpNumberPoint,
} from './otlp-model';
import { ProtobufWriter } from './protobuf-writer';
import { seededRandom } from '../fixtures/seeded-random';

class Random {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = seededRandom(seed);
  }
  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }
  chance(probability: number): boolean {
    return this.next() < probability;
  }
  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }
  bytes(length: number): Uint8Array {
    return Uint8Array.from({ length }, () => this.int(256));
  }
}

// Small limits, so that random bodies reach them often.
const limits: DecodeLimits = {
  ...defaultIngestLimits,
  maxBodyBytes: 256 * 1024,
  maxResources: 4,
  maxMetrics: 40,
  maxPoints: 200,
  maxAttributes: 400,
  maxAttributesPerSet: 12,
  maxStringBytes: 64,
  maxBuckets: 16,
};

const T0 = 1_700_000_000_000_000_000;
// Moves the times of generated points forward, so that a store sees new points.
let generatedTimeOffsetNs = 0;
const names = [
  'streamops_stage_messages_total',
  'streamops_stage_busy_seconds_total',
  'streamops.consumer.messages',
  'x',
  '',
];
const keys = [
  'service.name',
  'service.instance.id',
  'streamops.pipeline',
  'streamops.stage',
  'stage',
  'pipeline',
  'topic',
  'outcome',
  '__proto__',
  'é',
];
const values = ['orders', 'enrich', 'pod-1', '', 'ü'.repeat(20), 'success'];
// Over maxStringBytes: picked rarely, or most requests would be refused for it.
const tooLong = 'x'.repeat(70);
// No -0: JSON has no negative zero, so it would not survive the JSON round trip.
const numbers = [0, 1, -1, 0.5, 1e300, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, 2 ** 64, 42];

function randomAttributes(random: Random, max: number): OtlpAttribute[] {
  return Array.from({ length: random.int(max) }, () => ({
    key: random.pick(keys),
    value: random.chance(0.1) ? null : random.chance(0.01) ? tooLong : random.pick(values),
  }));
}

function randomNumberPoint(random: Random): OtlpNumberPoint {
  return {
    attributes: randomAttributes(random, 5),
    startTimeUnixNano: random.chance(0.2) ? 0 : T0 + random.int(1e6),
    timeUnixNano: random.chance(0.05) ? 0 : T0 + generatedTimeOffsetNs + 1e9 + random.int(1e6),
    value: random.chance(0.05) ? null : random.chance(0.5) ? random.int(1000) : random.pick(numbers),
    flags: random.chance(0.1) ? 1 : 0,
  };
}

function randomHistogramPoint(random: Random): OtlpHistogramPoint {
  const bucketCount = random.int(6);
  const bounds = Array.from(
    { length: Math.max(0, bucketCount - 1) },
    (_, index) => index * 0.5 + random.int(2),
  );
  const counts = Array.from({ length: bucketCount }, () => random.int(10));
  return {
    attributes: randomAttributes(random, 4),
    startTimeUnixNano: T0,
    timeUnixNano: T0 + generatedTimeOffsetNs + 1e9,
    count: random.chance(0.8) ? counts.reduce((sum, count) => sum + count, 0) : random.int(100),
    sum: random.chance(0.2) ? null : random.pick(numbers),
    bucketCounts: counts,
    explicitBounds: random.chance(0.9) ? bounds : [...bounds].reverse(),
    flags: 0,
  };
}

function randomMetric(random: Random): OtlpMetric {
  const name = random.pick(names);
  const unit = random.pick(['', 's', '1']);
  const points = random.int(5);
  switch (random.int(5)) {
    case 0:
      return {
        name,
        unit,
        data: { type: 'gauge', points: Array.from({ length: points }, () => randomNumberPoint(random)) },
      };
    case 1:
      return {
        name,
        unit,
        data: {
          type: 'sum',
          temporality: random.int(4),
          monotonic: random.chance(0.7),
          points: Array.from({ length: points }, () => randomNumberPoint(random)),
        },
      };
    case 2:
      return {
        name,
        unit,
        data: {
          type: 'histogram',
          temporality: random.int(3),
          points: Array.from({ length: points }, () => randomHistogramPoint(random)),
        },
      };
    case 3:
      return {
        name,
        unit,
        data: {
          type: 'unsupported',
          kind: random.pick(['summary', 'exponential_histogram']),
          pointCount: points,
        },
      };
    default:
      return { name, unit, data: { type: 'none' } };
  }
}

function randomRequest(random: Random): OtlpMetricsRequest {
  return {
    resourceMetrics: Array.from({ length: 1 + random.int(3) }, () => ({
      resourceAttributes: [
        ...(random.chance(0.9) ? [{ key: 'service.name', value: random.pick(['svc', 'billing']) }] : []),
        ...(random.chance(0.85) ? [{ key: 'service.instance.id', value: `i-${random.int(5)}` }] : []),
        ...randomAttributes(random, 4),
      ],
      scopeMetrics: Array.from({ length: 1 + random.int(2) }, () => ({
        scopeName: random.pick(['', '@streamops/sdk']),
        metrics: Array.from({ length: random.int(6) }, () => randomMetric(random)),
      })),
    })),
  };
}

/** Byte-level mutations of a protobuf body. */
function mutateBytes(random: Random, body: Uint8Array, other: Uint8Array): Uint8Array {
  const bytes = Uint8Array.from(body);
  const at = (length: number): number => random.int(Math.max(1, length));
  switch (random.int(11)) {
    case 0: {
      // Flip a few bits.
      for (let flips = 1 + random.int(4); flips > 0 && bytes.length > 0; flips--) {
        const index = at(bytes.length);
        bytes[index] = (bytes[index] ?? 0) ^ (1 << random.int(8));
      }
      return bytes;
    }
    case 1: {
      // Overwrite a byte with a value that tends to matter: continuation bits, wire types, lengths.
      if (bytes.length > 0)
        bytes[at(bytes.length)] = random.pick([0x00, 0x01, 0x7f, 0x80, 0xff, 0x0a, 0x0b, 0x0e, 0x0f]);
      return bytes;
    }
    case 2:
      return bytes.subarray(0, at(bytes.length));
    case 3: {
      const index = at(bytes.length);
      return concat(bytes.subarray(0, index), random.bytes(1 + random.int(8)), bytes.subarray(index));
    }
    case 4: {
      const start = at(bytes.length);
      return concat(bytes.subarray(0, start), bytes.subarray(start + 1 + random.int(16)));
    }
    case 5: {
      // Duplicate a range (repeated fields, overlong messages).
      const start = at(bytes.length);
      const end = Math.min(bytes.length, start + 1 + random.int(64));
      return concat(bytes.subarray(0, end), bytes.subarray(start, end), bytes.subarray(end));
    }
    case 6:
      // Splice the head of one body onto the tail of another.
      return concat(bytes.subarray(0, at(bytes.length)), other.subarray(at(other.length)));
    case 7: {
      // A length that lies: a field 1 whose varint length claims far more than follows.
      const lie = new ProtobufWriter()
        .tag(1 + random.int(3), 2)
        .varint(random.pick([0x7fffffff, 2 ** 40, 1e6, 300]))
        .finish();
      const index = at(bytes.length);
      return concat(bytes.subarray(0, index), lie, bytes.subarray(index));
    }
    case 8: {
      // An 11-byte varint or a group start somewhere.
      const hostile = random.chance(0.5)
        ? Uint8Array.from([0x08, ...new Array<number>(10).fill(0xff), 0x01])
        : Uint8Array.from([0x0b]);
      const index = at(bytes.length);
      return concat(bytes.subarray(0, index), hostile, bytes.subarray(index));
    }
    case 9:
      return random.bytes(random.int(512));
    default: {
      // Many empty sub-messages: cheap to send, costly to hold unless counted.
      const spam = new ProtobufWriter();
      for (let count = 0; count < 500; count++) spam.bytesField(1, new Uint8Array(0));
      return concat(bytes, spam.finish());
    }
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

const jsonReplacements: readonly unknown[] = [
  null,
  0,
  -1,
  1.5,
  1e308,
  '',
  'NaN',
  '-Infinity',
  '123456789012345678901234',
  '-5',
  true,
  [],
  {},
  [null, 1, 'x'],
  { stringValue: 5 },
  { arrayValue: { values: [{ kvlistValue: {} }] } },
];

/** Structural mutation of a JSON document: one node replaced, removed or multiplied. */
function mutateJsonTree(random: Random, value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object') {
    return random.chance(0.3) ? random.pick(jsonReplacements) : value;
  }
  if (depth > 12 || random.chance(0.08)) return random.pick(jsonReplacements);
  if (Array.isArray(value)) {
    if (value.length === 0) return random.chance(0.5) ? [random.pick(jsonReplacements)] : value;
    const copy = [...(value as unknown[])];
    const index = random.int(copy.length);
    const action = random.int(10);
    if (action === 0) copy.push(...copy);
    else if (action === 1) copy.splice(index, 1);
    else copy[index] = mutateJsonTree(random, copy[index], depth + 1);
    return copy;
  }
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  const entries = Object.keys(copy);
  if (entries.length === 0)
    return random.chance(0.5)
      ? { [random.pick(['name', 'gauge', 'sum', 'asInt'])]: random.pick(jsonReplacements) }
      : copy;
  const key = random.pick(entries);
  if (random.chance(0.1)) delete copy[key];
  else copy[key] = mutateJsonTree(random, copy[key], depth + 1);
  return copy;
}

/** Text-level mutation of a JSON body. */
function mutateJsonText(random: Random, text: string): string {
  const at = random.int(Math.max(1, text.length));
  switch (random.int(5)) {
    case 0:
      return text.slice(0, at);
    case 1:
      return (
        text.slice(0, at) +
        random.pick(['{', '}', '[', ']', ',', ':', '"', '\\', '\u0000', '1e999', 'null']) +
        text.slice(at)
      );
    case 2:
      return text.slice(0, at) + text.slice(at + 1 + random.int(10));
    case 3:
      return '['.repeat(1 + random.int(20_000)) + text;
    default:
      return (
        text.slice(0, at) + '"' + '\\u'.concat(random.pick(['d800', 'zzzz', '00'])) + '"' + text.slice(at)
      );
  }
}

const knownReasons = new Set<string>(ingestRejectionReasons);

/**
 * The contract: a checked export within the limits, or a typed refusal. (Speed is the
 * ingest benchmark's business; a timed assertion here would only measure the machine.)
 */
function checkResult(result: DecodeResult, context: string): void {
  if (!result.ok) {
    if (!(result.error instanceof OtlpDecodeError)) throw new Error(`${context}: untyped error`);
    if (!knownReasons.has(result.error.reason))
      throw new Error(`${context}: unknown reason ${result.error.reason}`);
    if (result.error.message === '' || /unexpected decoder failure/.test(result.error.message)) {
      throw new Error(`${context}: ${result.error.message || 'empty message'}`);
    }
    return;
  }
  let points = 0;
  for (const report of result.export.reports) {
    if (report.instance.serviceName === '' || report.instance.serviceInstanceId === '') {
      throw new Error(`${context}: report without identity`);
    }
    for (const point of report.points) {
      points++;
      if (!(point.timeMs > 0)) throw new Error(`${context}: point without time`);
      if (point.startTimeMs !== null && point.startTimeMs > point.timeMs)
        throw new Error(`${context}: start after time`);
      if (point.pipeline === '') throw new Error(`${context}: point without pipeline`);
      for (const [key, value] of Object.entries(point.attributes)) {
        if (typeof value !== 'string' || Buffer.byteLength(key) > limits.maxStringBytes) {
          throw new Error(`${context}: bad attribute ${key}`);
        }
      }
      if (point.kind === 'histogram') {
        if (
          point.bucketCounts.length !== 0 &&
          point.bucketCounts.length !== point.explicitBounds.length + 1
        ) {
          throw new Error(`${context}: histogram layout`);
        }
        if (point.bucketCounts.length > limits.maxBuckets) throw new Error(`${context}: too many buckets`);
      } else if (!Number.isFinite(point.value)) throw new Error(`${context}: non-finite value`);
      else if (point.kind === 'sum' && point.monotonic && point.value < 0)
        throw new Error(`${context}: negative counter`);
    }
  }
  if (points > limits.maxPoints) throw new Error(`${context}: ${points} points over the limit`);
  for (const rejection of result.export.rejected) {
    if (!knownReasons.has(rejection.reason) || rejection.points <= 0)
      throw new Error(`${context}: bad rejection`);
  }
}

function checkedDecode(body: Uint8Array, encoding: OtlpEncoding, context: string): DecodeResult {
  const result = decodeMetricsRequest(body, encoding, limits);
  checkResult(result, context);
  return result;
}

describe('OTLP decoders under fuzzing', () => {
  it('decode hundreds of random valid requests in both encodings to the same export', () => {
    const random = new Random(0x5eed0001);
    let accepted = 0;
    for (let round = 0; round < 500; round++) {
      const request = randomRequest(random);
      const fromProtobuf = checkedDecode(
        encodeOtlpProtobuf(request, { integersAsInt: random.chance(0.5) }),
        'protobuf',
        `valid protobuf #${round}`,
      );
      const fromJson = checkedDecode(
        encodeOtlpJson(request, { integersAsInt: random.chance(0.5) }),
        'json',
        `valid json #${round}`,
      );
      expect(fromJson.ok).toBe(fromProtobuf.ok);
      if (fromProtobuf.ok && fromJson.ok) {
        expect(fromJson.export).toEqual(fromProtobuf.export);
        accepted++;
      }
    }
    // Most random requests fit the limits; the rest must have been refused for a limit.
    expect(accepted).toBeGreaterThan(330);
  });

  it('refuse or accept 4,000 mutated protobuf bodies, never anything else', () => {
    const random = new Random(0x5eed0002);
    const seeds = Array.from({ length: 40 }, () => encodeOtlpProtobuf(randomRequest(random)));
    const outcomes = new Map<string, number>();
    for (let round = 0; round < 4_000; round++) {
      let body = random.pick(seeds);
      // Stack one to three mutations.
      for (let step = 1 + random.int(3); step > 0; step--)
        body = mutateBytes(random, body, random.pick(seeds));
      const result = checkedDecode(body, 'protobuf', `mutated protobuf #${round}`);
      const outcome = result.ok ? 'ok' : result.error.reason;
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    // Both outcomes are exercised, and refusals carry more than one reason.
    expect(outcomes.get('ok')).toBeGreaterThan(100);
    expect(outcomes.get('malformed_protobuf')).toBeGreaterThan(500);
    expect(outcomes.get('limit_exceeded')).toBeGreaterThan(10);
  });

  it('refuse or accept 3,000 mutated JSON bodies, never anything else', () => {
    const random = new Random(0x5eed0003);
    const seeds = Array.from(
      { length: 40 },
      () => JSON.parse(Buffer.from(encodeOtlpJson(randomRequest(random))).toString()) as unknown,
    );
    const outcomes = new Map<string, number>();
    for (let round = 0; round < 1_000; round++) {
      const tree = mutateJsonTree(random, random.pick(seeds));
      let text = JSON.stringify(tree) ?? 'undefined';
      if (random.chance(0.4)) text = mutateJsonText(random, text);
      const result = checkedDecode(Buffer.from(text), 'json', `mutated json #${round}`);
      const outcome = result.ok ? 'ok' : result.error.reason;
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    expect(outcomes.get('ok')).toBeGreaterThan(100);
    expect(outcomes.get('malformed_json')).toBeGreaterThan(300);
  });

  it('refuse random bytes and random text', () => {
    const random = new Random(0x5eed0004);
    for (let round = 0; round < 1_000; round++) {
      const bytes = random.bytes(random.int(2048));
      checkedDecode(bytes, 'protobuf', `random bytes #${round}`);
      checkedDecode(bytes, 'json', `random bytes as json #${round}`);
    }
  });

  it('stay bounded on bodies built to be expensive', () => {
    const hostile: [string, OtlpEncoding, Uint8Array][] = [];
    // 100,000 empty resources, metrics or points: refused at the count limit, not allocated.
    for (const field of [1]) {
      const writer = new ProtobufWriter();
      for (let index = 0; index < 100_000; index++) writer.bytesField(field, new Uint8Array(0));
      hostile.push(['empty resources', 'protobuf', writer.finish()]);
    }
    const points = new ProtobufWriter();
    for (let index = 0; index < 50_000; index++) points.bytesField(1, new Uint8Array(0));
    const gauge = new ProtobufWriter().stringField(1, 'g').bytesField(5, points.finish());
    hostile.push([
      'empty points',
      'protobuf',
      new ProtobufWriter()
        .messageField(1, new ProtobufWriter().messageField(2, new ProtobufWriter().messageField(2, gauge)))
        .finish(),
    ]);
    // A packed bucket field of 200 KB.
    const buckets = new ProtobufWriter().bytesField(6, new Uint8Array(200_000));
    const histogram = new ProtobufWriter()
      .stringField(1, 'h')
      .messageField(9, new ProtobufWriter().messageField(1, buckets));
    hostile.push([
      'huge packed buckets',
      'protobuf',
      new ProtobufWriter()
        .messageField(
          1,
          new ProtobufWriter().messageField(2, new ProtobufWriter().messageField(2, histogram)),
        )
        .finish(),
    ]);
    // A nested AnyValue 20,000 levels deep.
    let nested = new ProtobufWriter().stringField(1, 'x');
    for (let level = 0; level < 20_000; level++)
      nested = new ProtobufWriter().messageField(
        6,
        new ProtobufWriter().messageField(
          1,
          new ProtobufWriter().stringField(1, 'k').messageField(2, nested),
        ),
      );
    hostile.push([
      'deep kvlist',
      'protobuf',
      new ProtobufWriter()
        .messageField(
          1,
          new ProtobufWriter().messageField(
            1,
            new ProtobufWriter().messageField(
              1,
              new ProtobufWriter().stringField(1, 'k').messageField(2, nested),
            ),
          ),
        )
        .finish(),
    ]);
    // JSON: deep arrays, many empty points, long strings.
    hostile.push(['deep json arrays', 'json', Buffer.from('['.repeat(200_000) + ']'.repeat(200_000))]);
    hostile.push([
      'many json points',
      'json',
      Buffer.from(
        JSON.stringify({
          resourceMetrics: [
            {
              scopeMetrics: [{ metrics: [{ name: 'g', gauge: { dataPoints: new Array(30_000).fill({}) } }] }],
            },
          ],
        }),
      ),
    ]);
    hostile.push([
      'long json string',
      'json',
      Buffer.from(
        JSON.stringify({
          resourceMetrics: [
            { resource: { attributes: [{ key: 'k', value: { stringValue: 'x'.repeat(200_000) } }] } },
          ],
        }),
      ),
    ]);
    for (const [what, encoding, body] of hostile) {
      const result = checkedDecode(body, encoding, what);
      expect({ what, ok: result.ok }).toEqual({ what, ok: false });
    }
  });

  it('never crash the endpoint or grow the store beyond its bounds', () => {
    const random = new Random(0x5eed0005);
    const clock = { now: 1_700_000_000_000 };
    const store = new InstanceStore({
      now: () => clock.now,
      instanceTtlMs: 30_000,
      maxInstances: 6,
      maxSeriesPerInstance: 8,
      maxAggregateSeries: 40,
      acceptMetric: () => true,
    });
    const ingest = new OtlpMetricsIngest({
      sink: store,
      now: () => clock.now,
      limits: { ...limits, reportBurstPerInstance: 5 },
    });
    for (let round = 0; round < 1_500; round++) {
      const step = random.int(2_000);
      clock.now += step;
      generatedTimeOffsetNs += step * 1e6;
      const request = randomRequest(random);
      const json = random.chance(0.5);
      let body = json ? encodeOtlpJson(request) : encodeOtlpProtobuf(request);
      if (random.chance(0.3))
        body = json
          ? Buffer.from(mutateJsonText(random, Buffer.from(body).toString()))
          : mutateBytes(random, body, body);
      const gzip = random.chance(0.2);
      const response = ingest.handle({
        contentType: json ? 'application/json' : 'application/x-protobuf',
        contentEncoding: gzip ? 'gzip' : undefined,
        authorization: undefined,
        body: gzip ? gzipSync(body) : body,
      });
      expect([200, 400, 403, 413, 429]).toContain(response.status);
      if (round % 100 === 0) store.snapshot();
    }
    const stats = store.stats();
    // No aggregate the store holds is ever non-finite, whatever the values sent.
    for (const pipeline of store.snapshot().pipelines) {
      for (const series of pipeline.series) expect(Number.isFinite(series.value)).toBe(true);
    }
    expect(stats.instances).toBeLessThanOrEqual(6);
    expect(stats.series).toBeLessThanOrEqual(6 * 8);
    expect(stats.aggregateSeries).toBeLessThanOrEqual(40);
    const counts = ingest.counts();
    expect(counts.acceptedPayloads).toBeGreaterThan(500);
    // Fewer than the payloads: random start times of one instance id are identity conflicts (403).
    expect(counts.acceptedPoints).toBeGreaterThan(200);
    // The store's own limits were reached and reported, not just the decoder's.
    expect(counts.rejectedPoints.series_limit + counts.rejectedPayloads.series_limit).toBeGreaterThan(0);
    expect(counts.rejectedPoints.instance_limit + counts.rejectedPayloads.instance_limit).toBeGreaterThan(0);
    generatedTimeOffsetNs = 0;
  });
});

// Sums, types and identities, through a whole agent over HTTP (its real wiring of tokens,
// identities, validation and caps): random reports whose values sit near the largest
// double, whose metric names come back as counter, gauge or histogram at random, whose
// instance ids, tokens and process start times collide, and whose times are sometimes a
// day off. Alongside, a victim instance reports a counter it alone owns while others claim
// its id. Nothing may throw, no aggregate may be non-finite, the caps hold, and the
// victim's counter stays exactly what it sent.
describe('the ingest under hostile sums, types and identities', () => {
  const caps = {
    maxInstances: 12,
    maxInstancesPerPipeline: 5,
    maxSeriesPerInstance: 10,
    maxSeries: 80,
    maxPipelines: 4,
  };
  const tokens = { first: 'fuzz-token-first-0123456789', second: 'fuzz-token-second-0123456789' };
  const names = [
    'streamops_consumer_lost_messages_total',
    'streamops_stage_messages_total',
    'streamops_consumer_record_age_seconds',
    'streamops_fuzz_level',
    'streamops_fuzz_count_total',
  ];
  const kinds = ['counter', 'delta', 'updown', 'gauge', 'histogram'] as const;
  const MAX_HALF = Number.MAX_VALUE / 2;
  const nearOverflow = [
    Number.MAX_VALUE,
    1e308,
    9e307,
    MAX_HALF,
    MAX_HALF * (1 + 2 ** -52),
    1e300,
    2 ** 53,
    2 ** 53 + 2,
  ];
  const day = 86_400_000;
  const saved = { ...process.env };
  let agent: RunningAgent | undefined;

  afterEach(async () => {
    jest.restoreAllMocks();
    await agent?.stop();
    agent = undefined;
    process.env = { ...saved };
  });

  function value(random: Random): number {
    return random.chance(0.6) ? random.pick(nearOverflow) : random.int(1_000);
  }

  function metricOf(random: Random, name: string, startNs: number, timeNs: number): OtlpMetric {
    const attributes = [
      { key: 'topic', value: random.pick(['a', 'b', 'c', 'd', 'e', 'f']) },
      { key: 'outcome', value: random.pick(['success', 'error']) },
    ];
    const kind = random.pick(kinds);
    const point = {
      attributes,
      startTimeUnixNano: startNs,
      timeUnixNano: timeNs,
      value: value(random),
      flags: 0,
    };
    switch (kind) {
      case 'gauge':
        return { name, unit: '', data: { type: 'gauge', points: [{ ...point, startTimeUnixNano: 0 }] } };
      case 'histogram': {
        const count = Math.min(point.value, 2 ** 53);
        return {
          name,
          unit: '',
          data: {
            type: 'histogram',
            temporality: random.chance(0.8) ? 2 : 1,
            points: [
              { ...point, count, sum: point.value, bucketCounts: [count], explicitBounds: [], flags: 0 },
            ],
          },
        };
      }
      default:
        return {
          name,
          unit: '',
          data: {
            type: 'sum',
            temporality: kind === 'delta' ? 1 : 2,
            monotonic: kind !== 'updown',
            points: [point],
          },
        };
    }
  }

  function resourceOf(
    random: Random,
    identity: { service: string; instance: string },
    metrics: OtlpMetric[],
  ): OtlpMetricsRequest['resourceMetrics'][number] {
    return {
      resourceAttributes: [
        { key: 'service.name', value: identity.service },
        { key: 'service.instance.id', value: identity.instance },
      ],
      scopeMetrics: [{ scopeName: random.pick(['', '@streamops/sdk']), metrics }],
    };
  }

  async function post(
    body: Uint8Array,
    json: boolean,
    token: string | null,
  ): Promise<{ status: number; text: string }> {
    const headers: Record<string, string> = {
      'content-type': json ? 'application/json' : 'application/x-protobuf',
    };
    if (token !== null) headers.authorization = `Bearer ${token}`;
    const response = await fetch(`${agent?.url ?? ''}/v1/metrics`, { method: 'POST', headers, body });
    return { status: response.status, text: json ? await response.text() : '' };
  }

  /** Every number in a model: finite, or null where the model could not compute it. */
  function nonFiniteNumbers(value: unknown, path: string, out: string[]): string[] {
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) out.push(`${path} = ${value}`);
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => nonFiniteNumbers(item, `${path}[${index}]`, out));
    } else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) nonFiniteNumbers(item, `${path}.${key}`, out);
    }
    return out;
  }

  it('never throws, never stores a non-finite aggregate, holds the caps and keeps the victim exact', async () => {
    process.env.FUZZ_TOKEN_FIRST = tokens.first;
    process.env.FUZZ_TOKEN_SECOND = tokens.second;
    const clock = { now: Date.now() };
    // The store the agent creates, caught at its first report.
    const stores = new Set<InstanceStore>();
    const apply = Object.getOwnPropertyDescriptor(InstanceStore.prototype, 'apply')?.value as (
      this: InstanceStore,
      report: Parameters<InstanceStore['apply']>[0],
    ) => ReturnType<InstanceStore['apply']>;
    jest.spyOn(InstanceStore.prototype, 'apply').mockImplementation(function (this: InstanceStore, report) {
      stores.add(this);
      return apply.call(this, report);
    });
    agent = await startAgent(
      parseAgentConfig({
        clusters: [{ name: 'local', brokers: ['127.0.0.1:9'] }],
        collection: { intervalSeconds: 3600 },
        server: { host: '127.0.0.1', port: 0 },
        ingest: {
          instanceTtlSeconds: 30,
          tokens: [
            { name: 'first', token: { env: 'FUZZ_TOKEN_FIRST' } },
            { name: 'second', token: { env: 'FUZZ_TOKEN_SECOND' } },
          ],
          ...caps,
        },
        pipelines: { windowSeconds: 5 },
      }),
      {
        createSource: emptyClusterSource,
        log: () => undefined,
        nowMs: () => clock.now,
        timers: { setTimeout: () => null, clearTimeout: () => undefined },
      },
    );
    await agent.collectNow();

    const random = new Random(0x5eed0006);
    const victimStartMs = clock.now + 1;
    let victimValue = 0;
    let fresh = 0;
    const statuses = new Map<number, number>();
    const check = async (round: number) => {
      await agent?.collectNow();
      expect(stores.size).toBe(1);
      const [store] = stores;
      const snapshot = store!.snapshot();
      const stats = store!.stats();
      const context = `after round ${round}`;
      const infinite = snapshot.pipelines.flatMap((pipeline) =>
        pipeline.series
          .filter(
            (series) =>
              !Number.isFinite(series.value) ||
              (series.histogram !== null &&
                (!Number.isFinite(series.histogram.count) ||
                  (series.histogram.sum !== null && !Number.isFinite(series.histogram.sum)))),
          )
          .map((series) => `${pipeline.pipeline} ${series.metric} = ${series.value}`),
      );
      expect({ context, infinite }).toEqual({ context, infinite: [] });
      expect({ context, pipelines: snapshot.pipelines.length <= caps.maxPipelines }).toEqual({
        context,
        pipelines: true,
      });
      for (const pipeline of snapshot.pipelines) {
        expect({
          context,
          pipeline: pipeline.pipeline,
          live: pipeline.liveInstances <= caps.maxInstancesPerPipeline,
        }).toEqual({
          context,
          pipeline: pipeline.pipeline,
          live: true,
        });
      }
      expect(stats.instances).toBeLessThanOrEqual(caps.maxInstances);
      expect(stats.aggregateSeries).toBeLessThanOrEqual(caps.maxSeries);
      expect(stats.series).toBeLessThanOrEqual(caps.maxInstances * caps.maxSeriesPerInstance);
      expect({ context, models: nonFiniteNumbers(agent?.pipelines(), 'models', []) }).toEqual({
        context,
        models: [],
      });
      // The victim's counter is its own: exactly its last cumulative value.
      const victim = snapshot.pipelines.find((pipeline) => pipeline.pipeline === 'victim');
      const owned = victim?.series.find(
        (series) => series.metric === names[0] && series.attributes.topic === 'v',
      );
      expect({ context, victim: owned?.value }).toEqual({ context, victim: victimValue });
    };

    for (let round = 0; round < 400; round++) {
      clock.now += 1_000 + random.int(500);
      generatedTimeOffsetNs = 0;
      // The victim, first in the store (its pipeline, instance and series fit every cap).
      victimValue += 1 + random.int(5);
      const victimBody = encodeOtlpJson(
        counterExport({
          serviceName: 'victim',
          instanceId: 'victim-1',
          scopeName: '@streamops/sdk',
          metric: names[0]!,
          points: [
            { attributes: { topic: 'v' }, startMs: victimStartMs, timeMs: clock.now, value: victimValue },
          ],
        }),
      );
      const victimAnswer = await post(victimBody, true, tokens.first);
      expect({ round, status: victimAnswer.status, body: victimAnswer.text }).toEqual({
        round,
        status: 200,
        body: '{}',
      });

      // One well-identified instance that invents new metric names every round: past its
      // series cap, its new series are refused (the others' churn never fills the store).
      const hogMetrics: OtlpMetric[] = [0, 1, 2].map((index) =>
        counterMetric({
          metric: `streamops_hog_${round}_${index}_total`,
          points: [{ startMs: victimStartMs, timeMs: clock.now, value: 1 }],
        }),
      );
      const hog = await post(
        encodeOtlpJson({
          resourceMetrics: [resourceOf(random, { service: 'hog', instance: 'hog-1' }, hogMetrics)],
        }),
        true,
        tokens.first,
      );
      expect([200, 400]).toContain(hog.status);

      // Someone else claims the victim's id: another token, or the same one with another start time.
      if (round > 0 && random.chance(0.3)) {
        const other = random.chance(0.5);
        const startMs = other ? victimStartMs : victimStartMs - 1 - random.int(100_000);
        const claim = encodeOtlpJson({
          resourceMetrics: [
            resourceOf(random, { service: 'victim', instance: 'victim-1' }, [
              metricOf(random, names[0]!, startMs * 1e6, clock.now * 1e6),
              counterMetric({
                metric: names[0]!,
                points: [{ attributes: { topic: 'v' }, startMs, timeMs: clock.now, value: value(random) }],
              }),
            ]),
          ],
        });
        const answer = await post(claim, true, other ? tokens.second : tokens.first);
        expect({ round, claim: answer.status }).toEqual({ round, claim: 403 });
      }

      // Everyone else: colliding ids, tokens and start times, near-overflow values, changing types.
      for (let request = 1 + random.int(3); request > 0; request--) {
        const resources = Array.from({ length: 1 + random.int(3) }, () => {
          const identity = {
            service: `p${random.int(6)}`,
            instance: random.chance(0.3) ? `fresh-${fresh++}` : `i-${random.int(20)}`,
          };
          const startMs = victimStartMs + random.pick([0, 0, 0, 1_000, 60_000]);
          const skew = random.chance(0.05) ? random.pick([day, -2 * day]) : -random.int(500);
          const timeMs = clock.now + skew;
          const metrics = Array.from({ length: 1 + random.int(4) }, () =>
            metricOf(
              random,
              random.chance(0.4) ? `streamops_fuzz_${random.int(40)}_total` : random.pick(names),
              startMs * 1e6,
              timeMs * 1e6,
            ),
          );
          return resourceOf(random, identity, metrics);
        });
        const json = random.chance(0.5);
        const request: OtlpMetricsRequest = { resourceMetrics: resources };
        const token = random.chance(0.02) ? null : random.chance(0.5) ? tokens.first : tokens.second;
        const answer = await post(json ? encodeOtlpJson(request) : encodeOtlpProtobuf(request), json, token);
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        expect([200, 400, 401, 403, 429]).toContain(answer.status);
      }
      if (round % 40 === 39) await check(round);
    }
    await check(400);

    // The fuzz reached every refusal it is about, not only the decoder's.
    const text = await (await fetch(`${agent.url}/metrics`)).text();
    const refused = new Map<string, number>();
    for (const match of text.matchAll(
      /^streamops_ingest_rejected_(?:payloads|points)_total\{reason="([a-z_]+)"\} (\S+)$/gm,
    )) {
      refused.set(match[1]!, (refused.get(match[1]!) ?? 0) + Number(match[2]));
    }
    for (const reason of [
      'value_overflow',
      'type_conflict',
      'identity_conflict',
      'timestamp_skew',
      'instance_limit',
      'series_limit',
      'pipeline_limit',
      'unauthorized',
    ]) {
      expect({ reason, refused: (refused.get(reason) ?? 0) > 0 }).toEqual({ reason, refused: true });
    }
    expect(statuses.get(200)).toBeGreaterThan(100);
  });
});
