import { WireType } from './protobuf-reader';

const encoder = new TextEncoder();

/**
 * A small protobuf writer: enough to answer OTLP exports (responses.ts) and to build
 * requests in tests. Values are appended in call order; nested messages are written
 * from another writer's bytes.
 */
export class ProtobufWriter {
  private readonly chunks: Uint8Array[] = [];
  private length = 0;

  private push(chunk: Uint8Array): this {
    this.chunks.push(chunk);
    this.length += chunk.length;
    return this;
  }

  /** Appends raw bytes (tests use it to write deliberately broken input). */
  raw(bytes: Uint8Array | readonly number[]): this {
    return this.push(Uint8Array.from(bytes));
  }

  /** Appends a tag. */
  tag(fieldNumber: number, wireType: number): this {
    return this.varint(fieldNumber * 8 + wireType);
  }

  /** Appends a varint; negative numbers are written as 64-bit two's complement (10 bytes). */
  varint(value: number | bigint): this {
    let remaining = BigInt.asUintN(64, BigInt(value));
    const bytes: number[] = [];
    do {
      const low = Number(remaining & 0x7fn);
      remaining >>= 7n;
      bytes.push(remaining > 0n ? low | 0x80 : low);
    } while (remaining > 0n);
    return this.push(Uint8Array.from(bytes));
  }

  /** A varint field (int32, int64, uint32, uint64, bool, enum). */
  varintField(fieldNumber: number, value: number | bigint | boolean): this {
    return this.tag(fieldNumber, WireType.varint).varint(
      typeof value === 'boolean' ? (value ? 1 : 0) : value,
    );
  }

  /** The 8 little-endian bytes of a fixed64 or sfixed64. */
  fixed64(value: number | bigint): this {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setBigUint64(0, BigInt.asUintN(64, BigInt(value)), true);
    return this.push(bytes);
  }

  /** The 8 little-endian bytes of a double. */
  double(value: number): this {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setFloat64(0, value, true);
    return this.push(bytes);
  }

  /** A fixed64 or sfixed64 field. */
  fixed64Field(fieldNumber: number, value: number | bigint): this {
    return this.tag(fieldNumber, WireType.fixed64).fixed64(value);
  }

  /** A double field. */
  doubleField(fieldNumber: number, value: number): this {
    return this.tag(fieldNumber, WireType.fixed64).double(value);
  }

  /** A length-delimited field holding `bytes`. */
  bytesField(fieldNumber: number, bytes: Uint8Array): this {
    return this.tag(fieldNumber, WireType.lengthDelimited).varint(bytes.length).push(bytes);
  }

  /** A string field (UTF-8). */
  stringField(fieldNumber: number, value: string): this {
    return this.bytesField(fieldNumber, encoder.encode(value));
  }

  /** An embedded message field. */
  messageField(fieldNumber: number, message: ProtobufWriter): this {
    return this.bytesField(fieldNumber, message.finish());
  }

  /** A packed repeated fixed64 field. */
  packedFixed64Field(fieldNumber: number, values: readonly (number | bigint)[]): this {
    const packed = new ProtobufWriter();
    for (const value of values) packed.fixed64(value);
    return this.bytesField(fieldNumber, packed.finish());
  }

  /** A packed repeated double field. */
  packedDoubleField(fieldNumber: number, values: readonly number[]): this {
    const packed = new ProtobufWriter();
    for (const value of values) packed.double(value);
    return this.bytesField(fieldNumber, packed.finish());
  }

  /** The bytes written so far. */
  finish(): Uint8Array {
    const bytes = new Uint8Array(this.length);
    let offset = 0;
    for (const chunk of this.chunks) {
      bytes.set(chunk, offset);
      offset += chunk.length;
    }
    return bytes;
  }
}
