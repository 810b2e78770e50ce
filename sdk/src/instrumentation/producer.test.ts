import type { Message, Producer, ProducerBatch, ProducerRecord, RecordMetadata } from 'kafkajs';
import { Registry } from 'prom-client';
import { sdkMetrics } from '../metrics/catalogue';
import { instrumentProducer } from './instrument';

/** A producer that records what kafkajs would have been asked to send. */
function fakeProducer(outcome: () => Promise<RecordMetadata[]> = () => Promise.resolve([])) {
  const sent: ProducerBatch[] = [];
  const producer = {
    send: (record: ProducerRecord) => {
      sent.push({ topicMessages: [{ topic: record.topic, messages: record.messages }] });
      return outcome();
    },
    sendBatch: (batch: ProducerBatch) => {
      sent.push(batch);
      return outcome();
    },
    transaction: () => Promise.reject(new Error('not used')),
  } as unknown as Producer;
  return { producer, sent };
}

function headersOf(batch: ProducerBatch | undefined, index = 0): Record<string, unknown> {
  return batch?.topicMessages?.[0]?.messages[index]?.headers ?? {};
}

async function metric(registry: Registry, name: string): Promise<number> {
  const values = (await registry.getSingleMetric(name)?.get())?.values ?? [];
  return values.reduce((sum, value) => sum + value.value, 0);
}

describe('instrumentProducer', () => {
  it('adds headers to copies and never modifies the caller’s messages or shared headers', async () => {
    const { producer, sent } = fakeProducer();
    instrumentProducer(producer, { registry: new Registry(), tracing: false });
    const shared = { app: 'x' };
    const messages: Message[] = [
      { value: 'a', headers: shared },
      { value: 'b', headers: shared },
    ];
    await producer.send({ topic: 't', messages });
    expect(messages).toEqual([
      { value: 'a', headers: { app: 'x' } },
      { value: 'b', headers: { app: 'x' } },
    ]);
    expect(shared).toEqual({ app: 'x' });
    expect(headersOf(sent[0]).app).toBe('x');
    expect(headersOf(sent[0])['streamops-origin-ts']).toMatch(/^\d+$/);
  });

  it('numbers messages with an explicit partition, and only those', async () => {
    const { producer, sent } = fakeProducer();
    instrumentProducer(producer, { registry: new Registry(), tracing: false });
    await producer.send({
      topic: 't',
      messages: [{ value: 'a', partition: 1 }, { value: 'b' }, { value: 'c', partition: 1 }],
    });
    const [first, second, third] = [0, 1, 2].map((index) => headersOf(sent[0], index));
    expect(first?.['streamops-seq']).toBe('0');
    expect(third?.['streamops-seq']).toBe('1');
    expect(first?.['streamops-producer-id']).toMatch(/^[0-9a-f]{12}\.0$/);
    expect(second?.['streamops-seq']).toBeUndefined();
    expect(second?.['streamops-producer-id']).toBeUndefined();
  });

  it('keeps a forwarded origin timestamp and drops forwarded sequence headers', async () => {
    const { producer, sent } = fakeProducer();
    instrumentProducer(producer, { registry: new Registry(), tracing: false });
    const forwarded = {
      'streamops-origin-ts': Buffer.from('1700000000000'),
      'streamops-producer-id': Buffer.from('upstream.0'),
      'streamops-seq': Buffer.from('41'),
    };
    await producer.sendBatch({
      topicMessages: [{ topic: 't', messages: [{ value: 'a', headers: forwarded }] }],
    });
    expect(headersOf(sent[0])).toEqual({ 'streamops-origin-ts': forwarded['streamops-origin-ts'] });
  });

  it('passes errors on unchanged, counts them and starts a new epoch on the partitions involved', async () => {
    const failure = new Error('broker said no');
    failure.name = 'KafkaJSProtocolError';
    let fail = true;
    const { producer, sent } = fakeProducer(() => (fail ? Promise.reject(failure) : Promise.resolve([])));
    const registry = new Registry();
    instrumentProducer(producer, { registry, tracing: false });
    await expect(producer.send({ topic: 't', messages: [{ value: 'a', partition: 0 }] })).rejects.toBe(
      failure,
    );
    fail = false;
    await producer.send({ topic: 't', messages: [{ value: 'b', partition: 0 }] });
    expect(headersOf(sent[1])['streamops-producer-id']).toMatch(/\.1$/);
    expect(headersOf(sent[1])['streamops-seq']).toBe('0');
    const errors = await registry.getSingleMetric(sdkMetrics.producerErrors.name)?.get();
    expect(errors?.values).toEqual([
      {
        value: 1,
        labels: {
          pipeline: expect.any(String) as string,
          stage: 'producer',
          topic: 't',
          error_type: 'KafkaJSProtocolError',
        },
      },
    ]);
    expect(await metric(registry, sdkMetrics.producerMessages.name)).toBe(1);
  });

  it('hands input it does not understand to kafkajs untouched', async () => {
    const { producer, sent } = fakeProducer();
    const registry = new Registry();
    instrumentProducer(producer, { registry, tracing: false });
    const bad = { topic: 't', messages: [{ key: 'no value' }] } as unknown as ProducerRecord;
    await producer.send(bad);
    expect(sent[0]?.topicMessages?.[0]?.messages).toBe(bad.messages);
    expect(await metric(registry, sdkMetrics.producerSendDuration.name)).toBe(0);
  });

  it('does not instrument the same producer twice', async () => {
    const { producer, sent } = fakeProducer();
    const registry = new Registry();
    instrumentProducer(producer, { registry, tracing: false });
    instrumentProducer(producer, { registry, tracing: false });
    await producer.send({ topic: 't', messages: [{ value: 'a' }] });
    expect(sent).toHaveLength(1);
    expect(await metric(registry, sdkMetrics.producerMessages.name)).toBe(1);
  });

  it('rejects invalid options naming them', () => {
    const { producer } = fakeProducer();
    expect(() => instrumentProducer(producer, { stage: '' })).toThrow('invalid option "stage"');
    expect(() => instrumentProducer(producer, { group: 'g' } as never)).toThrow('invalid option "group"');
  });
});
