import {
  decodeContentEncoding,
  decodeMetricsRequest,
  encodingOfContentType,
  type OtlpEncoding,
} from './decode';
import { OtlpDecodeError } from './decode-error';
import {
  httpStatusForRejection,
  IngestRejectionReason,
  ingestRejectionReasons,
  KeyedRateLimiter,
  resolveIngestLimits,
  TokenBucket,
  type IngestLimits,
} from './limits';
import { InstanceIdentities } from './instance-identity';
import { ThrottledLog } from '../logging/throttled-log';
import { type MetricReport, type PointRejection } from './report';
import { encodeErrorStatus, encodeExportResponse, otlpContentType, rpcCodeForHttpStatus } from './responses';
import {
  defaultTokenName,
  IngestTokens,
  mayReport,
  type IngestPrincipal,
  type IngestTokenSpec,
} from './tokens';

/** Where accepted reports go (the instance store). */
export interface ReportSink {
  apply(report: MetricReport): {
    readonly acceptedPoints: number;
    readonly ignoredPoints: number;
    readonly rejected: readonly PointRejection[];
  };
}

/** The parts of a `POST /v1/metrics` request the handler reads. */
export interface OtlpHttpRequest {
  readonly contentType: string | undefined;
  readonly contentEncoding: string | undefined;
  readonly authorization: string | undefined;
  /** The raw body, as received (still compressed when Content-Encoding says so). */
  readonly body: Uint8Array;
}

/** What to send back. */
export interface OtlpHttpResponse {
  readonly status: number;
  readonly contentType: string;
  /** Extra headers: `Retry-After` on 429, `WWW-Authenticate` on 401. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
  /** Why the request was refused as a whole; null when it was accepted (maybe partly). */
  readonly rejection: { readonly reason: IngestRejectionReason; readonly message: string } | null;
}

/** Counts since start, for the ingest metrics. */
export interface IngestCounts {
  readonly acceptedPayloads: number;
  readonly acceptedPoints: number;
  /** Points accepted but not kept (unsupported types, filtered metrics, old points). */
  readonly ignoredPoints: number;
  /** Requests refused as a whole, by reason (every reason present, 0 included). */
  readonly rejectedPayloads: Readonly<Record<IngestRejectionReason, number>>;
  /** Points refused inside accepted requests, by reason (every reason present). */
  readonly rejectedPoints: Readonly<Record<IngestRejectionReason, number>>;
}

/** Options of {@link OtlpMetricsIngest}. */
export interface OtlpIngestOptions {
  readonly sink: ReportSink;
  /** Clock in epoch milliseconds (rate limits). */
  readonly now: () => number;
  /** Limits; defaults in limits.ts. */
  readonly limits?: Partial<IngestLimits>;
  /**
   * When set, requests must carry `Authorization: Bearer <token>`; the token is named
   * `default` and may report every pipeline. Adds to `tokens`.
   */
  readonly bearerToken?: string | null;
  /** Named tokens, optionally bound to pipelines; with none (and no `bearerToken`), ingest is open. */
  readonly tokens?: readonly IngestTokenSpec[];
  /**
   * Binding of instance ids to the token and process start time that first reported them
   * (see instance-identity.ts): the instance store's TTL and instance bound. Defaults:
   * 60 s and 5,000, the store's.
   */
  readonly identity?: { readonly ttlMs: number; readonly maxInstances: number };
  /**
   * Where refusals are logged: at most one line per reason a minute, naming the instance or
   * series and how many refusals the minute left out (the client is told every time, but
   * the SDK cannot show partial successes, so the operator needs this). Default: not logged.
   */
  readonly log?: (line: string) => void;
}

// Partial-success messages list a few reasons, not an unbounded text.
const MAX_MESSAGE_LENGTH = 1_000;

function zeroCounts(): Record<IngestRejectionReason, number> {
  const counts = {} as Record<IngestRejectionReason, number>;
  for (const reason of ingestRejectionReasons) counts[reason] = 0;
  return counts;
}

/**
 * The OTLP/HTTP metrics endpoint without the HTTP server: authorisation, content type and
 * encoding, size limits, decoding, per-instance rate limits, the store, and the answer.
 *
 * Answers follow OTLP/HTTP: 200 with an ExportMetricsServiceResponse (with partial_success
 * when some points were refused), or a 4xx with a google.rpc.Status body in the request's
 * encoding (JSON when the content type is unsupported). A request whose every point is
 * refused is refused as a whole with the most common reason. 429 answers carry Retry-After.
 */
export class OtlpMetricsIngest {
  readonly limits: IngestLimits;
  private readonly instanceLimiter: KeyedRateLimiter;
  private readonly globalLimiter: TokenBucket | null;
  private readonly tokens: IngestTokens;
  private readonly identities: InstanceIdentities;
  private acceptedPayloads = 0;
  private acceptedPoints = 0;
  private ignoredPoints = 0;
  private readonly rejectedPayloads = zeroCounts();
  private readonly rejectedPoints = zeroCounts();
  private readonly refusalLog: ThrottledLog | null;

  /** @throws RangeError on invalid limits, an empty bearer token, or tokens IngestTokens refuses. */
  constructor(private readonly options: OtlpIngestOptions) {
    this.limits = resolveIngestLimits(options.limits);
    this.instanceLimiter = new KeyedRateLimiter({
      ratePerSecond: this.limits.reportsPerSecondPerInstance,
      burst: this.limits.reportBurstPerInstance,
      maxKeys: this.limits.maxRateLimitedInstances,
      now: options.now,
    });
    this.globalLimiter =
      this.limits.requestsPerSecond === null
        ? null
        : new TokenBucket(this.limits.requestsPerSecond, this.limits.requestBurst, options.now());
    const token = options.bearerToken ?? null;
    if (token !== null && token.trim() === '') throw new RangeError('bearerToken must not be empty');
    this.tokens = new IngestTokens([
      ...(token === null ? [] : [{ name: defaultTokenName, token }]),
      ...(options.tokens ?? []),
    ]);
    this.refusalLog =
      options.log === undefined ? null : new ThrottledLog({ log: options.log, now: options.now });
    this.identities = new InstanceIdentities({
      ttlMs: options.identity?.ttlMs ?? 60_000,
      maxInstances: options.identity?.maxInstances ?? 5_000,
      now: options.now,
    });
  }

  /** Handles one request. Never throws. */
  handle(request: OtlpHttpRequest): OtlpHttpResponse {
    const encoding = encodingOfContentType(request.contentType);
    // Errors before the encoding is known are answered in JSON.
    const answerEncoding: OtlpEncoding = encoding ?? 'json';

    const principal = this.tokens.authenticate(request.authorization);
    if (principal === null) return this.unauthorised(request.contentType);
    if (this.globalLimiter !== null) {
      const decision = this.globalLimiter.tryTake(this.options.now());
      if (!decision.allowed) {
        return this.refuse(
          answerEncoding,
          IngestRejectionReason.RateLimited,
          'the agent receives too many requests',
          {
            'Retry-After': retryAfter(decision.retryAfterSeconds),
          },
        );
      }
    }
    if (encoding === null) {
      return this.refuse(
        'json',
        IngestRejectionReason.UnsupportedMediaType,
        `Content-Type ${JSON.stringify(request.contentType ?? '')} is not supported; send application/x-protobuf or application/json`,
      );
    }
    if (request.body.length > this.limits.maxBodyBytes) {
      return this.refuse(
        encoding,
        IngestRejectionReason.BodyTooLarge,
        `body is ${request.body.length} bytes; the limit is ${this.limits.maxBodyBytes}`,
      );
    }

    let body: Uint8Array;
    try {
      body = decodeContentEncoding(request.body, request.contentEncoding, encoding, this.limits.maxBodyBytes);
    } catch (error) {
      const failure =
        error instanceof OtlpDecodeError
          ? error
          : new OtlpDecodeError(IngestRejectionReason.UnsupportedEncoding, 'could not decode the body');
      return this.refuse(encoding, failure.reason, failure.message);
    }
    const decoded = decodeMetricsRequest(body, encoding, this.limits);
    if (!decoded.ok) return this.refuse(encoding, decoded.error.reason, decoded.error.message);

    const rejections: PointRejection[] = [...decoded.export.rejected];
    let accepted = 0;
    let ignored = decoded.export.ignoredPoints;
    let retryAfterSeconds = 0;
    for (const decodedReport of decoded.export.reports) {
      const report = this.allowedPart(decodedReport, principal, rejections);
      if (report === null) continue;
      // Before the rate limit: another process's claims must not spend this instance's budget.
      const identity = this.identities.check(report, principal.name);
      if (!identity.ok) {
        rejections.push({
          reason: IngestRejectionReason.IdentityConflict,
          points: report.points.length,
          message: identity.message,
        });
        continue;
      }
      const decision = this.instanceLimiter.tryTake(report.instanceKey);
      if (!decision.allowed) {
        retryAfterSeconds = Math.max(retryAfterSeconds, decision.retryAfterSeconds);
        rejections.push({
          reason: IngestRejectionReason.RateLimited,
          points: report.points.length,
          message: `instance ${report.instance.serviceInstanceId} of ${report.instance.serviceName} reports more often than ${this.limits.reportsPerSecondPerInstance} times per second`,
        });
        continue;
      }
      const result = this.options.sink.apply(report);
      if (result.acceptedPoints + result.ignoredPoints > 0) {
        this.identities.record(report, principal.name);
      }
      accepted += result.acceptedPoints;
      ignored += result.ignoredPoints;
      rejections.push(...result.rejected);
    }

    const rejectedTotal = rejections.reduce((sum, rejection) => sum + rejection.points, 0);
    if (rejectedTotal > 0 && accepted === 0 && ignored === 0) {
      const main = mainRejection(rejections);
      const headers: Record<string, string> =
        main.reason === IngestRejectionReason.RateLimited
          ? { 'Retry-After': retryAfter(retryAfterSeconds) }
          : {};
      return this.refuse(encoding, main.reason, main.message, headers);
    }

    this.acceptedPayloads++;
    this.acceptedPoints += accepted;
    this.ignoredPoints += ignored;
    for (const rejection of rejections) {
      this.rejectedPoints[rejection.reason] += rejection.points;
      this.logRefusal(rejection.reason, `refused ${rejection.points} points: ${rejection.message}`);
    }
    return {
      status: 200,
      contentType: otlpContentType(encoding),
      headers: {},
      body: encodeExportResponse(
        encoding,
        rejectedTotal === 0
          ? null
          : { rejectedDataPoints: rejectedTotal, errorMessage: summarise(rejections) },
      ),
      rejection: null,
    };
  }

  /**
   * The 401 answer (counted) when a bearer token is required and `authorization` does not
   * carry it; null when the request may go on. `handle` calls it first; an HTTP layer can
   * call it before reading the body, so that unauthenticated clients cost nothing more.
   */
  checkAuthorization(
    contentType: string | undefined,
    authorization: string | undefined,
  ): OtlpHttpResponse | null {
    return this.tokens.authenticate(authorization) === null ? this.unauthorised(contentType) : null;
  }

  /** True when requests must carry a token. */
  get authenticationRequired(): boolean {
    return this.tokens.required;
  }

  private unauthorised(contentType: string | undefined): OtlpHttpResponse {
    return this.refuse(
      encodingOfContentType(contentType) ?? 'json',
      IngestRejectionReason.Unauthorized,
      'missing or wrong bearer token',
      { 'WWW-Authenticate': 'Bearer' },
    );
  }

  /**
   * Refuses a request the HTTP layer could not read (its body limit or an encoding it
   * does not inflate), with the same answer and counting as the handler's own refusals.
   */
  refuseRequest(
    contentType: string | undefined,
    reason: IngestRejectionReason,
    message: string,
  ): OtlpHttpResponse {
    return this.refuse(encodingOfContentType(contentType) ?? 'json', reason, message);
  }

  /** Counts since start. */
  counts(): IngestCounts {
    return {
      acceptedPayloads: this.acceptedPayloads,
      acceptedPoints: this.acceptedPoints,
      ignoredPoints: this.ignoredPoints,
      rejectedPayloads: { ...this.rejectedPayloads },
      rejectedPoints: { ...this.rejectedPoints },
    };
  }

  /**
   * The points of `report` the principal may report (a token bound to pipelines refuses the
   * others with forbidden_pipeline, added to `rejections`); null when none is left.
   */
  private allowedPart(
    report: MetricReport,
    principal: IngestPrincipal,
    rejections: PointRejection[],
  ): MetricReport | null {
    if (principal.pipelines === null) return report;
    const allowed = report.points.filter((point) => mayReport(principal, point.pipeline));
    const refused = report.points.length - allowed.length;
    if (refused > 0) {
      const forbidden = report.points.find((point) => !mayReport(principal, point.pipeline));
      rejections.push({
        reason: IngestRejectionReason.ForbiddenPipeline,
        points: refused,
        message: `token ${JSON.stringify(principal.name)} may not report pipeline ${JSON.stringify(forbidden?.pipeline ?? '')}`,
      });
    }
    if (allowed.length === 0 && refused > 0) return null;
    return refused === 0 ? report : { ...report, points: allowed };
  }

  private logRefusal(reason: IngestRejectionReason, what: string): void {
    this.refusalLog?.log(reason, `streamops-agent: ingest ${what} (${reason})`);
  }

  private refuse(
    encoding: OtlpEncoding,
    reason: IngestRejectionReason,
    message: string,
    headers: Readonly<Record<string, string>> = {},
  ): OtlpHttpResponse {
    this.rejectedPayloads[reason]++;
    const status = httpStatusForRejection(reason);
    this.logRefusal(reason, `refused a request (HTTP ${status}): ${message}`);
    return {
      status,
      contentType: otlpContentType(encoding),
      headers,
      body: encodeErrorStatus(encoding, rpcCodeForHttpStatus(status), message),
      rejection: { reason, message },
    };
  }
}

function retryAfter(seconds: number): string {
  return String(Math.max(1, Math.ceil(seconds)));
}

/** The reason with the most refused points, and its first message. */
function mainRejection(rejections: readonly PointRejection[]): {
  reason: IngestRejectionReason;
  message: string;
} {
  const byReason = new Map<IngestRejectionReason, { points: number; message: string }>();
  for (const { reason, points, message } of rejections) {
    const entry = byReason.get(reason);
    if (entry === undefined) byReason.set(reason, { points, message });
    else entry.points += points;
  }
  let best: { reason: IngestRejectionReason; points: number; message: string } | null = null;
  for (const [reason, entry] of byReason) {
    if (best === null || entry.points > best.points) best = { reason, ...entry };
  }
  return best ?? { reason: IngestRejectionReason.InvalidDataPoint, message: 'no data point was accepted' };
}

/** One line per reason: "reason (N points): first message", cut to a bounded length. */
function summarise(rejections: readonly PointRejection[]): string {
  const byReason = new Map<IngestRejectionReason, { points: number; message: string }>();
  for (const { reason, points, message } of rejections) {
    const entry = byReason.get(reason);
    if (entry === undefined) byReason.set(reason, { points, message });
    else entry.points += points;
  }
  const text = [...byReason]
    .map(([reason, { points, message }]) => `${reason} (${points} points): ${message}`)
    .join('; ');
  return text.length <= MAX_MESSAGE_LENGTH ? text : `${text.slice(0, MAX_MESSAGE_LENGTH - 1)}…`;
}
