import { type OtlpEncoding } from './decode';
import { ProtobufWriter } from './protobuf-writer';

/** Content-Type of a response in `encoding`. */
export function otlpContentType(encoding: OtlpEncoding): string {
  return encoding === 'protobuf' ? 'application/x-protobuf' : 'application/json';
}

/** Points refused from an otherwise accepted export. */
export interface PartialSuccess {
  readonly rejectedDataPoints: number;
  readonly errorMessage: string;
}

// ExportMetricsServiceResponse { partial_success = 1 }, ExportMetricsPartialSuccess
// { rejected_data_points = 1 (int64), error_message = 2 } (collector/metrics/v1/metrics_service.proto).
const ResponseField = { partialSuccess: 1 } as const;
const PartialSuccessField = { rejectedDataPoints: 1, errorMessage: 2 } as const;
// google.rpc.Status { code = 1 (int32), message = 2 }.
const StatusField = { code: 1, message: 2 } as const;

/**
 * The body of a 200 answer: an ExportMetricsServiceResponse, empty when everything was
 * accepted, with partial_success when some points were refused.
 */
export function encodeExportResponse(encoding: OtlpEncoding, partial: PartialSuccess | null): Uint8Array {
  const hasPartial = partial !== null && (partial.rejectedDataPoints > 0 || partial.errorMessage !== '');
  if (encoding === 'json') {
    const body = hasPartial
      ? {
          partialSuccess: {
            // int64 is a string in OTLP JSON.
            rejectedDataPoints: String(partial.rejectedDataPoints),
            errorMessage: partial.errorMessage,
          },
        }
      : {};
    return Buffer.from(JSON.stringify(body));
  }
  const response = new ProtobufWriter();
  if (hasPartial) {
    const inner = new ProtobufWriter();
    if (partial.rejectedDataPoints > 0) {
      inner.varintField(PartialSuccessField.rejectedDataPoints, partial.rejectedDataPoints);
    }
    if (partial.errorMessage !== '')
      inner.stringField(PartialSuccessField.errorMessage, partial.errorMessage);
    response.messageField(ResponseField.partialSuccess, inner);
  }
  return response.finish();
}

/** gRPC status codes used in error bodies. */
export const RpcCode = {
  invalidArgument: 3,
  permissionDenied: 7,
  resourceExhausted: 8,
  unauthenticated: 16,
} as const;

/** gRPC code that goes with an HTTP error status. */
export function rpcCodeForHttpStatus(status: number): number {
  if (status === 401) return RpcCode.unauthenticated;
  if (status === 403) return RpcCode.permissionDenied;
  if (status === 429) return RpcCode.resourceExhausted;
  return RpcCode.invalidArgument;
}

/**
 * The body of a 4xx answer: a google.rpc.Status with the code and the message, as the
 * OTLP/HTTP specification asks, in the request's encoding.
 */
export function encodeErrorStatus(encoding: OtlpEncoding, code: number, message: string): Uint8Array {
  if (encoding === 'json') return Buffer.from(JSON.stringify({ code, message }));
  return new ProtobufWriter()
    .varintField(StatusField.code, code)
    .stringField(StatusField.message, message)
    .finish();
}
