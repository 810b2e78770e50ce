import { gzipSync } from 'node:zlib';
import {
  OtlpMetricsIngest,
  type OtlpHttpRequest,
  type OtlpHttpResponse,
  type ReportSink,
} from './ingest-handler';
import { counterExport, counterResource, type CounterPoint } from './fixtures/otlp-requests';
import { IngestRejectionReason, ingestRejectionReasons } from './limits';
import { encodeOtlpJson, encodeOtlpProtobuf } from './otlp-encode';
import { type OtlpMetricsRequest } from './otlp-model';
import { ProtobufReader } from './protobuf-reader';
import { type MetricReport, type PointRejection } from './report';

const T0_NS = 1_700_000_000_000_000_000;

/** One point of the counter, started at T0_NS (or `startNs`) and taken a second later. */
function point(value: number, startNs = T0_NS): CounterPoint {
  return { startNs, timeNs: T0_NS + 1e9, value };
}

function request(instances: string[], points = 2): OtlpMetricsRequest {
  return {
    resourceMetrics: instances.map((instance) =>
      counterResource({
        serviceName: 'svc',
        instanceId: instance,
        points: Array.from({ length: points }, (_, index) => point(index)),
      }),
    ),
  };
}

/** A sink that accepts everything, or refuses a fixed share per report. */
class RecordingSink implements ReportSink {
  readonly reports: MetricReport[] = [];
  constructor(private readonly refuse: (report: MetricReport) => PointRejection[] = () => []) {}
  apply(report: MetricReport): {
    acceptedPoints: number;
    ignoredPoints: number;
    rejected: readonly PointRejection[];
  } {
    this.reports.push(report);
    const rejected = this.refuse(report);
    const refused = rejected.reduce((sum, rejection) => sum + rejection.points, 0);
    return { acceptedPoints: report.points.length - refused, ignoredPoints: 0, rejected };
  }
}

function setUp(options: Partial<ConstructorParameters<typeof OtlpMetricsIngest>[0]> = {}) {
  const clock = { now: 1_000_000 };
  const sink = new RecordingSink();
  const ingest = new OtlpMetricsIngest({ sink, now: () => clock.now, ...options });
  return { ingest, sink, clock };
}

function protobufRequest(body: Uint8Array, extra: Partial<OtlpHttpRequest> = {}): OtlpHttpRequest {
  return {
    contentType: 'application/x-protobuf',
    contentEncoding: undefined,
    authorization: undefined,
    body,
    ...extra,
  };
}

function jsonRequest(body: Uint8Array, extra: Partial<OtlpHttpRequest> = {}): OtlpHttpRequest {
  return {
    contentType: 'application/json',
    contentEncoding: undefined,
    authorization: undefined,
    body,
    ...extra,
  };
}

function jsonBody(response: OtlpHttpResponse): unknown {
  return JSON.parse(Buffer.from(response.body).toString());
}

/** google.rpc.Status from a protobuf error body. */
function protobufStatus(response: OtlpHttpResponse): { code: number; message: string } {
  const reader = ProtobufReader.of(response.body);
  const status = { code: 0, message: '' };
  while (reader.nextField()) {
    if (reader.fieldNumber === 1) status.code = reader.readVarint();
    else status.message = reader.readString(() => undefined);
  }
  return status;
}

describe('OtlpMetricsIngest', () => {
  it('accepts a protobuf export and answers with an empty ExportMetricsServiceResponse', () => {
    const { ingest, sink } = setUp();
    const response = ingest.handle(protobufRequest(encodeOtlpProtobuf(request(['a']))));
    expect(response).toEqual({
      status: 200,
      contentType: 'application/x-protobuf',
      headers: {},
      body: new Uint8Array(0),
      rejection: null,
    });
    expect(sink.reports).toHaveLength(1);
    expect(ingest.counts()).toMatchObject({ acceptedPayloads: 1, acceptedPoints: 2, ignoredPoints: 0 });
  });

  it('accepts JSON and answers in JSON', () => {
    const { ingest } = setUp();
    const response = ingest.handle(jsonRequest(encodeOtlpJson(request(['a', 'b']))));
    expect(response.status).toBe(200);
    expect(response.contentType).toBe('application/json');
    expect(jsonBody(response)).toEqual({});
    expect(ingest.counts().acceptedPoints).toBe(4);
  });

  it('inflates gzip bodies', () => {
    const { ingest } = setUp();
    const response = ingest.handle(
      protobufRequest(gzipSync(encodeOtlpProtobuf(request(['a']))), { contentEncoding: 'gzip' }),
    );
    expect(response.status).toBe(200);
  });

  describe('bearer token', () => {
    it('refuses requests without the token with 401 and WWW-Authenticate', () => {
      const { ingest, sink } = setUp({ bearerToken: 's3cret' });
      for (const authorization of [
        undefined,
        'Bearer wrong',
        'Basic s3cret',
        'Bearer',
        'Bearer s3cret extra',
        'bearer  s3cre',
      ]) {
        const response = ingest.handle(
          protobufRequest(encodeOtlpProtobuf(request(['a'])), { authorization }),
        );
        expect(response.status).toBe(401);
        expect(response.headers).toEqual({ 'WWW-Authenticate': 'Bearer' });
        expect(protobufStatus(response)).toEqual({ code: 16, message: 'missing or wrong bearer token' });
      }
      expect(sink.reports).toEqual([]);
      expect(ingest.counts().rejectedPayloads.unauthorized).toBe(6);
    });

    it('accepts the token, whatever the case of the scheme', () => {
      const { ingest } = setUp({ bearerToken: 's3cret' });
      for (const authorization of ['Bearer s3cret', 'bearer s3cret', 'BEARER   s3cret ']) {
        expect(
          ingest.handle(protobufRequest(encodeOtlpProtobuf(request(['a'])), { authorization })).status,
        ).toBe(200);
      }
    });

    it('can be checked before the body is read', () => {
      const { ingest } = setUp({ bearerToken: 's3cret' });
      expect(ingest.checkAuthorization('application/json', 'Bearer s3cret')).toBeNull();
      const refused = ingest.checkAuthorization('application/json', undefined);
      expect(refused).toMatchObject({
        status: 401,
        contentType: 'application/json',
        headers: { 'WWW-Authenticate': 'Bearer' },
      });
      expect(ingest.counts().rejectedPayloads.unauthorized).toBe(1);
      expect(setUp().ingest.checkAuthorization(undefined, undefined)).toBeNull();
    });

    it('refuses an empty token at construction', () => {
      expect(() => setUp({ bearerToken: ' ' })).toThrow('bearerToken must not be empty');
    });
  });

  it('refuses an unsupported content type with 415 in JSON', () => {
    const { ingest } = setUp();
    const response = ingest.handle(protobufRequest(new Uint8Array(0), { contentType: 'text/plain' }));
    expect(response.status).toBe(415);
    expect(response.contentType).toBe('application/json');
    expect(jsonBody(response)).toEqual({
      code: 3,
      message: 'Content-Type "text/plain" is not supported; send application/x-protobuf or application/json',
    });
    expect(response.rejection?.reason).toBe(IngestRejectionReason.UnsupportedMediaType);
  });

  it('refuses an unsupported encoding with 415', () => {
    const { ingest } = setUp();
    const response = ingest.handle(jsonRequest(encodeOtlpJson(request(['a'])), { contentEncoding: 'zstd' }));
    expect(response.status).toBe(415);
    expect(response.rejection?.reason).toBe(IngestRejectionReason.UnsupportedEncoding);
  });

  it('refuses bodies over the limit with 413, compressed or inflated', () => {
    const { ingest } = setUp({ limits: { maxBodyBytes: 1000 } });
    expect(ingest.handle(protobufRequest(new Uint8Array(1001))).status).toBe(413);
    const bomb = gzipSync(Buffer.alloc(10_000));
    expect(bomb.length).toBeLessThan(1000);
    const response = ingest.handle(protobufRequest(bomb, { contentEncoding: 'gzip' }));
    expect(response.status).toBe(413);
    expect(protobufStatus(response).message).toBe('body decompresses to more than 1000 bytes');
    expect(ingest.counts().rejectedPayloads.body_too_large).toBe(2);
  });

  it('refuses malformed bodies with 400 and a reason, counting them', () => {
    const { ingest } = setUp();
    const protobuf = ingest.handle(protobufRequest(Uint8Array.from([0x0a, 0x09, 0x01])));
    expect(protobuf.status).toBe(400);
    expect(protobufStatus(protobuf)).toEqual({
      code: 3,
      message: 'field 1 claims 9 bytes but only 1 remain in its message',
    });
    const json = ingest.handle(jsonRequest(Buffer.from('{"resourceMetrics": 5}')));
    expect(json.status).toBe(400);
    expect(jsonBody(json)).toEqual({ code: 3, message: 'resourceMetrics must be an array' });
    expect(ingest.counts().rejectedPayloads).toMatchObject({ malformed_protobuf: 1, malformed_json: 1 });
  });

  it('answers partly refused exports with partial_success', () => {
    const { ingest } = setUp();
    const export_ = request(['a']);
    const withBadPoint: OtlpMetricsRequest = {
      resourceMetrics: [
        ...export_.resourceMetrics,
        {
          resourceAttributes: [{ key: 'service.name', value: 'svc' }],
          scopeMetrics: export_.resourceMetrics[0]?.scopeMetrics ?? [],
        },
      ],
    };
    const response = ingest.handle(jsonRequest(encodeOtlpJson(withBadPoint)));
    expect(response.status).toBe(200);
    expect(jsonBody(response)).toEqual({
      partialSuccess: {
        rejectedDataPoints: '2',
        errorMessage: expect.stringMatching(
          /^missing_identity \(2 points\): resource of service "svc" has no service.instance.id/,
        ) as string,
      },
    });
    expect(ingest.counts().rejectedPoints.missing_identity).toBe(2);
    expect(ingest.counts().acceptedPoints).toBe(2);
  });

  it('refuses an export whose every point is refused, with the most common reason', () => {
    const { ingest } = setUp();
    const noIdentity: OtlpMetricsRequest = {
      resourceMetrics: request(['a']).resourceMetrics.map((resource) => ({
        ...resource,
        resourceAttributes: [],
      })),
    };
    const response = ingest.handle(protobufRequest(encodeOtlpProtobuf(noIdentity)));
    expect(response.status).toBe(400);
    expect(response.rejection).toEqual({
      reason: IngestRejectionReason.MissingIdentity,
      message: 'resource has no service.name attribute',
    });
    expect(ingest.counts().rejectedPayloads.missing_identity).toBe(1);
    expect(ingest.counts().rejectedPoints.missing_identity).toBe(0);
  });

  it('accepts an empty export', () => {
    const { ingest } = setUp();
    expect(ingest.handle(protobufRequest(new Uint8Array(0))).status).toBe(200);
    expect(ingest.counts().acceptedPayloads).toBe(1);
  });

  it('passes store refusals on as partial success, or as 400 when nothing was kept', () => {
    const clock = { now: 0 };
    const sink = new RecordingSink((report) =>
      report.instance.serviceInstanceId === 'full'
        ? [
            {
              reason: IngestRejectionReason.SeriesLimit,
              points: report.points.length,
              message: 'too many series',
            },
          ]
        : [],
    );
    const ingest = new OtlpMetricsIngest({ sink, now: () => clock.now });
    const partial = ingest.handle(jsonRequest(encodeOtlpJson(request(['ok', 'full']))));
    expect(jsonBody(partial)).toEqual({
      partialSuccess: { rejectedDataPoints: '2', errorMessage: 'series_limit (2 points): too many series' },
    });
    const refused = ingest.handle(jsonRequest(encodeOtlpJson(request(['full']))));
    expect(refused.status).toBe(400);
    expect(refused.rejection?.reason).toBe(IngestRejectionReason.SeriesLimit);
  });

  it('logs refusals at most once per reason a minute, saying how many were left out', () => {
    const clock = { now: 0 };
    const lines: string[] = [];
    const sink = new RecordingSink((report) =>
      report.instance.serviceInstanceId === 'full'
        ? [
            {
              reason: IngestRejectionReason.SeriesLimit,
              points: 2,
              message: 'instance full of svc has 10 series',
            },
          ]
        : [],
    );
    const ingest = new OtlpMetricsIngest({ sink, now: () => clock.now, log: (line) => lines.push(line) });
    ingest.handle(jsonRequest(encodeOtlpJson(request(['ok', 'full']))));
    ingest.handle(jsonRequest(encodeOtlpJson(request(['full']))));
    ingest.handle(jsonRequest(encodeOtlpJson(request(['ok'])), { contentType: 'text/plain' }));
    expect(lines).toEqual([
      'streamops-agent: ingest refused 2 points: instance full of svc has 10 series (series_limit)',
      expect.stringMatching(
        /^streamops-agent: ingest refused a request \(HTTP 415\): .* \(unsupported_media_type\)$/,
      ),
    ]);
    clock.now += 60_000;
    ingest.handle(jsonRequest(encodeOtlpJson(request(['full']))));
    expect(lines[2]).toBe(
      'streamops-agent: ingest refused a request (HTTP 400): instance full of svc has 10 series (series_limit) (1 more like it since the last one logged)',
    );
  });

  describe('rate limits', () => {
    it('limits each instance, answering 429 with Retry-After when every instance is over', () => {
      const { ingest, clock } = setUp({
        limits: { reportsPerSecondPerInstance: 0.5, reportBurstPerInstance: 1 },
      });
      const body = encodeOtlpProtobuf(request(['a']));
      expect(ingest.handle(protobufRequest(body)).status).toBe(200);
      const limited = ingest.handle(protobufRequest(body));
      expect(limited.status).toBe(429);
      expect(limited.headers).toEqual({ 'Retry-After': '2' });
      expect(protobufStatus(limited).code).toBe(8);
      clock.now += 2000;
      expect(ingest.handle(protobufRequest(body)).status).toBe(200);
    });

    it('refuses only the limited instance of a shared export', () => {
      const { ingest } = setUp({ limits: { reportsPerSecondPerInstance: 1, reportBurstPerInstance: 1 } });
      ingest.handle(jsonRequest(encodeOtlpJson(request(['a']))));
      const response = ingest.handle(jsonRequest(encodeOtlpJson(request(['a', 'b']))));
      expect(response.status).toBe(200);
      expect(jsonBody(response)).toEqual({
        partialSuccess: {
          rejectedDataPoints: '2',
          errorMessage:
            'rate_limited (2 points): instance a of svc reports more often than 1 times per second',
        },
      });
      expect(ingest.counts().rejectedPoints.rate_limited).toBe(2);
    });

    it('applies the optional global request limit before decoding', () => {
      const { ingest, clock } = setUp({ limits: { requestsPerSecond: 1, requestBurst: 2 } });
      const garbage = Uint8Array.from([0xff]);
      expect(ingest.handle(protobufRequest(garbage)).status).toBe(400);
      expect(ingest.handle(protobufRequest(garbage)).status).toBe(400);
      const limited = ingest.handle(protobufRequest(garbage));
      expect(limited.status).toBe(429);
      expect(limited.headers['Retry-After']).toBe('1');
      clock.now += 1000;
      expect(ingest.handle(protobufRequest(garbage)).status).toBe(400);
      expect(ingest.counts().rejectedPayloads.rate_limited).toBe(1);
    });
  });

  it('refuses and counts requests the HTTP layer could not read', () => {
    const { ingest } = setUp();
    const response = ingest.refuseRequest(
      'application/x-protobuf',
      IngestRejectionReason.BodyTooLarge,
      'request entity too large',
    );
    expect(response.status).toBe(413);
    expect(protobufStatus(response)).toEqual({ code: 3, message: 'request entity too large' });
    const unknown = ingest.refuseRequest(
      undefined,
      IngestRejectionReason.UnsupportedEncoding,
      'content encoding unsupported',
    );
    expect(unknown.status).toBe(415);
    expect(unknown.contentType).toBe('application/json');
    expect(ingest.counts().rejectedPayloads).toMatchObject({ body_too_large: 1, unsupported_encoding: 1 });
  });

  it('keeps every reason in the counts, zeros included', () => {
    const { ingest } = setUp();
    const counts = ingest.counts();
    expect(Object.keys(counts.rejectedPayloads)).toHaveLength(ingestRejectionReasons.length);
    expect(Object.values(counts.rejectedPoints).every((count) => count === 0)).toBe(true);
  });

  it('cuts long partial-success messages', () => {
    const sink = new RecordingSink((report) => [
      { reason: IngestRejectionReason.SeriesLimit, points: 1, message: 'x'.repeat(5000) },
      ...(report.points.length > 1 ? [] : []),
    ]);
    const ingest = new OtlpMetricsIngest({ sink, now: () => 0 });
    const response = ingest.handle(jsonRequest(encodeOtlpJson(request(['a']))));
    const body = jsonBody(response) as { partialSuccess: { errorMessage: string } };
    expect(body.partialSuccess.errorMessage).toHaveLength(1000);
    expect(body.partialSuccess.errorMessage.endsWith('…')).toBe(true);
  });
});

describe('OtlpMetricsIngest tokens and identities', () => {
  /** One instance of `pipeline` whose counters started at `startNs`. */
  function pipelineRequest(
    pipeline: string,
    instance: string,
    startNs = T0_NS,
    pointPipelines: (string | null)[] = [null, null],
  ): OtlpMetricsRequest {
    return counterExport({
      serviceName: 'svc',
      instanceId: instance,
      pipeline,
      points: pointPipelines.map((pointPipeline, index): CounterPoint => ({
        ...point(index, startNs),
        attributes: pointPipeline === null ? {} : { pipeline: pointPipeline },
      })),
    });
  }

  const tokens = [
    { name: 'orders-team', token: 'ord', pipelines: ['orders'] },
    { name: 'payments-team', token: 'pay', pipelines: ['payments'] },
  ];

  function send(
    ingest: OtlpMetricsIngest,
    body: OtlpMetricsRequest,
    authorization: string | undefined,
  ): OtlpHttpResponse {
    return ingest.handle(jsonRequest(encodeOtlpJson(body), { authorization }));
  }

  it('accepts every named token and the single bearer token beside them', () => {
    const { ingest, sink } = setUp({ bearerToken: 'all', tokens });
    expect(ingest.authenticationRequired).toBe(true);
    expect(send(ingest, pipelineRequest('orders', 'a'), 'Bearer ord').status).toBe(200);
    expect(send(ingest, pipelineRequest('payments', 'b'), 'Bearer pay').status).toBe(200);
    expect(send(ingest, pipelineRequest('anything', 'c'), 'Bearer all').status).toBe(200);
    expect(send(ingest, pipelineRequest('orders', 'd'), 'Bearer nope').status).toBe(401);
    expect(sink.reports).toHaveLength(3);
    expect(ingest.checkAuthorization('application/json', 'Bearer pay')).toBeNull();
  });

  it('refuses a token name given twice', () => {
    expect(() => setUp({ bearerToken: 'x', tokens: [{ name: 'default', token: 'y' }] })).toThrow(
      'ingest token name "default" is used twice',
    );
  });

  it('answers 403 forbidden_pipeline when a scoped token reports only other pipelines', () => {
    const { ingest, sink } = setUp({ tokens });
    const response = send(ingest, pipelineRequest('payments', 'a'), 'Bearer ord');
    expect(response.status).toBe(403);
    expect(response.rejection).toEqual({
      reason: IngestRejectionReason.ForbiddenPipeline,
      message: 'token "orders-team" may not report pipeline "payments"',
    });
    expect(jsonBody(response)).toEqual({
      code: 7,
      message: 'token "orders-team" may not report pipeline "payments"',
    });
    expect(sink.reports).toEqual([]);
    expect(ingest.counts().rejectedPayloads.forbidden_pipeline).toBe(1);
  });

  it('keeps the allowed points of a mixed report and refuses the others as partial success', () => {
    const { ingest, sink } = setUp({ tokens });
    const response = send(ingest, pipelineRequest('orders', 'a', T0_NS, [null, 'payments']), 'Bearer ord');
    expect(response.status).toBe(200);
    expect(jsonBody(response)).toEqual({
      partialSuccess: {
        rejectedDataPoints: '1',
        errorMessage: 'forbidden_pipeline (1 points): token "orders-team" may not report pipeline "payments"',
      },
    });
    expect(sink.reports).toHaveLength(1);
    expect(sink.reports[0]?.points.map((each) => each.pipeline)).toEqual(['orders']);
    expect(ingest.counts().rejectedPoints.forbidden_pipeline).toBe(1);
  });

  it('binds an instance to the token that first reported it', () => {
    const { ingest, sink, clock } = setUp({
      tokens: [...tokens, { name: 'ops', token: 'ops' }],
      identity: { ttlMs: 60_000, maxInstances: 10 },
    });
    expect(send(ingest, pipelineRequest('orders', 'a'), 'Bearer ord').status).toBe(200);
    const stolen = send(ingest, pipelineRequest('orders', 'a'), 'Bearer ops');
    expect(stolen.status).toBe(403);
    expect(stolen.rejection?.reason).toBe(IngestRejectionReason.IdentityConflict);
    expect(sink.reports).toHaveLength(1);
    // The owner keeps reporting; the claim spent none of its rate budget.
    expect(send(ingest, pipelineRequest('orders', 'a'), 'Bearer ord').status).toBe(200);
    // Once the instance has been silent for the TTL, the id is free again.
    clock.now += 60_000;
    expect(send(ingest, pipelineRequest('orders', 'a'), 'Bearer ops').status).toBe(200);
    expect(ingest.counts().rejectedPayloads.identity_conflict).toBe(1);
  });

  it('refuses another process start time for a live instance, also without tokens', () => {
    const { ingest, sink, clock } = setUp();
    expect(send(ingest, pipelineRequest('orders', 'a'), undefined).status).toBe(200);
    const impostor = send(ingest, pipelineRequest('orders', 'a', T0_NS - 5e9), undefined);
    expect(impostor.status).toBe(403);
    expect(impostor.rejection?.message).toContain('give every process its own service.instance.id');
    expect(sink.reports).toHaveLength(1);
    clock.now += 60_000;
    expect(send(ingest, pipelineRequest('orders', 'a', T0_NS - 5e9), undefined).status).toBe(200);
  });

  it('does not bind an instance whose report the store refused entirely', () => {
    const sink = new RecordingSink((report) => [
      { reason: IngestRejectionReason.InstanceLimit, points: report.points.length, message: 'full' },
    ]);
    const ingest = new OtlpMetricsIngest({ sink, now: () => 0, tokens });
    expect(send(ingest, pipelineRequest('orders', 'a'), 'Bearer ord').status).toBe(429);
    const other = new OtlpMetricsIngest({
      sink: new RecordingSink(),
      now: () => 0,
      tokens: [{ name: 'x', token: 'x' }],
    });
    expect(send(other, pipelineRequest('orders', 'a'), 'Bearer x').status).toBe(200);
    expect(send(ingest, pipelineRequest('orders', 'a', T0_NS + 1), 'Bearer ord').rejection?.reason).toBe(
      IngestRejectionReason.InstanceLimit,
    );
  });
});
