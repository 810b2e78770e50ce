import { ProtobufReader } from './protobuf-reader';
import {
  encodeErrorStatus,
  encodeExportResponse,
  otlpContentType,
  rpcCodeForHttpStatus,
  RpcCode,
} from './responses';

/** Reads a message's fields into [field, value] pairs: varints as numbers, bytes as readers. */
function fields(bytes: Uint8Array): [number, number | ProtobufReader][] {
  const reader = ProtobufReader.of(bytes);
  const out: [number, number | ProtobufReader][] = [];
  while (reader.nextField()) {
    out.push([reader.fieldNumber, reader.wireType === 0 ? reader.readVarint() : reader.readMessage()]);
  }
  return out;
}

describe('encodeExportResponse', () => {
  it('is empty on full success', () => {
    expect(encodeExportResponse('protobuf', null)).toHaveLength(0);
    expect(Buffer.from(encodeExportResponse('json', null)).toString()).toBe('{}');
    expect(
      Buffer.from(encodeExportResponse('json', { rejectedDataPoints: 0, errorMessage: '' })).toString(),
    ).toBe('{}');
  });

  it('carries partial success in JSON with the int64 as a string', () => {
    expect(
      JSON.parse(
        Buffer.from(encodeExportResponse('json', { rejectedDataPoints: 3, errorMessage: 'bad' })).toString(),
      ),
    ).toEqual({ partialSuccess: { rejectedDataPoints: '3', errorMessage: 'bad' } });
  });

  it('carries partial success in protobuf: field 1 { 1: count, 2: message }', () => {
    const body = encodeExportResponse('protobuf', { rejectedDataPoints: 300, errorMessage: 'series_limit' });
    const [[field, inner]] = fields(body) as [[number, ProtobufReader]];
    expect(field).toBe(1);
    inner.nextField();
    expect([inner.fieldNumber, inner.readVarint()]).toEqual([1, 300]);
    inner.nextField();
    expect(inner.fieldNumber).toBe(2);
    expect(inner.readString(() => undefined)).toBe('series_limit');
    expect(inner.nextField()).toBe(false);
  });
});

describe('encodeErrorStatus', () => {
  it('writes a google.rpc.Status in protobuf', () => {
    const reader = ProtobufReader.of(encodeErrorStatus('protobuf', RpcCode.invalidArgument, 'bad body'));
    reader.nextField();
    expect([reader.fieldNumber, reader.readVarint()]).toEqual([1, 3]);
    reader.nextField();
    expect([reader.fieldNumber, reader.readString(() => undefined)]).toEqual([2, 'bad body']);
  });

  it('writes the same in JSON', () => {
    expect(JSON.parse(Buffer.from(encodeErrorStatus('json', 8, 'slow down')).toString())).toEqual({
      code: 8,
      message: 'slow down',
    });
  });

  it('maps HTTP statuses to gRPC codes', () => {
    expect([400, 401, 403, 413, 415, 429].map(rpcCodeForHttpStatus)).toEqual([3, 16, 7, 3, 3, 8]);
  });

  it('names the content type of each encoding', () => {
    expect(otlpContentType('protobuf')).toBe('application/x-protobuf');
    expect(otlpContentType('json')).toBe('application/json');
  });
});
