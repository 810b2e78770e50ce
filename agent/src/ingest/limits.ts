/**
 * Limits of OTLP ingest and the reasons a payload or a point is rejected.
 *
 * Everything a client sends is bounded before it costs memory: the body size, the number
 * of resources, metrics, points, attributes and histogram buckets per request, the length
 * of every string, plus per-instance series and a per-instance report rate. Each limit has
 * a rejection reason, and reasons are the values of the `reason` label of the rejection
 * counters, so their set is fixed here.
 */

/** Why a payload (or some of its points) was not accepted. The string is the counter's label value. */
export enum IngestRejectionReason {
  /** No or a wrong bearer token. */
  Unauthorized = 'unauthorized',
  /** Content-Type is neither OTLP protobuf nor OTLP JSON. */
  UnsupportedMediaType = 'unsupported_media_type',
  /** Content-Encoding is neither identity nor gzip. */
  UnsupportedEncoding = 'unsupported_encoding',
  /** The body, compressed or decompressed, is larger than the limit. */
  BodyTooLarge = 'body_too_large',
  /** The body is not a valid protobuf ExportMetricsServiceRequest. */
  MalformedProtobuf = 'malformed_protobuf',
  /** The body is not valid OTLP JSON. */
  MalformedJson = 'malformed_json',
  /** Well-formed, but breaks a count or length limit (resources, points, attributes, strings, buckets). */
  LimitExceeded = 'limit_exceeded',
  /** A data point or metric that OTLP itself declares invalid (no time, bad buckets, negative counter...). */
  InvalidDataPoint = 'invalid_data_point',
  /** A resource without service.name or an instance id. */
  MissingIdentity = 'missing_identity',
  /** The instance (or the agent) already has the maximum number of series; retrying does not help. */
  SeriesLimit = 'series_limit',
  /** The agent already tracks the maximum number of instances. */
  InstanceLimit = 'instance_limit',
  /** The instance (or all clients together) sent reports faster than allowed. */
  RateLimited = 'rate_limited',
  /** The token is valid but not bound to the pipeline the resource reports for. */
  ForbiddenPipeline = 'forbidden_pipeline',
  /** The instance id is already held by another token, or by a process with another start time. */
  IdentityConflict = 'identity_conflict',
  /** A value, or the sum of a series' values over instances, is beyond what the model can add up. */
  ValueOverflow = 'value_overflow',
  /** A series changed type (counter, gauge, histogram), or a counter's name arrived as a gauge. */
  TypeConflict = 'type_conflict',
  /** A point's time is further in the future or the past than the configured skew allows. */
  TimestampSkew = 'timestamp_skew',
  /** The agent already tracks the maximum number of pipelines. */
  PipelineLimit = 'pipeline_limit',
}

/** Every rejection reason, in declaration order (for pre-creating counter series). */
export const ingestRejectionReasons: readonly IngestRejectionReason[] = Object.values(IngestRejectionReason);

/** HTTP status that answers a request rejected as a whole for `reason`. */
export function httpStatusForRejection(reason: IngestRejectionReason): number {
  switch (reason) {
    case IngestRejectionReason.Unauthorized:
      return 401;
    case IngestRejectionReason.UnsupportedMediaType:
    case IngestRejectionReason.UnsupportedEncoding:
      return 415;
    case IngestRejectionReason.BodyTooLarge:
      return 413;
    case IngestRejectionReason.ForbiddenPipeline:
    case IngestRejectionReason.IdentityConflict:
      return 403;
    // Retrying later can succeed: tokens refill, silent instances expire.
    case IngestRejectionReason.RateLimited:
    case IngestRejectionReason.InstanceLimit:
    case IngestRejectionReason.PipelineLimit:
      return 429;
    default:
      return 400;
  }
}

/** Size and count limits applied while decoding one request. */
export interface DecodeLimits {
  /** Largest body accepted, before and after decompression. */
  readonly maxBodyBytes: number;
  /** ResourceMetrics entries per request (one per reporting instance, usually one). */
  readonly maxResources: number;
  /** Metrics per request, over all resources and scopes. */
  readonly maxMetrics: number;
  /** Data points per request, over all metrics (summaries and exponential histograms included). */
  readonly maxPoints: number;
  /** Attributes per request: resource, scope and point attributes together. */
  readonly maxAttributes: number;
  /** Attributes on one resource, scope or point. */
  readonly maxAttributesPerSet: number;
  /** Bytes of one string (attribute key or value, metric name or unit, scope name). */
  readonly maxStringBytes: number;
  /** Bucket counts (and bounds + 1) of one histogram point. */
  readonly maxBuckets: number;
}

/** Limits of one agent's ingest: decoding, plus rates per reporting instance. */
export interface IngestLimits extends DecodeLimits {
  /** Reports per second one instance may send on average. */
  readonly reportsPerSecondPerInstance: number;
  /** Reports one instance may send at once after a quiet period. */
  readonly reportBurstPerInstance: number;
  /** Requests per second from all clients together; null for no global limit. */
  readonly requestsPerSecond: number | null;
  /** Requests all clients may send at once; used with `requestsPerSecond`. */
  readonly requestBurst: number;
  /** Instances whose rate is tracked at once; idle ones are forgotten first. */
  readonly maxRateLimitedInstances: number;
}

/**
 * Defaults sized for about a thousand instances reporting a few hundred series each per
 * second, with room for an OpenTelemetry SDK that batches several instruments per export.
 */
export const defaultIngestLimits: IngestLimits = {
  maxBodyBytes: 4 * 1024 * 1024,
  maxResources: 64,
  maxMetrics: 5_000,
  maxPoints: 20_000,
  maxAttributes: 100_000,
  maxAttributesPerSet: 128,
  maxStringBytes: 4_096,
  maxBuckets: 256,
  reportsPerSecondPerInstance: 5,
  reportBurstPerInstance: 20,
  requestsPerSecond: null,
  requestBurst: 1_000,
  maxRateLimitedInstances: 20_000,
};

function isPositiveInteger(value: number): boolean {
  return Number.isSafeInteger(value) && value > 0;
}

/**
 * Limits with `overrides` applied, checked.
 *
 * @throws RangeError naming the first limit that is not a positive number (counts must be
 *   positive integers; rates positive and finite).
 */
export function resolveIngestLimits(overrides: Partial<IngestLimits> = {}): IngestLimits {
  const limits: IngestLimits = { ...defaultIngestLimits, ...overrides };
  const counts: (keyof IngestLimits)[] = [
    'maxBodyBytes',
    'maxResources',
    'maxMetrics',
    'maxPoints',
    'maxAttributes',
    'maxAttributesPerSet',
    'maxStringBytes',
    'maxBuckets',
    'reportBurstPerInstance',
    'requestBurst',
    'maxRateLimitedInstances',
  ];
  for (const name of counts) {
    const value = limits[name];
    if (typeof value !== 'number' || !isPositiveInteger(value)) {
      throw new RangeError(`ingest limit ${name} must be a positive integer, got ${String(value)}`);
    }
  }
  const rate = limits.reportsPerSecondPerInstance;
  if (!Number.isFinite(rate) || rate <= 0) {
    throw new RangeError(`ingest limit reportsPerSecondPerInstance must be a positive number, got ${rate}`);
  }
  const globalRate = limits.requestsPerSecond;
  if (globalRate !== null && (!Number.isFinite(globalRate) || globalRate <= 0)) {
    throw new RangeError(
      `ingest limit requestsPerSecond must be a positive number or null, got ${globalRate}`,
    );
  }
  return limits;
}

/** Answer of a rate limiter. */
export interface RateDecision {
  readonly allowed: boolean;
  /** Seconds until one token is available again (0 when allowed). */
  readonly retryAfterSeconds: number;
}

/**
 * A token bucket: `burst` tokens at most, refilled at `ratePerSecond`. Time comes from an
 * injected clock in milliseconds; a clock that goes backwards refills nothing.
 */
export class TokenBucket {
  private tokens: number;
  private updatedMs: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    nowMs: number,
  ) {
    if (!Number.isFinite(ratePerSecond) || ratePerSecond <= 0) {
      throw new RangeError(`ratePerSecond must be a positive number, got ${ratePerSecond}`);
    }
    if (!Number.isFinite(burst) || burst < 1) {
      throw new RangeError(`burst must be at least 1, got ${burst}`);
    }
    this.tokens = burst;
    this.updatedMs = nowMs;
  }

  private refill(nowMs: number): void {
    if (nowMs > this.updatedMs) {
      this.tokens = Math.min(
        this.burst,
        this.tokens + ((nowMs - this.updatedMs) / 1000) * this.ratePerSecond,
      );
      this.updatedMs = nowMs;
    }
  }

  /** Takes one token when there is one. */
  tryTake(nowMs: number): RateDecision {
    this.refill(nowMs);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { allowed: true, retryAfterSeconds: 0 };
    }
    return { allowed: false, retryAfterSeconds: (1 - this.tokens) / this.ratePerSecond };
  }

  /** True when the bucket is full at `nowMs`: forgetting it then loses nothing. */
  isFull(nowMs: number): boolean {
    this.refill(nowMs);
    return this.tokens >= this.burst;
  }
}

/** Options of {@link KeyedRateLimiter}. */
export interface KeyedRateLimiterOptions {
  readonly ratePerSecond: number;
  readonly burst: number;
  /** Keys tracked at once. */
  readonly maxKeys: number;
  /** Clock in epoch milliseconds. */
  readonly now: () => number;
}

/**
 * One token bucket per key (per reporting instance), with a bounded number of keys.
 *
 * When a new key arrives at the bound, buckets that have refilled completely are dropped
 * first (a full bucket is what a new key gets anyway, so nothing is lost); if none is full,
 * the least recently used one is dropped, which can only make the limiter more lenient.
 */
export class KeyedRateLimiter {
  // Map iteration order is insertion order; re-inserting on use keeps it least recently used first.
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly options: KeyedRateLimiterOptions) {
    if (!isPositiveInteger(options.maxKeys)) {
      throw new RangeError(`maxKeys must be a positive integer, got ${options.maxKeys}`);
    }
    // Validates rate and burst once, up front.
    new TokenBucket(options.ratePerSecond, options.burst, 0);
  }

  /** Takes one token from `key`'s bucket. */
  tryTake(key: string): RateDecision {
    const nowMs = this.options.now();
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size >= this.options.maxKeys) this.evict(nowMs);
      bucket = new TokenBucket(this.options.ratePerSecond, this.options.burst, nowMs);
    } else {
      this.buckets.delete(key);
    }
    this.buckets.set(key, bucket);
    return bucket.tryTake(nowMs);
  }

  /** Keys currently tracked. */
  get size(): number {
    return this.buckets.size;
  }

  private evict(nowMs: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.isFull(nowMs)) this.buckets.delete(key);
    }
    if (this.buckets.size < this.options.maxKeys) return;
    const oldest = this.buckets.keys().next();
    if (oldest.done !== true) this.buckets.delete(oldest.value);
  }
}
