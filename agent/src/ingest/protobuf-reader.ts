import { TextDecoder } from 'node:util';
import { malformedProtobuf } from './decode-error';

/** Protobuf wire types (the low three bits of a tag). */
export const WireType = {
  varint: 0,
  fixed64: 1,
  lengthDelimited: 2,
  startGroup: 3,
  endGroup: 4,
  fixed32: 5,
} as const;

const wireTypeNames = ['varint', 'fixed64', 'length-delimited', 'start-group', 'end-group', 'fixed32'];

// Largest field number protobuf allows (2^29 - 1).
const MAX_FIELD_NUMBER = 0x1fffffff;
const TWO_TO_32 = 4294967296;

// Strings up to this many bytes are tried as ASCII first.
const SHORT_STRING = 64;

// Strings in proto3 must be UTF-8; fatal makes invalid sequences an error instead of U+FFFD.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A strict reader of the protobuf wire format over one message's bytes.
 *
 * Every read checks its bounds against the end of the current message (not the whole
 * buffer), so a length that points past its parent, a truncated varint or an 11-byte
 * varint is reported as malformed rather than read from a neighbour. Nested messages are
 * read through sub-readers over a slice of the same buffer (no copies). Groups (wire types
 * 3 and 4) are rejected: proto3 never writes them and skipping them would need recursion.
 * Failures are thrown as {@link OtlpDecodeError} with reason malformed_protobuf.
 *
 * Usage: `while (reader.nextField()) switch (reader.fieldNumber) { ... default: reader.skipField(); }`.
 */
export class ProtobufReader {
  /** Field number of the tag last read by {@link nextField}. */
  fieldNumber = 0;
  /** Wire type of the tag last read by {@link nextField}. */
  wireType = 0;
  private position: number;
  // The last varint, as two unsigned 32-bit halves (no allocation per read).
  private low = 0;
  private high = 0;

  private constructor(
    private readonly bytes: Uint8Array,
    private readonly view: DataView,
    start: number,
    private readonly end: number,
  ) {
    this.position = start;
  }

  /** A reader over all of `bytes`. */
  static of(bytes: Uint8Array): ProtobufReader {
    return new ProtobufReader(
      bytes,
      new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      0,
      bytes.length,
    );
  }

  /** Bytes left in the current message. */
  get remaining(): number {
    return this.end - this.position;
  }

  /**
   * Reads the next tag. Returns false at the end of the message.
   *
   * @throws OtlpDecodeError on a bad tag: field number 0 or too large, or an invalid wire type.
   */
  nextField(): boolean {
    if (this.position >= this.end) return false;
    this.readVarintParts();
    if (this.high !== 0) throw malformedProtobuf('field tag does not fit in 32 bits');
    const tag = this.low;
    this.fieldNumber = tag >>> 3;
    this.wireType = tag & 7;
    if (this.fieldNumber === 0 || this.fieldNumber > MAX_FIELD_NUMBER) {
      throw malformedProtobuf(`invalid field number ${this.fieldNumber}`);
    }
    if (this.wireType > WireType.fixed32) {
      throw malformedProtobuf(`invalid wire type ${this.wireType} on field ${this.fieldNumber}`);
    }
    return true;
  }

  /** Throws unless the current field has the wire type its schema says; `what` names the field. */
  expectWireType(expected: number, what: string): void {
    if (this.wireType !== expected) {
      throw malformedProtobuf(
        `${what} (field ${this.fieldNumber}) has wire type ${wireTypeNames[this.wireType] ?? this.wireType}, expected ${wireTypeNames[expected] ?? expected}`,
      );
    }
  }

  /** Skips the current field's value, whatever its (valid, non-group) wire type. */
  skipField(): void {
    switch (this.wireType) {
      case WireType.varint:
        this.readVarintParts();
        return;
      case WireType.fixed64:
        this.advance(8);
        return;
      case WireType.lengthDelimited:
        this.advance(this.readLength());
        return;
      case WireType.fixed32:
        this.advance(4);
        return;
      default:
        throw malformedProtobuf(`field ${this.fieldNumber} is a group; groups are not supported`);
    }
  }

  /** Reads a varint as an unsigned number (exact below 2^53, which enums, flags and booleans are). */
  readVarint(): number {
    this.readVarintParts();
    return this.high * TWO_TO_32 + this.low;
  }

  /** Reads a varint-encoded int64 exactly, as a decimal string. */
  readInt64AsString(): string {
    this.readVarintParts();
    return BigInt.asIntN(64, (BigInt(this.high) << 32n) | BigInt(this.low)).toString();
  }

  /** Reads a fixed64 as an unsigned number (exact below 2^53; nanosecond times lose < 1 µs). */
  readFixed64(): number {
    const at = this.advance(8);
    return this.view.getUint32(at + 4, true) * TWO_TO_32 + this.view.getUint32(at, true);
  }

  /** Reads an sfixed64 as a signed number (exact within ±2^53). */
  readSfixed64(): number {
    const at = this.advance(8);
    return this.view.getInt32(at + 4, true) * TWO_TO_32 + this.view.getUint32(at, true);
  }

  /** Reads a double (wire type fixed64). */
  readDouble(): number {
    return this.view.getFloat64(this.advance(8), true);
  }

  /** Reads the length prefix of a length-delimited field and checks it against the bytes left. */
  readLength(): number {
    this.readVarintParts();
    const length = this.high * TWO_TO_32 + this.low;
    if (length > this.remaining) {
      throw malformedProtobuf(
        `field ${this.fieldNumber} claims ${length} bytes but only ${this.remaining} remain in its message`,
      );
    }
    return length;
  }

  /** Reads a length-delimited field as a reader over its bytes (an embedded message). */
  readMessage(): ProtobufReader {
    const length = this.readLength();
    const start = this.advance(length);
    return new ProtobufReader(this.bytes, this.view, start, start + length);
  }

  /**
   * Reads a length-delimited field as UTF-8 text.
   *
   * @param checkLength called with the byte length before anything is decoded, to enforce a limit.
   */
  readString(checkLength: (bytes: number) => void): string {
    const length = this.readLength();
    checkLength(length);
    const start = this.advance(length);
    // Short ASCII strings (names, label values) are decoded here: crossing into the
    // native decoder costs more than the loop.
    if (length <= SHORT_STRING) {
      let ascii = '';
      let index = start;
      const end = start + length;
      for (; index < end; index++) {
        const byte = this.bytes[index] ?? 0x80;
        if (byte >= 0x80) break;
        ascii += String.fromCharCode(byte);
      }
      if (index === end) return ascii;
    }
    try {
      return utf8.decode(this.bytes.subarray(start, start + length));
    } catch {
      throw malformedProtobuf(`field ${this.fieldNumber} is not valid UTF-8`);
    }
  }

  /** Reads a length-delimited field as base64 (how OTLP JSON writes bytes values). */
  readBytesAsBase64(checkLength: (bytes: number) => void): string {
    const length = this.readLength();
    checkLength(length);
    const start = this.advance(length);
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset + start, length).toString('base64');
  }

  /**
   * Reads a repeated field of 8-byte values, packed or not, appending to `into`.
   *
   * @param checkCount called with the count the field would reach, before anything is
   *   allocated, to enforce a limit.
   */
  readRepeated64(into: number[], read: 'fixed64' | 'double', checkCount: (count: number) => void): void {
    if (this.wireType === WireType.fixed64) {
      checkCount(into.length + 1);
      into.push(read === 'double' ? this.readDouble() : this.readFixed64());
      return;
    }
    this.expectWireType(WireType.lengthDelimited, 'packed repeated field');
    const length = this.readLength();
    if (length % 8 !== 0) {
      throw malformedProtobuf(`packed field ${this.fieldNumber} has ${length} bytes, not a multiple of 8`);
    }
    checkCount(into.length + length / 8);
    const end = this.position + length;
    while (this.position < end) into.push(read === 'double' ? this.readDouble() : this.readFixed64());
  }

  /** Moves past `count` bytes and returns where they start. */
  private advance(count: number): number {
    if (count > this.end - this.position) {
      throw malformedProtobuf(`message truncated in field ${this.fieldNumber}`);
    }
    const start = this.position;
    this.position += count;
    return start;
  }

  private readVarintParts(): void {
    let low = 0;
    let high = 0;
    for (let index = 0; index < 10; index++) {
      if (this.position >= this.end) throw malformedProtobuf('varint truncated at the end of its message');
      const byte = this.bytes[this.position++] ?? 0;
      const bits = byte & 0x7f;
      if (index < 4) low |= bits << (7 * index);
      else if (index === 4) {
        low |= (bits & 0x0f) << 28;
        high |= bits >>> 4;
      } else if (index < 9) high |= bits << (7 * index - 32);
      else {
        // The tenth byte holds only the 64th bit.
        if (bits > 1) throw malformedProtobuf('varint overflows 64 bits');
        high |= bits << 31;
      }
      if (byte < 0x80) {
        this.low = low >>> 0;
        this.high = high >>> 0;
        return;
      }
    }
    throw malformedProtobuf('varint longer than 10 bytes');
  }
}
