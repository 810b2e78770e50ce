import { type KafkaMessageHeaders } from './kafka-headers';
import {
  formatProducerId,
  parseDecimal,
  StreamopsHeaderReader,
  streamopsHeaderNames,
  writeStreamopsHeaders,
  type IgnoredHeaderReason,
} from './streamops-headers';

function asDelivered(headers: KafkaMessageHeaders): KafkaMessageHeaders {
  const delivered: KafkaMessageHeaders = {};
  for (const [name, value] of Object.entries(headers)) delivered[name] = Buffer.from(String(value));
  return delivered;
}

function reader(): { read: StreamopsHeaderReader; ignored: IgnoredHeaderReason[] } {
  const ignored: IgnoredHeaderReason[] = [];
  return { read: new StreamopsHeaderReader((reason) => ignored.push(reason)), ignored };
}

describe('parseDecimal', () => {
  it.each<[string, number]>([
    ['0', 0],
    ['1712345678901', 1712345678901],
    ['999999999999999', 999999999999999],
    ['', -1],
    ['-1', -1],
    ['1e3', -1],
    [' 1', -1],
    ['1234567890123456', -1],
  ])('parses %p as %p, from strings and Buffers', (text, expected) => {
    expect(parseDecimal(text)).toBe(expected);
    expect(parseDecimal(Buffer.from(text))).toBe(expected);
  });
});

describe('streamops headers', () => {
  it('round-trip through Buffers as kafkajs delivers them', () => {
    const headers: KafkaMessageHeaders = {};
    writeStreamopsHeaders(headers, 1712345678901, formatProducerId('a1b2c3', 2), 41);
    expect(headers).toEqual({
      'streamops-origin-ts': '1712345678901',
      'streamops-producer-id': 'a1b2c3.2',
      'streamops-seq': '41',
    });
    const { read, ignored } = reader();
    read.read(asDelivered(headers));
    expect(read.originTimestampMs).toBe(1712345678901);
    expect(read.sequence).toBe(41);
    expect(read.producer).toEqual({ text: 'a1b2c3.2', instance: 'a1b2c3', epoch: 2 });
    expect(ignored).toEqual([]);
  });

  it('reuses the parsed producer id of consecutive messages', () => {
    const { read } = reader();
    read.read({ [streamopsHeaderNames.producerId]: Buffer.from('abc.0') });
    const first = read.producer;
    read.read({ [streamopsHeaderNames.producerId]: Buffer.from('abc.0') });
    expect(read.producer).toBe(first);
    read.read({ [streamopsHeaderNames.producerId]: Buffer.from('abd.0') });
    expect(read.producer?.instance).toBe('abd');
  });

  it('leaves fields unset without headers, and resets them between messages', () => {
    const { read, ignored } = reader();
    read.read(
      asDelivered({ 'streamops-origin-ts': '5', 'streamops-producer-id': 'a.0', 'streamops-seq': '1' }),
    );
    read.read(undefined);
    expect([read.originTimestampMs, read.sequence, read.producer]).toEqual([-1, -1, undefined]);
    read.read({ other: Buffer.from('x') });
    expect([read.originTimestampMs, read.sequence, read.producer]).toEqual([-1, -1, undefined]);
    expect(ignored).toEqual([]);
  });

  it.each<[KafkaMessageHeaders, IgnoredHeaderReason[]]>([
    [{ 'streamops-origin-ts': Buffer.from('soon') }, ['malformed']],
    [{ 'streamops-producer-id': Buffer.from('UPPER.0') }, ['malformed']],
    [{ 'streamops-producer-id': Buffer.from('abc') }, ['malformed']],
    [{ 'streamops-producer-id': Buffer.from('abc.') }, ['malformed']],
    [{ 'streamops-producer-id': Buffer.from(`${'a'.repeat(33)}.0`) }, ['malformed']],
    [{ 'streamops-producer-id': Buffer.from('a.0'), 'streamops-seq': Buffer.from('x') }, ['malformed']],
    [{ 'streamops-producer-id': Buffer.from('a.b'), 'streamops-seq': Buffer.from('1') }, ['malformed']],
    [{ 'streamops-seq': Buffer.from('3') }, ['incomplete']],
    [{ 'streamops-seq': [Buffer.from('3'), Buffer.from('4')] }, ['repeated']],
    [{ 'streamops-origin-ts': [] }, []],
  ])('ignores and reports bad headers: %p', (headers, reasons) => {
    const { read, ignored } = reader();
    expect(() => read.read(headers)).not.toThrow();
    expect(read.sequence).toBe(-1);
    expect(ignored).toEqual(reasons);
  });

  it('survives header values of a foreign type', () => {
    const { read, ignored } = reader();
    const headers = { 'streamops-origin-ts': 5 } as unknown as KafkaMessageHeaders;
    expect(() => read.read(headers)).not.toThrow();
    expect(ignored).toEqual(['malformed']);
  });

  it('accepts a single-element array, as a repeated header list of one', () => {
    const { read } = reader();
    read.read({ 'streamops-origin-ts': [Buffer.from('12')] });
    expect(read.originTimestampMs).toBe(12);
  });
});
