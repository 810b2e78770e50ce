/**
 * Records of `__consumer_offsets`, as the group coordinator writes them: the key says what a
 * record is (key versions 0 and 1 are offset commits; 2 is group metadata, and higher ones
 * are the records of KIP-848 consumer groups, share groups and streams groups), the value
 * holds the commit, and a null value deletes it. Layouts checked against Kafka's
 * `group-coordinator/src/main/resources/common/message/OffsetCommitKey.json` and
 * `OffsetCommitValue.json`:
 *
 *   key   v0, v1: group STRING, topic STRING, partition INT32 (STRING: int16 length, UTF-8)
 *   value v0: offset INT64, metadata STRING, commitTimestamp INT64
 *         v1: v0 + expireTimestamp INT64
 *         v2: as v0
 *         v3: offset INT64, leaderEpoch INT32, metadata STRING, commitTimestamp INT64
 *         v4: as v3, first flexible version: metadata COMPACT_STRING, then tagged fields
 *
 * Later value versions may only add tagged fields (KIP-915), so they are read as v4 and
 * flagged. Pure: bytes in, a result out, and never a throw.
 */
import { KafkaProtocolError, WireReader } from './wire';

/** Highest value version whose layout is known; later ones are read with its layout. */
export const LATEST_KNOWN_VALUE_VERSION = 4;

/** A record of `__consumer_offsets` that could not be read (truncated, garbled, or not Kafka's layout). */
export class OffsetsTopicDecodeError extends Error {
  override readonly name = 'OffsetsTopicDecodeError';

  constructor(
    /** Which half of the record failed. */
    readonly part: 'key' | 'value',
    detail: string,
  ) {
    super(`__consumer_offsets record ${part}: ${detail}`);
  }
}

/** Where an offset commit applies. */
export interface OffsetCommitKey {
  readonly keyVersion: number;
  readonly group: string;
  readonly topic: string;
  readonly partition: number;
}

/** The value of an offset commit. */
export interface OffsetCommitValue {
  readonly valueVersion: number;
  readonly offset: number;
  /** -1 when the committer did not say (and in versions before 3, which have no such field). */
  readonly leaderEpoch: number;
  /** The committer's metadata string; null only when an old writer stored a null. */
  readonly metadata: string | null;
  /** When the coordinator took the commit: epoch ms on the broker's clock. */
  readonly commitTimestampMs: number;
  /** Version 1 only: when the commit expires (epoch ms), -1 for the broker default. */
  readonly expireTimestampMs: number | null;
  /** True for a version above {@link LATEST_KNOWN_VALUE_VERSION}, read with that version's layout. */
  readonly newerVersion: boolean;
}

/** What one record of `__consumer_offsets` is. */
export type OffsetsTopicRecord =
  | ({ readonly kind: 'commit' } & OffsetCommitKey & OffsetCommitValue)
  /** The commit of that group on that partition was deleted (the group was deleted, or its offsets expired). */
  | ({ readonly kind: 'tombstone' } & OffsetCommitKey)
  /** Not an offset commit: group metadata (key v2) or a record of a newer group type (v3 and above). */
  | { readonly kind: 'other'; readonly keyVersion: number }
  | { readonly kind: 'invalid'; readonly error: OffsetsTopicDecodeError };

function decodeKey(key: Buffer): OffsetCommitKey | { kind: 'other'; keyVersion: number } {
  const reader = new WireReader(key, 'key');
  const keyVersion = reader.int16('version');
  if (keyVersion < 0) throw new OffsetsTopicDecodeError('key', `negative version ${keyVersion}`);
  if (keyVersion > 1) return { kind: 'other', keyVersion };
  const group = reader.string('group');
  const topic = reader.string('topic');
  const partition = reader.int32('partition');
  reader.end();
  if (partition < 0) throw new OffsetsTopicDecodeError('key', `negative partition ${partition}`);
  return { keyVersion, group, topic, partition };
}

function decodeValue(value: Buffer): OffsetCommitValue {
  const reader = new WireReader(value, 'value');
  const valueVersion = reader.int16('version');
  if (valueVersion < 0) throw new OffsetsTopicDecodeError('value', `negative version ${valueVersion}`);
  const offset = reader.int64('offset');
  const leaderEpoch = valueVersion >= 3 ? reader.int32('leaderEpoch') : -1;
  const flexible = valueVersion >= 4;
  const metadata = flexible ? reader.compactNullableString('metadata') : reader.nullableString('metadata');
  const commitTimestampMs = reader.int64('commitTimestamp');
  const expireTimestampMs = valueVersion === 1 ? reader.int64('expireTimestamp') : null;
  if (flexible) reader.taggedFields('value');
  const newerVersion = valueVersion > LATEST_KNOWN_VALUE_VERSION;
  // A newer version may add what this reader cannot know about; a known one must end here.
  if (!newerVersion) reader.end();
  return { valueVersion, offset, leaderEpoch, metadata, commitTimestampMs, expireTimestampMs, newerVersion };
}

function asDecodeError(error: unknown, part: 'key' | 'value'): OffsetsTopicDecodeError {
  if (error instanceof OffsetsTopicDecodeError) return error;
  if (error instanceof KafkaProtocolError) {
    return new OffsetsTopicDecodeError(part, error.message.slice(error.context.length + 2));
  }
  return new OffsetsTopicDecodeError(part, error instanceof Error ? error.message : String(error));
}

/**
 * Reads one record of `__consumer_offsets` from its key and value (null: a tombstone). A
 * record that is not an offset commit is `other`; one that cannot be read is `invalid`, with
 * the reason, for the caller to count and skip.
 */
export function decodeOffsetsTopicRecord(key: Buffer | null, value: Buffer | null): OffsetsTopicRecord {
  if (key === null) return { kind: 'invalid', error: new OffsetsTopicDecodeError('key', 'no key') };
  let decodedKey: ReturnType<typeof decodeKey>;
  try {
    decodedKey = decodeKey(key);
  } catch (error) {
    return { kind: 'invalid', error: asDecodeError(error, 'key') };
  }
  if ('kind' in decodedKey) return decodedKey;
  if (value === null) return { kind: 'tombstone', ...decodedKey };
  try {
    return { kind: 'commit', ...decodedKey, ...decodeValue(value) };
  } catch (error) {
    return { kind: 'invalid', error: asDecodeError(error, 'value') };
  }
}
