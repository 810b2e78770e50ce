import type { TextMapGetter, TextMapSetter } from '@opentelemetry/api';

/**
 * The shape kafkajs uses for message headers (`IHeaders`). Declared here so the
 * propagation code does not depend on kafkajs at run time.
 */
export type KafkaMessageHeaders = Record<string, Buffer | string | (Buffer | string)[] | undefined>;

function headerValueToString(value: Buffer | string): string {
  return typeof value === 'string' ? value : value.toString('utf8');
}

/**
 * Reads W3C trace context (and baggage) from kafkajs message headers.
 *
 * Kafka delivers header values as Buffers, may repeat a header (kafkajs then gives
 * an array), and header names are case-sensitive on the wire while W3C names are
 * lower case, so lookups fall back to a case-insensitive match.
 */
export const kafkaHeaderGetter: TextMapGetter<KafkaMessageHeaders | undefined> = {
  keys(carrier) {
    return carrier ? Object.keys(carrier) : [];
  },
  get(carrier, key) {
    if (!carrier) return undefined;
    let raw = carrier[key];
    if (raw === undefined) {
      const matchingName = Object.keys(carrier).find((name) => name.toLowerCase() === key);
      raw = matchingName === undefined ? undefined : carrier[matchingName];
    }
    if (raw === undefined) return undefined;
    if (Array.isArray(raw)) {
      // The first occurrence wins: a later duplicate is most likely a copy forwarded by a relay.
      const first = raw[0];
      return first === undefined ? undefined : headerValueToString(first);
    }
    return headerValueToString(raw);
  },
};

/** Writes trace context into kafkajs message headers as UTF-8 strings, replacing any previous value. */
export const kafkaHeaderSetter: TextMapSetter<KafkaMessageHeaders> = {
  set(carrier, key, value) {
    carrier[key] = value;
  },
};
