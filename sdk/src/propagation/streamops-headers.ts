import { type KafkaMessageHeaders } from './kafka-headers';

/**
 * Names of the headers the SDK adds to produced messages, next to W3C `traceparent`
 * (and `tracestate` when set). All are ASCII; together they cost about 80 bytes per
 * message (the benchmark measures it).
 */
export const streamopsHeaderNames = {
  /** Milliseconds since the Unix epoch when the message first entered a streamops pipeline. Kept when forwarded. */
  originTimestamp: 'streamops-origin-ts',
  /** `<instance>.<epoch>`: a random id per producer instance, and a counter bumped after a failed send. */
  producerId: 'streamops-producer-id',
  /** Position of the message in its producer id's sequence for its topic-partition, from 0. */
  sequence: 'streamops-seq',
} as const;

/** Why a header was ignored; the `reason` label of streamops_consumer_ignored_headers_total. */
export type IgnoredHeaderReason = 'malformed' | 'repeated' | 'incomplete' | 'trace_context';

/** One producer sequence: a producer instance and its epoch. */
export interface ProducerStreamId {
  /** The id as written in the header, used as a map key. */
  readonly text: string;
  readonly instance: string;
  readonly epoch: number;
}

/** Formats a producer id header value. */
export function formatProducerId(instance: string, epoch: number): string {
  return `${instance}.${epoch}`;
}

const maxDigits = 15; // below 2^53, so every value is an exact JavaScript number
const maxInstanceLength = 32;
const maxEpochDigits = 9;

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function isInstanceCharacter(code: number): boolean {
  return isDigit(code) || (code >= 97 && code <= 122);
}

/** Parses a non-negative decimal integer without allocating; -1 when malformed. */
export function parseDecimal(value: Buffer | string): number {
  const length = value.length;
  if (length === 0 || length > maxDigits) return -1;
  let result = 0;
  for (let index = 0; index < length; index++) {
    const code = typeof value === 'string' ? value.charCodeAt(index) : value[index]!;
    if (!isDigit(code)) return -1;
    result = result * 10 + (code - 48);
  }
  return result;
}

/** Position of the '.' in a well-formed producer id (`[0-9a-z]{1,32}\.[0-9]{1,9}`), else -1. */
function producerIdDot(value: Buffer | string): number {
  let dot = -1;
  for (let index = 0; index < value.length; index++) {
    const code = typeof value === 'string' ? value.charCodeAt(index) : value[index]!;
    if (code === 46 && dot === -1) dot = index;
    else if (dot === -1 ? !isInstanceCharacter(code) : !isDigit(code)) return -1;
  }
  if (dot < 1 || dot > maxInstanceLength) return -1;
  const epochDigits = value.length - dot - 1;
  return epochDigits >= 1 && epochDigits <= maxEpochDigits ? dot : -1;
}

/**
 * Reads the streamops headers of consumed messages. One reader is reused for every
 * message of a consumer: its fields are overwritten by each {@link read}, so the hot
 * path allocates nothing but, for a producer id not seen just before, its string.
 *
 * Malformed, repeated and incomplete headers are ignored (the field stays unset) and
 * reported through `onIgnored`; reading never throws on any header content.
 */
export class StreamopsHeaderReader {
  /** Origin timestamp in ms, or -1. */
  originTimestampMs = -1;
  /** Sequence number, or -1 (also when the producer id is missing or bad). */
  sequence = -1;
  /** Producer stream, or undefined. */
  producer: ProducerStreamId | undefined = undefined;

  private lastProducerBytes: Buffer | undefined = undefined;
  private lastProducer: ProducerStreamId | undefined = undefined;

  constructor(private readonly onIgnored: (reason: IgnoredHeaderReason) => void) {}

  read(headers: KafkaMessageHeaders | undefined): void {
    this.originTimestampMs = -1;
    this.sequence = -1;
    this.producer = undefined;
    if (headers === undefined || headers === null) return;

    const origin = this.single(headers[streamopsHeaderNames.originTimestamp]);
    if (origin !== undefined) {
      this.originTimestampMs = parseDecimal(origin);
      if (this.originTimestampMs < 0) this.onIgnored('malformed');
    }

    const producerValue = this.single(headers[streamopsHeaderNames.producerId]);
    if (producerValue !== undefined) {
      this.producer = this.producerStream(producerValue);
      if (this.producer === undefined) this.onIgnored('malformed');
    }

    const sequenceValue = this.single(headers[streamopsHeaderNames.sequence]);
    if (sequenceValue !== undefined) {
      const sequence = parseDecimal(sequenceValue);
      if (sequence < 0) this.onIgnored('malformed');
      else if (this.producer === undefined) {
        // A sequence means nothing without the stream it belongs to.
        if (producerValue === undefined) this.onIgnored('incomplete');
      } else this.sequence = sequence;
    }
  }

  /** The value of a header that must appear once; repeated ones are ignored. */
  private single(value: KafkaMessageHeaders[string]): Buffer | string | undefined {
    if (value === undefined || value === null) return undefined;
    if (Array.isArray(value)) {
      if (value.length === 1) return this.single(value[0]);
      if (value.length > 1) this.onIgnored('repeated');
      return undefined;
    }
    if (typeof value === 'string' || Buffer.isBuffer(value)) return value;
    this.onIgnored('malformed');
    return undefined;
  }

  private producerStream(value: Buffer | string): ProducerStreamId | undefined {
    // Consecutive messages mostly come from the same producer: reuse its parsed id.
    if (
      Buffer.isBuffer(value) &&
      this.lastProducerBytes !== undefined &&
      value.equals(this.lastProducerBytes)
    ) {
      return this.lastProducer;
    }
    const dot = producerIdDot(value);
    if (dot < 0) return undefined;
    const text = typeof value === 'string' ? value : value.toString('latin1');
    const producer: ProducerStreamId = {
      text,
      instance: text.slice(0, dot),
      epoch: parseDecimal(text.slice(dot + 1)),
    };
    if (Buffer.isBuffer(value)) {
      this.lastProducerBytes = Buffer.from(value);
      this.lastProducer = producer;
    }
    return producer;
  }
}

/** Writes the streamops headers into a headers object (replacing earlier values). */
export function writeStreamopsHeaders(
  headers: KafkaMessageHeaders,
  originTimestampMs: number,
  producerId: string | undefined,
  sequence: number | undefined,
): void {
  headers[streamopsHeaderNames.originTimestamp] = String(originTimestampMs);
  if (producerId !== undefined) headers[streamopsHeaderNames.producerId] = producerId;
  if (sequence !== undefined) headers[streamopsHeaderNames.sequence] = String(sequence);
}
