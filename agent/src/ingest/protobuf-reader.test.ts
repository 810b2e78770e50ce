import { OtlpDecodeError } from './decode-error';
import { IngestRejectionReason } from './limits';
import { ProtobufReader, WireType } from './protobuf-reader';
import { ProtobufWriter } from './protobuf-writer';

function reader(bytes: readonly number[] | Uint8Array): ProtobufReader {
  return ProtobufReader.of(Uint8Array.from(bytes));
}

/** Reads one field's tag and returns the reader positioned on its value. */
function atField(bytes: Uint8Array): ProtobufReader {
  const fieldReader = ProtobufReader.of(bytes);
  expect(fieldReader.nextField()).toBe(true);
  return fieldReader;
}

function malformed(action: () => unknown, message: RegExp): void {
  let caught: unknown;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(OtlpDecodeError);
  expect((caught as OtlpDecodeError).reason).toBe(IngestRejectionReason.MalformedProtobuf);
  expect((caught as OtlpDecodeError).message).toMatch(message);
}

describe('ProtobufReader varints', () => {
  it.each<[number | bigint, number[]]>([
    [0, [0x00]],
    [1, [0x01]],
    [127, [0x7f]],
    [128, [0x80, 0x01]],
    [300, [0xac, 0x02]],
    [2 ** 32, [0x80, 0x80, 0x80, 0x80, 0x10]],
    [2 ** 53 - 1, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]],
  ])('reads %s', (value, bytes) => {
    expect(new ProtobufWriter().varint(value).finish()).toEqual(Uint8Array.from(bytes));
    const tagged = atField(new ProtobufWriter().varintField(1, value).finish());
    expect(tagged.readVarint()).toBe(Number(value));
  });

  it('reads int64 values exactly, negative ones included (10-byte two’s complement)', () => {
    for (const value of [0n, 1n, -1n, -(2n ** 63n), 2n ** 63n - 1n, 9_007_199_254_740_993n]) {
      const field = atField(new ProtobufWriter().varintField(1, value).finish());
      expect(field.readInt64AsString()).toBe(value.toString());
    }
    expect(new ProtobufWriter().varint(-1).finish()).toHaveLength(10);
  });

  it('rejects a varint that runs past the end of its message', () => {
    malformed(() => reader([0x80]).nextField(), /varint truncated/);
    const truncated = reader([0x08, 0xff, 0xff]);
    truncated.nextField();
    malformed(() => truncated.readVarint(), /varint truncated/);
  });

  it('rejects varints longer than 10 bytes and a 10th byte above 1', () => {
    const eleven = reader([0x08, ...new Array<number>(10).fill(0xff), 0x01]);
    eleven.nextField();
    malformed(() => eleven.readVarint(), /overflows 64 bits|longer than 10 bytes/);
    const overflow = reader([0x08, ...new Array<number>(9).fill(0xff), 0x02]);
    overflow.nextField();
    malformed(() => overflow.readVarint(), /overflows 64 bits/);
    const padded = reader([0x08, ...new Array<number>(10).fill(0x80), 0x00]);
    padded.nextField();
    malformed(() => padded.readVarint(), /longer than 10 bytes|overflows/);
  });
});

describe('ProtobufReader tags', () => {
  it('reads field numbers and wire types, and reports the end of the message', () => {
    const bytes = new ProtobufWriter().varintField(1, 5).stringField(15, 'x').fixed64Field(16, 1).finish();
    const message = ProtobufReader.of(bytes);
    const seen: [number, number][] = [];
    while (message.nextField()) {
      seen.push([message.fieldNumber, message.wireType]);
      message.skipField();
    }
    expect(seen).toEqual([
      [1, WireType.varint],
      [15, WireType.lengthDelimited],
      [16, WireType.fixed64],
    ]);
    expect(message.nextField()).toBe(false);
  });

  it('reads the largest field number and rejects field 0', () => {
    const largest = atField(new ProtobufWriter().varintField(0x1fffffff, 1).finish());
    expect(largest.fieldNumber).toBe(0x1fffffff);
    malformed(() => reader([0x00, 0x01]).nextField(), /invalid field number 0/);
    malformed(
      () => ProtobufReader.of(new ProtobufWriter().tag(0x20000000, 0).varint(1).finish()).nextField(),
      /invalid field number|32 bits/,
    );
  });

  it('rejects wire types 6 and 7 and a tag wider than 32 bits', () => {
    malformed(() => reader([0x0e]).nextField(), /invalid wire type 6/);
    malformed(() => reader([0x0f]).nextField(), /invalid wire type 7/);
    malformed(() => reader([0xff, 0xff, 0xff, 0xff, 0xff, 0x01]).nextField(), /32 bits/);
  });

  it('rejects groups when they have to be skipped', () => {
    const group = atField(Uint8Array.from([0x0b, 0x0c]));
    expect(group.wireType).toBe(WireType.startGroup);
    malformed(() => group.skipField(), /groups are not supported/);
    const endGroup = atField(Uint8Array.from([0x0c]));
    malformed(() => endGroup.skipField(), /groups are not supported/);
  });

  it('names the field and both wire types when a known field has the wrong one', () => {
    const field = atField(new ProtobufWriter().varintField(3, 1).finish());
    malformed(
      () => field.expectWireType(WireType.lengthDelimited, 'metric name'),
      /metric name \(field 3\) has wire type varint, expected length-delimited/,
    );
  });
});

describe('ProtobufReader fixed-width values', () => {
  it('reads fixed64, sfixed64 and doubles little-endian', () => {
    const bytes = new ProtobufWriter()
      .fixed64Field(1, 1_700_000_000_123_456_789n)
      .fixed64Field(2, -5)
      .fixed64Field(3, -(2n ** 40n))
      .doubleField(4, 0.1)
      .doubleField(5, Number.NEGATIVE_INFINITY)
      .finish();
    const message = ProtobufReader.of(bytes);
    message.nextField();
    // Nanosecond times exceed 2^53: the nearest double is what comes back.
    expect(message.readFixed64()).toBe(Number(1_700_000_000_123_456_789n));
    message.nextField();
    expect(message.readSfixed64()).toBe(-5);
    message.nextField();
    expect(message.readSfixed64()).toBe(-(2 ** 40));
    message.nextField();
    expect(message.readDouble()).toBe(0.1);
    message.nextField();
    expect(message.readDouble()).toBe(Number.NEGATIVE_INFINITY);
  });

  it('rejects a fixed64 with fewer than 8 bytes left', () => {
    const short = atField(Uint8Array.from([0x09, 1, 2, 3, 4, 5, 6, 7]));
    malformed(() => short.readFixed64(), /truncated/);
    const shortSkip = atField(Uint8Array.from([0x0d, 1, 2, 3]));
    malformed(() => shortSkip.skipField(), /truncated/);
  });
});

describe('ProtobufReader length-delimited values', () => {
  it('reads strings as UTF-8, checking their length first', () => {
    const field = atField(new ProtobufWriter().stringField(1, 'grüße 📦').finish());
    const lengths: number[] = [];
    expect(field.readString((bytes) => lengths.push(bytes))).toBe('grüße 📦');
    expect(lengths).toEqual([Buffer.byteLength('grüße 📦')]);
  });

  it('lets the length check refuse a string before it is decoded', () => {
    const field = atField(new ProtobufWriter().stringField(1, 'x'.repeat(100)).finish());
    expect(() =>
      field.readString((bytes) => {
        throw new Error(`too long: ${bytes}`);
      }),
    ).toThrow('too long: 100');
  });

  it('decodes short ASCII, long ASCII, control characters and non-ASCII alike', () => {
    for (const text of [
      '',
      'a',
      'tab\there\u0000nul',
      'x'.repeat(64),
      'y'.repeat(65),
      'ascii then ü',
      '\u007f',
    ]) {
      const field = atField(new ProtobufWriter().stringField(1, text).finish());
      expect(field.readString(() => undefined)).toBe(text);
    }
  });

  it('rejects invalid UTF-8', () => {
    const field = atField(new ProtobufWriter().bytesField(1, Uint8Array.from([0xc3, 0x28])).finish());
    malformed(() => field.readString(() => undefined), /not valid UTF-8/);
    // Past the ASCII fast path too, and after an ASCII prefix.
    const late = atField(new ProtobufWriter().bytesField(1, Uint8Array.from([0x61, 0x62, 0xff])).finish());
    malformed(() => late.readString(() => undefined), /not valid UTF-8/);
  });

  it('keeps a leading byte-order mark', () => {
    const field = atField(new ProtobufWriter().stringField(1, '\ufeffa').finish());
    expect(field.readString(() => undefined)).toBe('\ufeffa');
  });

  it('reads bytes as base64', () => {
    const field = atField(new ProtobufWriter().bytesField(1, Uint8Array.from([0, 1, 254, 255])).finish());
    expect(field.readBytesAsBase64(() => undefined)).toBe('AAH+/w==');
  });

  it('rejects a length that points past the end of its message', () => {
    const field = atField(Uint8Array.from([0x0a, 0x05, 0x61]));
    malformed(() => field.readMessage(), /claims 5 bytes but only 1 remain/);
  });

  it('confines an embedded message to its own bytes', () => {
    // Outer field 1 holds 2 bytes: an inner field 1 whose length (3) reaches into the outer field 2.
    const bytes = Uint8Array.from([0x0a, 0x02, 0x0a, 0x03, 0x10, 0x01, 0x61]);
    const outer = atField(bytes);
    const inner = outer.readMessage();
    expect(inner.nextField()).toBe(true);
    malformed(() => inner.readMessage(), /claims 3 bytes but only 0 remain/);
    // The outer reader is unaffected and continues with its own field 2.
    expect(outer.nextField()).toBe(true);
    expect(outer.fieldNumber).toBe(2);
  });

  it('rejects a length too large for any message', () => {
    const field = atField(Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]));
    malformed(() => field.skipField(), /claims \d+ bytes/);
  });

  it('reports how many bytes remain', () => {
    const message = reader([0x08, 0x01, 0x10, 0x02]);
    expect(message.remaining).toBe(4);
    message.nextField();
    message.skipField();
    expect(message.remaining).toBe(2);
  });
});

describe('ProtobufReader repeated 8-byte fields', () => {
  it('reads packed and unpacked encodings into the same list', () => {
    const bytes = new ProtobufWriter()
      .packedFixed64Field(6, [1, 2, 3])
      .fixed64Field(6, 4)
      .packedDoubleField(7, [0.5, 1.5])
      .doubleField(7, 2.5)
      .finish();
    const message = ProtobufReader.of(bytes);
    const counts: number[] = [];
    const bounds: number[] = [];
    while (message.nextField()) {
      if (message.fieldNumber === 6) message.readRepeated64(counts, 'fixed64', () => undefined);
      else message.readRepeated64(bounds, 'double', () => undefined);
    }
    expect(counts).toEqual([1, 2, 3, 4]);
    expect(bounds).toEqual([0.5, 1.5, 2.5]);
  });

  it('checks the count before allocating', () => {
    const field = atField(new ProtobufWriter().packedFixed64Field(6, [1, 2, 3, 4, 5]).finish());
    const asked: number[] = [];
    const into = [9];
    expect(() =>
      field.readRepeated64(into, 'fixed64', (count) => {
        asked.push(count);
        throw new Error('limit');
      }),
    ).toThrow('limit');
    expect(asked).toEqual([6]);
    expect(into).toEqual([9]);
  });

  it('rejects a packed length that is not a multiple of 8, and other wire types', () => {
    const odd = atField(new ProtobufWriter().bytesField(6, new Uint8Array(12)).finish());
    malformed(() => odd.readRepeated64([], 'fixed64', () => undefined), /not a multiple of 8/);
    const varint = atField(new ProtobufWriter().varintField(6, 1).finish());
    malformed(() => varint.readRepeated64([], 'fixed64', () => undefined), /wire type varint/);
  });
});

describe('ProtobufReader skipping', () => {
  it('skips every non-group wire type exactly', () => {
    const bytes = new ProtobufWriter()
      .varintField(1, 2n ** 63n)
      .fixed64Field(2, 7)
      .stringField(3, 'abc')
      .tag(4, WireType.fixed32)
      .raw([1, 2, 3, 4])
      .varintField(5, 42)
      .finish();
    const message = ProtobufReader.of(bytes);
    for (let index = 0; index < 4; index++) {
      message.nextField();
      message.skipField();
    }
    message.nextField();
    expect(message.fieldNumber).toBe(5);
    expect(message.readVarint()).toBe(42);
    expect(message.nextField()).toBe(false);
  });

  it('reads an empty body as a message without fields', () => {
    expect(ProtobufReader.of(new Uint8Array(0)).nextField()).toBe(false);
  });

  it('works on a view into a larger buffer', () => {
    const inner = new ProtobufWriter().varintField(1, 7).doubleField(2, 1.25).finish();
    const padded = new Uint8Array(inner.length + 6);
    padded.set(inner, 3);
    const message = ProtobufReader.of(padded.subarray(3, 3 + inner.length));
    message.nextField();
    expect(message.readVarint()).toBe(7);
    message.nextField();
    expect(message.readDouble()).toBe(1.25);
    expect(message.nextField()).toBe(false);
  });
});
