import { compactString, concat, hex, int16, int32, int64, noTags, oneTag, small } from './fixtures/bytes';
import {
  decodeOffsetsTopicRecord,
  LATEST_KNOWN_VALUE_VERSION,
  OffsetsTopicDecodeError,
  type OffsetsTopicRecord,
} from './offsets-topic-codec';
import { seededRandom } from '../../fixtures/seeded-random';

/** STRING of the non-flexible versions: int16 length, then UTF-8 (-1: null). */
function string(value: string | null): Buffer {
  if (value === null) return int16(-1);
  const utf8 = Buffer.from(value, 'utf8');
  return concat(int16(utf8.length), utf8);
}

function commitKey(version: number, group: string, topic: string, partition: number): Buffer {
  return concat(int16(version), string(group), string(topic), int32(partition));
}

const commitTime = 1_750_000_000_123;
const expireTime = 1_750_604_800_123;

/** Values of every known version, laid out field by field as OffsetCommitValue.json says. */
const values: Record<number, Buffer> = {
  0: concat(int16(0), int64(42), string('meta'), int64(commitTime)),
  1: concat(int16(1), int64(42), string('meta'), int64(commitTime), int64(expireTime)),
  2: concat(int16(2), int64(42), string('meta'), int64(commitTime)),
  3: concat(int16(3), int64(42), int32(7), string('meta'), int64(commitTime)),
  4: concat(int16(4), int64(42), int32(7), compactString('meta'), int64(commitTime), noTags),
};

const key = commitKey(1, 'orders-app', 'orders', 3);

function commit(record: OffsetsTopicRecord) {
  if (record.kind !== 'commit') throw new Error(`expected a commit, got ${JSON.stringify(record)}`);
  return record;
}

describe('decodeOffsetsTopicRecord', () => {
  it.each([0, 1])('reads key version %i: group, topic and partition', (version) => {
    const record = commit(decodeOffsetsTopicRecord(commitKey(version, 'g', 'clicks', 12), values[3]!));
    expect(record).toMatchObject({ keyVersion: version, group: 'g', topic: 'clicks', partition: 12 });
  });

  it('reads value version 0: offset, metadata, commit time', () => {
    expect(commit(decodeOffsetsTopicRecord(key, values[0]!))).toEqual({
      kind: 'commit',
      keyVersion: 1,
      group: 'orders-app',
      topic: 'orders',
      partition: 3,
      valueVersion: 0,
      offset: 42,
      leaderEpoch: -1,
      metadata: 'meta',
      commitTimestampMs: commitTime,
      expireTimestampMs: null,
      newerVersion: false,
    });
  });

  it('reads value version 1 with its expire time (what Kafka writes for a commit with a retention time)', () => {
    expect(commit(decodeOffsetsTopicRecord(key, values[1]!))).toMatchObject({
      valueVersion: 1,
      offset: 42,
      leaderEpoch: -1,
      metadata: 'meta',
      commitTimestampMs: commitTime,
      expireTimestampMs: expireTime,
    });
  });

  it('reads value version 2 like version 0', () => {
    expect(commit(decodeOffsetsTopicRecord(key, values[2]!))).toMatchObject({
      valueVersion: 2,
      offset: 42,
      leaderEpoch: -1,
      commitTimestampMs: commitTime,
      expireTimestampMs: null,
    });
  });

  it('reads value version 3 with the leader epoch', () => {
    expect(commit(decodeOffsetsTopicRecord(key, values[3]!))).toMatchObject({
      valueVersion: 3,
      offset: 42,
      leaderEpoch: 7,
      metadata: 'meta',
      commitTimestampMs: commitTime,
      expireTimestampMs: null,
      newerVersion: false,
    });
  });

  it('reads value version 4: a compact metadata string and tagged fields, unknown tags skipped', () => {
    expect(commit(decodeOffsetsTopicRecord(key, values[4]!))).toMatchObject({
      valueVersion: 4,
      offset: 42,
      leaderEpoch: 7,
      metadata: 'meta',
      commitTimestampMs: commitTime,
    });
    const tagged = concat(
      int16(4),
      int64(42),
      int32(-1),
      compactString(''),
      int64(commitTime),
      oneTag(9, hex('cafe')),
    );
    expect(commit(decodeOffsetsTopicRecord(key, tagged))).toMatchObject({
      metadata: '',
      leaderEpoch: -1,
      commitTimestampMs: commitTime,
    });
  });

  it('reads a value version above the latest known with the latest layout, and flags it', () => {
    const newer = concat(
      int16(LATEST_KNOWN_VALUE_VERSION + 2),
      int64(42),
      int32(7),
      compactString('m'),
      int64(commitTime),
      oneTag(0, hex('01')),
      hex('ffff'), // whatever a newer version adds is not this reader's business
    );
    expect(commit(decodeOffsetsTopicRecord(key, newer))).toMatchObject({
      valueVersion: 6,
      offset: 42,
      commitTimestampMs: commitTime,
      newerVersion: true,
    });
  });

  it('reads UTF-8 names and a null metadata string from an old writer', () => {
    const value = concat(int16(3), int64(0), int32(-1), string(null), int64(commitTime));
    const record = commit(decodeOffsetsTopicRecord(commitKey(1, 'grüppe-é', '主题', 0), value));
    expect(record).toMatchObject({ group: 'grüppe-é', topic: '主题', offset: 0, metadata: null });
    const flexibleNull = concat(int16(4), int64(0), int32(-1), small(0), int64(commitTime), noTags);
    expect(commit(decodeOffsetsTopicRecord(key, flexibleNull)).metadata).toBeNull();
  });

  it('reads offsets and times up to 2^53 exactly', () => {
    const value = concat(int16(3), int64(2 ** 53 - 1), int32(0), string(''), int64(commitTime));
    expect(commit(decodeOffsetsTopicRecord(key, value)).offset).toBe(2 ** 53 - 1);
  });

  it('gives a tombstone for a null value, with the key it deletes', () => {
    expect(decodeOffsetsTopicRecord(commitKey(0, 'g', 't', 1), null)).toEqual({
      kind: 'tombstone',
      keyVersion: 0,
      group: 'g',
      topic: 't',
      partition: 1,
    });
  });

  it.each([2, 3, 5, 10, 11, 1000])(
    'passes over key version %i (not an offset commit) without reading it',
    (version) => {
      // Group metadata (2), KIP-848, share and streams records: the rest of the key is not read.
      expect(decodeOffsetsTopicRecord(concat(int16(version), hex('ff')), hex('00'))).toEqual({
        kind: 'other',
        keyVersion: version,
      });
      expect(decodeOffsetsTopicRecord(concat(int16(version), string('g')), null)).toEqual({
        kind: 'other',
        keyVersion: version,
      });
    },
  );

  it.each<[string, Buffer | null, Buffer | null, RegExp]>([
    ['no key', null, values[3]!, /key: no key/],
    ['an empty key', hex(''), values[3]!, /key: truncated reading version/],
    ['a negative key version', int16(-1), values[3]!, /key: negative version -1/],
    ['a null group', concat(int16(1), string(null), string('t'), int32(0)), null, /key: group is null/],
    ['a negative string length', concat(int16(1), int16(-5)), null, /key: group has a negative length/],
    ['a negative partition', commitKey(1, 'g', 't', -1), null, /key: negative partition -1/],
    ['bytes after the key', concat(commitKey(1, 'g', 't', 0), hex('00')), null, /key: 1 unexpected bytes/],
    ['an empty value', key, hex(''), /value: truncated reading version/],
    ['a negative value version', key, concat(int16(-2), int64(1)), /value: negative version -2/],
    ['bytes after a known value version', key, concat(values[3]!, hex('00')), /value: 1 unexpected bytes/],
    [
      'an offset past 2^53',
      key,
      concat(int16(0), hex('0020000000000001'), string(''), int64(commitTime)),
      /value: offset 9007199254740993 is beyond/,
    ],
    [
      'a compact string longer than the value',
      key,
      concat(int16(4), int64(1), int32(0), small(100), hex('00')),
      /value: truncated reading metadata/,
    ],
  ])('gives a typed error for %s', (_name, recordKey, value, message) => {
    const record = decodeOffsetsTopicRecord(recordKey, value);
    if (record.kind !== 'invalid') throw new Error(`expected invalid, got ${record.kind}`);
    expect(record.error).toBeInstanceOf(OffsetsTopicDecodeError);
    expect(record.error.message).toMatch(/^__consumer_offsets record /);
    expect(record.error.message).toMatch(message);
  });

  describe('truncation and garbage (seeded)', () => {
    const random = seededRandom;

    it('gives invalid, never a throw, for every strict prefix of every key and value version', () => {
      for (const version of [0, 1]) {
        const full = commitKey(version, 'group-é', 'topic', 5);
        for (let length = 0; length < full.length; length++) {
          expect([
            version,
            length,
            decodeOffsetsTopicRecord(full.subarray(0, length), values[3]!).kind,
          ]).toEqual([version, length, 'invalid']);
        }
      }
      for (const [version, full] of Object.entries(values)) {
        for (let length = 0; length < full.length; length++) {
          expect([version, length, decodeOffsetsTopicRecord(key, full.subarray(0, length)).kind]).toEqual([
            version,
            length,
            'invalid',
          ]);
        }
      }
    });

    it('never throws on random bytes or flipped bytes, and reads back every intact record', () => {
      const next = random(0x5eed_2024);
      const kinds = new Map<string, number>();
      const count = (kind: string) => kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      for (let round = 0; round < 5000; round++) {
        const garbage = (length: number) =>
          Buffer.from(Array.from({ length }, () => Math.floor(next() * 256)));
        // Random keys and values, with a small version often enough to reach the field readers.
        // Random keys: half of them well formed with random names, so the value readers are reached.
        const name = () => garbage(Math.floor(next() * 8)).toString('latin1');
        const randomKey =
          next() < 0.5
            ? commitKey(Math.floor(next() * 2), name(), name(), Math.floor(next() * 100))
            : garbage(Math.floor(next() * 40));
        if (randomKey.length >= 2 && next() < 0.3) randomKey.writeInt16BE(Math.floor(next() * 4), 0);
        const randomValue = next() < 0.1 ? null : garbage(Math.floor(next() * 60));
        if (randomValue && randomValue.length >= 2 && next() < 0.7)
          randomValue.writeInt16BE(Math.floor(next() * 6), 0);
        count(decodeOffsetsTopicRecord(randomKey, randomValue).kind);

        // One byte of a valid record changed: a commit with other values, or invalid; never a throw.
        const version = Math.floor(next() * 5);
        const value = Buffer.from(values[version]!);
        const flipped = Buffer.from(key);
        const target = next() < 0.5 ? value : flipped;
        const at = Math.floor(next() * target.length);
        target.writeUInt8(target.readUInt8(at) ^ (1 + Math.floor(next() * 255)), at);
        const record = decodeOffsetsTopicRecord(flipped, value);
        count(`flipped-${record.kind}`);
        if (record.kind === 'invalid') expect(record.error).toBeInstanceOf(OffsetsTopicDecodeError);
      }
      // The generator reached every outcome (random bytes almost never make a whole commit).
      for (const kind of ['tombstone', 'other', 'invalid', 'flipped-commit', 'flipped-invalid']) {
        expect([kind, (kinds.get(kind) ?? 0) > 0]).toEqual([kind, true]);
      }
      for (const version of [0, 1, 2, 3, 4]) {
        expect(commit(decodeOffsetsTopicRecord(key, values[version]!)).offset).toBe(42);
      }
    });
  });
});
