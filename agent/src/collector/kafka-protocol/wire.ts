/**
 * Kafka's wire encoding for the flexible (KIP-482) versions the agent speaks itself:
 * fixed-width big-endian integers, unsigned varints, compact strings and arrays (length + 1,
 * 0 for null), UUIDs and tagged-field sections. Pure: bytes in, values out.
 */

/** A request or response the agent could not encode or decode; the message names the API and version. */
export class KafkaProtocolError extends Error {
  constructor(
    /** The API and version, for example `ConsumerGroupDescribe v1 response`. */
    readonly context: string,
    detail: string,
  ) {
    super(`${context}: ${detail}`);
    this.name = 'KafkaProtocolError';
  }
}

// A varint of an int32 takes at most 5 bytes; a sixth means garbage.
const MAX_VARINT_BYTES = 5;

/** Builds one request body. Every write appends; {@link bytes} returns what was written. */
export class WireWriter {
  private buffer = Buffer.alloc(64);
  private length = 0;

  /**
   * Makes room for `size` bytes and returns where they go. Callers take the position
   * before touching `this.buffer`: growing replaces the buffer, so a reference read
   * earlier in the same expression would write into the old one.
   */
  private reserve(size: number): number {
    if (this.length + size > this.buffer.length) {
      const grown = Buffer.alloc(Math.max(this.buffer.length * 2, this.length + size));
      this.buffer.copy(grown, 0, 0, this.length);
      this.buffer = grown;
    }
    const at = this.length;
    this.length += size;
    return at;
  }

  int8(value: number): this {
    const at = this.reserve(1);
    this.buffer.writeInt8(value, at);
    return this;
  }

  int16(value: number): this {
    const at = this.reserve(2);
    this.buffer.writeInt16BE(value, at);
    return this;
  }

  int32(value: number): this {
    const at = this.reserve(4);
    this.buffer.writeInt32BE(value, at);
    return this;
  }

  int64(value: number): this {
    const at = this.reserve(8);
    this.buffer.writeBigInt64BE(BigInt(value), at);
    return this;
  }

  bool(value: boolean): this {
    return this.int8(value ? 1 : 0);
  }

  /** Unsigned varint, 7 bits a byte, least significant group first. */
  unsignedVarint(value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
      throw new RangeError(`unsigned varint out of range: ${value}`);
    }
    let rest = value;
    while (rest > 0x7f) {
      const at = this.reserve(1);
      this.buffer[at] = (rest & 0x7f) | 0x80;
      rest = Math.floor(rest / 128);
    }
    const at = this.reserve(1);
    this.buffer[at] = rest;
    return this;
  }

  /** COMPACT_NULLABLE_STRING: length + 1 as a varint (0 for null), then UTF-8. */
  compactString(value: string | null): this {
    if (value === null) return this.unsignedVarint(0);
    const encoded = Buffer.from(value, 'utf8');
    this.unsignedVarint(encoded.length + 1);
    const at = this.reserve(encoded.length);
    encoded.copy(this.buffer, at);
    return this;
  }

  /** COMPACT_ARRAY: count + 1 as a varint (0 for null), then each element. */
  compactArray<T>(items: readonly T[] | null, writeItem: (writer: this, item: T) => void): this {
    if (items === null) return this.unsignedVarint(0);
    this.unsignedVarint(items.length + 1);
    for (const item of items) writeItem(this, item);
    return this;
  }

  /** An empty tagged-field section, which ends every struct of a flexible version. */
  emptyTaggedFields(): this {
    return this.unsignedVarint(0);
  }

  /** A copy of everything written. */
  bytes(): Buffer {
    return Buffer.from(this.buffer.subarray(0, this.length));
  }
}

/**
 * Reads one response body. Every read checks the bytes left and names the field it was
 * reading in its error, so a truncated or garbled response fails with a message such as
 * `ShareGroupDescribe v1 response: truncated reading GroupEpoch (needs 4 bytes at byte 31, 2 left)`.
 */
export class WireReader {
  private position = 0;

  constructor(
    private readonly bytes: Buffer,
    /** Names the API and version in errors. */
    readonly context: string,
  ) {}

  /** Bytes not read yet. */
  get remaining(): number {
    return this.bytes.length - this.position;
  }

  private fail(detail: string): never {
    throw new KafkaProtocolError(this.context, detail);
  }

  private take(size: number, field: string): number {
    if (size > this.remaining) {
      this.fail(
        `truncated reading ${field} (needs ${size} bytes at byte ${this.position}, ${this.remaining} left)`,
      );
    }
    const at = this.position;
    this.position += size;
    return at;
  }

  int8(field: string): number {
    return this.bytes.readInt8(this.take(1, field));
  }

  int16(field: string): number {
    return this.bytes.readInt16BE(this.take(2, field));
  }

  uint16(field: string): number {
    return this.bytes.readUInt16BE(this.take(2, field));
  }

  int32(field: string): number {
    return this.bytes.readInt32BE(this.take(4, field));
  }

  /** An int64 as a number; offsets and lags beyond 2^53 cannot be exact, so they are an error. */
  int64(field: string): number {
    const value = this.bytes.readBigInt64BE(this.take(8, field));
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
      this.fail(`${field} ${value} is beyond the exact range of a number`);
    }
    return Number(value);
  }

  bool(field: string): boolean {
    const value = this.bytes.readUInt8(this.take(1, field));
    if (value > 1) this.fail(`${field} is not a boolean (byte ${value})`);
    return value === 1;
  }

  unsignedVarint(field: string): number {
    let value = 0;
    for (let index = 0; index < MAX_VARINT_BYTES; index++) {
      const byte = this.bytes.readUInt8(this.take(1, field));
      value += (byte & 0x7f) * 2 ** (7 * index);
      if ((byte & 0x80) === 0) {
        if (value > 0xffffffff) this.fail(`${field} varint exceeds 32 bits`);
        return value;
      }
    }
    return this.fail(`${field} varint is longer than ${MAX_VARINT_BYTES} bytes`);
  }

  /** A UUID in Kafka's printed form: URL-safe base64 of its 16 bytes, without padding. */
  uuid(field: string): string {
    const at = this.take(16, field);
    return this.bytes.subarray(at, at + 16).toString('base64url');
  }

  /** NULLABLE_STRING of the non-flexible versions: an int16 length (-1 for null), then UTF-8. */
  nullableString(field: string): string | null {
    const length = this.int16(field);
    if (length === -1) return null;
    if (length < 0) this.fail(`${field} has a negative length (${length})`);
    const at = this.take(length, field);
    return this.bytes.toString('utf8', at, at + length);
  }

  /** STRING of the non-flexible versions: an int16 length, then UTF-8; null is an error. */
  string(field: string): string {
    const value = this.nullableString(field);
    if (value === null) this.fail(`${field} is null but the schema does not allow null`);
    return value;
  }

  compactNullableString(field: string): string | null {
    const lengthPlusOne = this.unsignedVarint(field);
    if (lengthPlusOne === 0) return null;
    const at = this.take(lengthPlusOne - 1, field);
    return this.bytes.toString('utf8', at, at + lengthPlusOne - 1);
  }

  compactString(field: string): string {
    const value = this.compactNullableString(field);
    if (value === null) this.fail(`${field} is null but the schema does not allow null`);
    return value;
  }

  compactNullableArray<T>(field: string, readItem: (reader: this) => T): T[] | null {
    const countPlusOne = this.unsignedVarint(field);
    if (countPlusOne === 0) return null;
    const count = countPlusOne - 1;
    // Every element takes at least a byte: a larger count is garbage, not a reason to loop for ages.
    if (count > this.remaining) {
      this.fail(`${field} claims ${count} elements with only ${this.remaining} bytes left`);
    }
    const items: T[] = [];
    for (let index = 0; index < count; index++) items.push(readItem(this));
    return items;
  }

  compactArray<T>(field: string, readItem: (reader: this) => T): T[] {
    const items = this.compactNullableArray(field, readItem);
    if (items === null) this.fail(`${field} is null but the schema does not allow null`);
    return items;
  }

  /** A nullable struct: a presence byte (negative for null, 1 otherwise), then the struct. */
  nullableStruct<T>(field: string, readStruct: (reader: this) => T): T | null {
    return this.int8(`${field} presence`) < 0 ? null : readStruct(this);
  }

  /**
   * Skips a tagged-field section. None of the fields the agent reads are tagged, so every
   * tag is one a newer broker may add and is skipped by its size.
   */
  taggedFields(where: string): void {
    const count = this.unsignedVarint(`${where} tagged fields`);
    if (count > this.remaining) {
      this.fail(`${where} claims ${count} tagged fields with only ${this.remaining} bytes left`);
    }
    for (let index = 0; index < count; index++) {
      this.unsignedVarint(`${where} tag`);
      const size = this.unsignedVarint(`${where} tagged field size`);
      this.take(size, `${where} tagged field`);
    }
  }

  /** Fails when bytes are left over: the response did not have the layout of the version asked for. */
  end(): void {
    if (this.remaining > 0) this.fail(`${this.remaining} unexpected bytes after the end of the response`);
  }
}
