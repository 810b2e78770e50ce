import { concat, hex, int64, oneTag, sampleUuid, small } from './fixtures/bytes';
import { KafkaProtocolError, WireReader, WireWriter } from './wire';

const context = 'Test v0 response';

describe('WireWriter', () => {
  it('writes unsigned varints 7 bits a byte, least significant first', () => {
    const bytes = new WireWriter()
      .unsignedVarint(0)
      .unsignedVarint(127)
      .unsignedVarint(128)
      .unsignedVarint(300);
    expect(bytes.bytes()).toEqual(hex('00 7f 8001 ac02'));
    expect(new WireWriter().unsignedVarint(0xffffffff).bytes()).toEqual(hex('ffffffff0f'));
    expect(() => new WireWriter().unsignedVarint(-1)).toThrow(RangeError);
  });

  it('writes compact strings and arrays as length + 1, null as 0, and grows past its first buffer', () => {
    const long = 'x'.repeat(200);
    const bytes = new WireWriter()
      .compactString(null)
      .compactString('')
      .compactString('é')
      .compactArray(null, () => undefined)
      .compactArray([1, 2], (writer, value) => writer.int16(value))
      .compactString(long)
      .bytes();
    expect(bytes.subarray(0, 11)).toEqual(hex('00 01 03c3a9 00 03 0001 0002'));
    expect(bytes.subarray(11, 13)).toEqual(hex('c901')); // 201 as a varint
    expect(bytes.subarray(13).toString('utf8')).toBe(long);
    expect(bytes.length).toBe(13 + 200);
  });

  it('keeps every field intact when a write of any kind makes the buffer grow', () => {
    // Starting 63 bytes in, each next write crosses the first 64-byte buffer at a different field.
    const padding = 'p'.repeat(62);
    const writes: [string, (writer: WireWriter) => void, Buffer][] = [
      ['int8', (writer) => writer.int8(-1), hex('ff')],
      ['int16', (writer) => writer.int16(0x0102), hex('0102')],
      ['int32', (writer) => writer.int32(0x01020304), hex('01020304')],
      ['int64', (writer) => writer.int64(0x0102030405), hex('0000000102030405')],
      ['varint', (writer) => writer.unsignedVarint(300), hex('ac02')],
      ['string', (writer) => writer.compactString('group-id'), hex('09 67726f75702d6964')],
    ];
    for (const [kind, write, expected] of writes) {
      const writer = new WireWriter().compactString(padding);
      write(writer);
      expect([kind, writer.bytes().subarray(63)]).toEqual([kind, expected]);
    }
  });
});

describe('WireReader', () => {
  it('reads what the writer wrote, and Kafka UUIDs in their printed form', () => {
    const bytes = concat(
      new WireWriter()
        .int8(-2)
        .int16(-300)
        .int32(70_000)
        .int64(2 ** 40)
        .bool(true)
        .bytes(),
      sampleUuid,
      new WireWriter().unsignedVarint(300).compactString('grp').compactString(null).bytes(),
    );
    const reader = new WireReader(bytes, context);
    expect(reader.int8('a')).toBe(-2);
    expect(reader.int16('b')).toBe(-300);
    expect(reader.int32('c')).toBe(70_000);
    expect(reader.int64('d')).toBe(2 ** 40);
    expect(reader.bool('e')).toBe(true);
    expect(reader.uuid('f')).toBe('AAECAwQFBgcICQoLDA0ODw');
    expect(reader.unsignedVarint('g')).toBe(300);
    expect(reader.compactString('h')).toBe('grp');
    expect(reader.compactNullableString('i')).toBeNull();
    reader.end();
  });

  it('reads the int16-length strings of non-flexible versions, -1 as null', () => {
    const reader = new WireReader(hex('0003 c3a978 0000 ffff ffff fffe'), context);
    expect(reader.string('a')).toBe('éx');
    expect(reader.string('b')).toBe('');
    expect(reader.nullableString('c')).toBeNull();
    expect(() => reader.string('d')).toThrow(/d is null but the schema does not allow null/);
    expect(() => reader.string('e')).toThrow(/e has a negative length \(-2\)/);
    expect(() => new WireReader(hex('0005 6162'), context).string('f')).toThrow(
      'Test v0 response: truncated reading f (needs 5 bytes at byte 2, 2 left)',
    );
  });

  it('skips tagged fields of any content by their size', () => {
    const reader = new WireReader(concat(oneTag(7, hex('deadbeef')), hex('2a')), context);
    reader.taggedFields('Group');
    expect(reader.int8('after')).toBe(42);
  });

  it('names the API and the field when the bytes run out', () => {
    const reader = new WireReader(hex('0000'), context);
    expect(() => reader.int32('GroupEpoch')).toThrow(
      new KafkaProtocolError(context, 'truncated reading GroupEpoch (needs 4 bytes at byte 0, 2 left)'),
    );
    expect(() => new WireReader(hex('05 6162'), context).compactString('GroupId')).toThrow(
      'Test v0 response: truncated reading GroupId (needs 4 bytes at byte 1, 2 left)',
    );
  });

  it('rejects garbage instead of looping or allocating on it', () => {
    // An array claiming 2^31 elements in a 6-byte buffer.
    expect(() =>
      new WireReader(hex('8080808008 00'), context).compactArray('Groups', (r) => r.int8('x')),
    ).toThrow(/Groups claims 2147483647 elements with only 1 bytes left/);
    expect(() => new WireReader(hex('ffffffffff01'), context).unsignedVarint('Count')).toThrow(
      /Count varint is longer than 5 bytes/,
    );
    expect(() => new WireReader(hex('ffffffff7f'), context).unsignedVarint('Count')).toThrow(
      /Count varint exceeds 32 bits/,
    );
    expect(() => new WireReader(hex('02'), context).bool('Flag')).toThrow(/Flag is not a boolean/);
    expect(() => new WireReader(int64(2 ** 60), context).int64('StartOffset')).toThrow(
      /StartOffset 1152921504606846976 is beyond the exact range of a number/,
    );
    expect(() => new WireReader(small(0), context).compactString('GroupId')).toThrow(
      /GroupId is null but the schema does not allow null/,
    );
    expect(() => new WireReader(small(0), context).compactArray('Members', (r) => r.int8('x'))).toThrow(
      /Members is null/,
    );
    const trailing = new WireReader(hex('00 00'), context);
    trailing.int8('x');
    expect(() => trailing.end()).toThrow(
      'Test v0 response: 1 unexpected bytes after the end of the response',
    );
  });
});
