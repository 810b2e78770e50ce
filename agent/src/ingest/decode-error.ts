import { IngestRejectionReason, type DecodeLimits } from './limits';

/**
 * A payload the agent will not accept, with the reason (the counter label) and a message
 * for the client. Decoders throw it internally and the public decode functions return it;
 * nothing else escapes them.
 */
export class OtlpDecodeError extends Error {
  override readonly name = 'OtlpDecodeError';

  constructor(
    readonly reason: IngestRejectionReason,
    message: string,
  ) {
    super(message);
  }
}

/** Raised while reading protobuf: always a malformed body. */
export function malformedProtobuf(message: string): OtlpDecodeError {
  return new OtlpDecodeError(IngestRejectionReason.MalformedProtobuf, message);
}

/** Raised while reading JSON: always a malformed body. */
export function malformedJson(message: string): OtlpDecodeError {
  return new OtlpDecodeError(IngestRejectionReason.MalformedJson, message);
}

/**
 * Counts what one request has decoded so far against the limits, so that neither decoder
 * can be made to allocate more than the limits allow, whatever the body claims.
 */
export class DecodeBudget {
  private resources = 0;
  private metrics = 0;
  private points = 0;
  private attributes = 0;

  constructor(readonly limits: DecodeLimits) {}

  private exceeded(what: string, limit: number): OtlpDecodeError {
    return new OtlpDecodeError(
      IngestRejectionReason.LimitExceeded,
      `more than ${limit} ${what} in one request`,
    );
  }

  /** Accounts for one more ResourceMetrics. */
  takeResource(): void {
    if (++this.resources > this.limits.maxResources)
      throw this.exceeded('resources', this.limits.maxResources);
  }

  /** Accounts for one more metric. */
  takeMetric(): void {
    if (++this.metrics > this.limits.maxMetrics) throw this.exceeded('metrics', this.limits.maxMetrics);
  }

  /** Accounts for one more data point (of any type, skipped ones included). */
  takePoint(): void {
    if (++this.points > this.limits.maxPoints) throw this.exceeded('data points', this.limits.maxPoints);
  }

  /** Accounts for one more attribute in a set that already holds `inSet` attributes. */
  takeAttribute(inSet: number): void {
    if (++this.attributes > this.limits.maxAttributes) {
      throw this.exceeded('attributes', this.limits.maxAttributes);
    }
    if (inSet >= this.limits.maxAttributesPerSet) {
      throw new OtlpDecodeError(
        IngestRejectionReason.LimitExceeded,
        `more than ${this.limits.maxAttributesPerSet} attributes on one resource, scope or point`,
      );
    }
  }

  /** Checks the size of a string before it is decoded. */
  checkStringBytes(bytes: number, what: string): void {
    if (bytes > this.limits.maxStringBytes) {
      throw new OtlpDecodeError(
        IngestRejectionReason.LimitExceeded,
        `${what} is ${bytes} bytes long; the limit is ${this.limits.maxStringBytes}`,
      );
    }
  }

  /** Checks the number of histogram buckets (or bounds) of one point before they are allocated. */
  checkBuckets(count: number, what: string): void {
    if (count > this.limits.maxBuckets) {
      throw new OtlpDecodeError(
        IngestRejectionReason.LimitExceeded,
        `a histogram point has ${count} ${what}; the limit is ${this.limits.maxBuckets}`,
      );
    }
  }
}
