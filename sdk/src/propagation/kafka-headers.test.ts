import { ROOT_CONTEXT, trace, TraceFlags, type SpanContext } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { kafkaHeaderGetter, kafkaHeaderSetter, type KafkaMessageHeaders } from './kafka-headers';

const propagator = new W3CTraceContextPropagator();
const spanContext: SpanContext = {
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  traceFlags: TraceFlags.SAMPLED,
};

function injected(): KafkaMessageHeaders {
  const headers: KafkaMessageHeaders = {};
  propagator.inject(trace.setSpanContext(ROOT_CONTEXT, spanContext), headers, kafkaHeaderSetter);
  return headers;
}

function extractedSpanContext(headers: KafkaMessageHeaders | undefined): SpanContext | undefined {
  return trace.getSpanContext(propagator.extract(ROOT_CONTEXT, headers, kafkaHeaderGetter));
}

describe('Kafka header propagation', () => {
  it('writes a W3C traceparent header', () => {
    expect(injected()).toEqual({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
  });

  it('round-trips context through headers delivered as Buffers, as kafkajs consumers receive them', () => {
    const delivered: KafkaMessageHeaders = {};
    for (const [name, value] of Object.entries(injected())) {
      delivered[name] = Buffer.from(String(value), 'utf8');
    }
    expect(extractedSpanContext(delivered)).toMatchObject({ ...spanContext, isRemote: true });
  });

  it('takes the first value of a repeated header', () => {
    const first = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const second = '00-11111111111111111111111111111111-2222222222222222-01';
    const headers: KafkaMessageHeaders = { traceparent: [Buffer.from(first), Buffer.from(second)] };
    expect(extractedSpanContext(headers)?.spanId).toBe('b7ad6b7169203331');
  });

  it('matches header names case-insensitively', () => {
    const headers: KafkaMessageHeaders = {
      TraceParent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    };
    expect(extractedSpanContext(headers)?.traceId).toBe(spanContext.traceId);
  });

  it('yields no context for missing headers, an empty array or a malformed value', () => {
    expect(extractedSpanContext(undefined)).toBeUndefined();
    expect(extractedSpanContext({})).toBeUndefined();
    expect(extractedSpanContext({ traceparent: [] })).toBeUndefined();
    expect(extractedSpanContext({ traceparent: Buffer.from('not-a-traceparent') })).toBeUndefined();
  });

  it('lists header names as carrier keys', () => {
    expect(kafkaHeaderGetter.keys({ a: 'x', traceparent: 'y' })).toEqual(['a', 'traceparent']);
    expect(kafkaHeaderGetter.keys(undefined)).toEqual([]);
  });
});
