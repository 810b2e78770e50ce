import { gzipSync } from 'node:zlib';
import { decodeContentEncoding, decodeMetricsRequest, encodingOfContentType } from './decode';
import { OtlpDecodeError } from './decode-error';
import { defaultIngestLimits, IngestRejectionReason } from './limits';
import { encodeOtlpJson, encodeOtlpProtobuf } from './otlp-encode';
import { type OtlpMetricsRequest } from './otlp-model';

const sample: OtlpMetricsRequest = {
  resourceMetrics: [
    {
      resourceAttributes: [
        { key: 'service.name', value: 'svc' },
        { key: 'service.instance.id', value: 'a' },
      ],
      scopeMetrics: [
        {
          scopeName: '',
          metrics: [
            {
              name: 'streamops_stage_busy_seconds_total',
              unit: 's',
              data: {
                type: 'sum',
                temporality: 2,
                monotonic: true,
                points: [
                  {
                    attributes: [{ key: 'stage', value: 'enrich' }],
                    startTimeUnixNano: 1e18,
                    timeUnixNano: 1e18 + 1e9,
                    value: 0.25,
                    flags: 0,
                  },
                ],
              },
            },
          ],
        },
      ],
    },
  ],
};

describe('encodingOfContentType', () => {
  it.each<[string | undefined, 'protobuf' | 'json' | null]>([
    ['application/x-protobuf', 'protobuf'],
    ['application/protobuf', 'protobuf'],
    ['Application/X-Protobuf', 'protobuf'],
    ['application/json', 'json'],
    ['application/json; charset=utf-8', 'json'],
    [' application/json ;charset=UTF-8', 'json'],
    ['text/plain', null],
    ['application/jsonl', null],
    ['', null],
    [undefined, null],
  ])('%s → %s', (contentType, expected) => {
    expect(encodingOfContentType(contentType)).toBe(expected);
  });
});

describe('decodeContentEncoding', () => {
  const body = Buffer.from('x'.repeat(1000));

  it('passes identity and absent encodings through', () => {
    expect(decodeContentEncoding(body, undefined, 'json', 2000)).toBe(body);
    expect(decodeContentEncoding(body, 'identity', 'json', 2000)).toBe(body);
    expect(decodeContentEncoding(body, ' ', 'json', 2000)).toBe(body);
  });

  it('inflates gzip and x-gzip', () => {
    expect(Buffer.from(decodeContentEncoding(gzipSync(body), 'gzip', 'json', 2000)).toString()).toBe(
      body.toString(),
    );
    expect(decodeContentEncoding(gzipSync(body), 'X-GZIP', 'json', 2000)).toHaveLength(1000);
  });

  it('stops inflating at the body limit (no decompression bombs)', () => {
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(100 * 1024);
    expect(() => decodeContentEncoding(bomb, 'gzip', 'protobuf', 1024 * 1024)).toThrow(
      new OtlpDecodeError(IngestRejectionReason.BodyTooLarge, 'body decompresses to more than 1048576 bytes'),
    );
  });

  it('refuses corrupt gzip as malformed in the body’s encoding', () => {
    for (const [encoding, reason] of [
      ['json', IngestRejectionReason.MalformedJson],
      ['protobuf', IngestRejectionReason.MalformedProtobuf],
    ] as const) {
      try {
        decodeContentEncoding(Buffer.from('not gzip'), 'gzip', encoding, 2000);
        throw new Error('expected a refusal');
      } catch (error) {
        expect(error).toBeInstanceOf(OtlpDecodeError);
        expect((error as OtlpDecodeError).reason).toBe(reason);
      }
    }
  });

  it('refuses other encodings', () => {
    expect(() => decodeContentEncoding(body, 'br', 'json', 2000)).toThrow(
      new OtlpDecodeError(
        IngestRejectionReason.UnsupportedEncoding,
        'Content-Encoding "br" is not supported; send gzip or no encoding',
      ),
    );
  });
});

describe('decodeMetricsRequest', () => {
  it('decodes and normalises both encodings to the same export', () => {
    const fromProtobuf = decodeMetricsRequest(encodeOtlpProtobuf(sample), 'protobuf', defaultIngestLimits);
    const fromJson = decodeMetricsRequest(encodeOtlpJson(sample), 'json', defaultIngestLimits);
    expect(fromProtobuf.ok).toBe(true);
    expect(fromJson).toEqual(fromProtobuf);
    if (fromProtobuf.ok) {
      expect(fromProtobuf.export.reports[0]?.points[0]).toMatchObject({
        metric: 'streamops_stage_busy_seconds_total',
        stage: 'enrich',
        value: 0.25,
        timeMs: 1e12 + 1000,
      });
    }
  });

  it('refuses a body over the limit before parsing it', () => {
    const result = decodeMetricsRequest(new Uint8Array(11), 'protobuf', {
      ...defaultIngestLimits,
      maxBodyBytes: 10,
    });
    expect(result).toEqual({ ok: false, error: expect.any(OtlpDecodeError) as unknown });
    if (!result.ok) {
      expect(result.error.reason).toBe(IngestRejectionReason.BodyTooLarge);
      expect(result.error.message).toBe('body is 11 bytes; the limit is 10');
    }
  });

  it('returns decoding failures instead of throwing them', () => {
    const result = decodeMetricsRequest(Buffer.from('{'), 'json', defaultIngestLimits);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.reason).toBe(IngestRejectionReason.MalformedJson);
    const protobuf = decodeMetricsRequest(Uint8Array.from([0x0a, 0x05]), 'protobuf', defaultIngestLimits);
    expect(protobuf.ok).toBe(false);
    if (!protobuf.ok) expect(protobuf.error.reason).toBe(IngestRejectionReason.MalformedProtobuf);
  });

  it('turns an unexpected failure into a refusal too', () => {
    // A body whose bytes throw when read stands in for a bug in a decoder.
    const hostile = new Proxy(new Uint8Array(4), {
      get(target, property, receiver) {
        if (property === 'length') return 4;
        if (property === 'buffer') throw new TypeError('boom');
        return Reflect.get(target, property, receiver) as unknown;
      },
    });
    const result = decodeMetricsRequest(hostile, 'protobuf', defaultIngestLimits);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.reason).toBe(IngestRejectionReason.MalformedProtobuf);
      expect(result.error.message).toBe('unexpected decoder failure: boom');
    }
  });
});
