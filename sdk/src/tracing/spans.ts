import { SpanStatusCode, type Span } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE } from './semconv';

/** error.type for errors without a usable class name, as the conventions ask. */
export const OTHER_ERROR_TYPE = '_OTHER';

/**
 * The `error_type` label and `error.type` attribute of an error: its class name
 * (`KafkaJSNumberOfRetriesExceeded`, `TypeError`...), which is low-cardinality, unlike
 * messages.
 */
export function errorTypeOf(error: unknown): string {
  if (error instanceof Error) {
    const name = error.name !== 'Error' ? error.name : error.constructor.name;
    if (typeof name === 'string' && /^[A-Za-z_][A-Za-z0-9_.]{0,99}$/.test(name)) return name;
  }
  return OTHER_ERROR_TYPE;
}

/** Marks a span as failed with `error`, without changing the error. */
export function recordSpanError(span: Span, error: unknown, errorType: string): void {
  span.setAttribute(ATTR_ERROR_TYPE, errorType);
  if (error instanceof Error) {
    span.recordException(error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
  } else {
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
}
