import { KafkaProtocolError, WireReader } from './wire';

/** One Kafka API the agent encodes itself, with the versions its codec implements. */
export interface KafkaApi {
  readonly key: number;
  readonly name: string;
  readonly minVersion: number;
  readonly maxVersion: number;
}

/** A version range a broker announced in ApiVersions. */
export interface ApiVersionRange {
  readonly minVersion: number;
  readonly maxVersion: number;
}

/**
 * The highest version both the codec and the broker implement, or null when the ranges do
 * not meet (an older broker, or one without the API): the caller then takes the classic path.
 */
export function chooseApiVersion(api: KafkaApi, broker: ApiVersionRange | undefined): number | null {
  if (!broker) return null;
  const version = Math.min(api.maxVersion, broker.maxVersion);
  return version >= Math.max(api.minVersion, broker.minVersion) ? version : null;
}

/** Throws unless the codec implements `version` of `api`. */
export function assertCodecVersion(api: KafkaApi, version: number, side: 'request' | 'response'): void {
  if (!Number.isInteger(version) || version < api.minVersion || version > api.maxVersion) {
    throw new KafkaProtocolError(
      `${api.name} v${version} ${side}`,
      `the codec implements versions ${api.minVersion} to ${api.maxVersion}`,
    );
  }
}

/**
 * The payload kafkajs appends after its request header for a flexible version. kafkajs
 * writes request header v1 (api key, version, correlation id, client id); flexible
 * versions use header v2, which is v1 plus a tagged-field section, so the payload starts
 * with that section, empty.
 */
export function flexibleRequestPayload(body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0]), body]);
}

/**
 * The response body inside what kafkajs hands a decoder: the bytes after the correlation
 * id, which for a flexible version start with response header v1's tagged-field section.
 */
export function flexibleResponseBody(payload: Buffer, context: string): Buffer {
  const reader = new WireReader(payload, context);
  reader.taggedFields('response header');
  return payload.subarray(payload.length - reader.remaining);
}

// Kafka's error codes the agent names in messages or acts on (from the protocol guide).
const errorNames: Readonly<Record<number, string>> = {
  [-1]: 'UNKNOWN_SERVER_ERROR',
  0: 'NONE',
  3: 'UNKNOWN_TOPIC_OR_PARTITION',
  14: 'COORDINATOR_LOAD_IN_PROGRESS',
  15: 'COORDINATOR_NOT_AVAILABLE',
  16: 'NOT_COORDINATOR',
  24: 'INVALID_GROUP_ID',
  29: 'TOPIC_AUTHORIZATION_FAILED',
  30: 'GROUP_AUTHORIZATION_FAILED',
  35: 'UNSUPPORTED_VERSION',
  42: 'INVALID_REQUEST',
  69: 'GROUP_ID_NOT_FOUND',
  100: 'UNKNOWN_TOPIC_ID',
};

/** Error codes the group APIs answer with. */
export const KafkaErrorCode = {
  none: 0,
  groupIdNotFound: 69,
} as const;

/** `NOT_COORDINATOR (16)`, or `error 123` for a code the agent does not know by name. */
export function describeErrorCode(code: number): string {
  const name = errorNames[code];
  return name === undefined ? `error ${code}` : `${name} (${code})`;
}
