import { gunzipSync } from 'node:zlib';
import { OtlpDecodeError } from './decode-error';
import { IngestRejectionReason, type DecodeLimits } from './limits';
import { normaliseExport, type NormalisedExport } from './normalise';
import { decodeOtlpJson } from './otlp-json';
import { decodeOtlpProtobuf } from './otlp-protobuf';

/** The two OTLP/HTTP encodings. */
export type OtlpEncoding = 'protobuf' | 'json';

/** Outcome of decoding: the checked export, or why the whole request is refused. */
export type DecodeResult =
  | { readonly ok: true; readonly export: NormalisedExport }
  | { readonly ok: false; readonly error: OtlpDecodeError };

/**
 * The encoding a Content-Type names: `application/x-protobuf` (or `application/protobuf`)
 * and `application/json`, parameters such as `charset` ignored; null for anything else.
 */
export function encodingOfContentType(contentType: string | undefined): OtlpEncoding | null {
  if (contentType === undefined) return null;
  const mediaType = (contentType.split(';', 1)[0] ?? '').trim().toLowerCase();
  if (mediaType === 'application/x-protobuf' || mediaType === 'application/protobuf') return 'protobuf';
  if (mediaType === 'application/json') return 'json';
  return null;
}

/**
 * Undoes the Content-Encoding: identity (or none) and gzip. Decompression stops at
 * `maxBodyBytes`, so a small compressed body cannot expand into a large one.
 *
 * @throws OtlpDecodeError: unsupported_encoding, body_too_large, or the encoding's
 *   malformed reason for corrupt gzip data.
 */
export function decodeContentEncoding(
  body: Uint8Array,
  contentEncoding: string | undefined,
  encoding: OtlpEncoding,
  maxBodyBytes: number,
): Uint8Array {
  const name = (contentEncoding ?? '').trim().toLowerCase();
  if (name === '' || name === 'identity') return body;
  if (name !== 'gzip' && name !== 'x-gzip') {
    throw new OtlpDecodeError(
      IngestRejectionReason.UnsupportedEncoding,
      `Content-Encoding ${JSON.stringify(contentEncoding)} is not supported; send gzip or no encoding`,
    );
  }
  try {
    return gunzipSync(body, { maxOutputLength: maxBodyBytes });
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new OtlpDecodeError(
        IngestRejectionReason.BodyTooLarge,
        `body decompresses to more than ${maxBodyBytes} bytes`,
      );
    }
    throw new OtlpDecodeError(malformedReason(encoding), 'body is not valid gzip data');
  }
}

function malformedReason(encoding: OtlpEncoding): IngestRejectionReason {
  return encoding === 'protobuf'
    ? IngestRejectionReason.MalformedProtobuf
    : IngestRejectionReason.MalformedJson;
}

/**
 * Decodes and checks an (already decompressed) OTLP ExportMetricsServiceRequest body.
 *
 * Never throws: every failure, including a bug in the decoders themselves, comes back as
 * an {@link OtlpDecodeError} with a reason. Bodies over `limits.maxBodyBytes` are refused
 * before any parsing.
 */
export function decodeMetricsRequest(
  body: Uint8Array,
  encoding: OtlpEncoding,
  limits: DecodeLimits,
): DecodeResult {
  try {
    if (body.length > limits.maxBodyBytes) {
      throw new OtlpDecodeError(
        IngestRejectionReason.BodyTooLarge,
        `body is ${body.length} bytes; the limit is ${limits.maxBodyBytes}`,
      );
    }
    const request = encoding === 'protobuf' ? decodeOtlpProtobuf(body, limits) : decodeOtlpJson(body, limits);
    return { ok: true, export: normaliseExport(request) };
  } catch (error) {
    if (error instanceof OtlpDecodeError) return { ok: false, error };
    // Not expected: the decoders check everything. Still a refusal, never a crash.
    const message = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      error: new OtlpDecodeError(malformedReason(encoding), `unexpected decoder failure: ${message}`),
    };
  }
}
