import type { Consumer, ConsumerRunConfig, EachMessagePayload, KafkaMessage } from 'kafkajs';
import { Registry } from 'prom-client';
import { sdkMetrics } from '../metrics/catalogue';
import { instrumentConsumer } from './instrument';

const eventNames = {
  GROUP_JOIN: 'consumer.group_join',
  END_BATCH_PROCESS: 'consumer.end_batch_process',
  REQUEST: 'consumer.network.request',
  REQUEST_TIMEOUT: 'consumer.network.request_timeout',
  COMMIT_OFFSETS: 'consumer.commit_offsets',
  CRASH: 'consumer.crash',
  STOP: 'consumer.stop',
};

/** A consumer that keeps the run config and lets the test emit events. */
function fakeConsumer() {
  let config: ConsumerRunConfig | undefined;
  const listeners = new Map<string, ((event: unknown) => void)[]>();
  const seeks: unknown[] = [];
  const consumer = {
    events: eventNames,
    run: (runConfig: ConsumerRunConfig) => {
      config = runConfig;
      return Promise.resolve();
    },
    seek: (offset: unknown) => seeks.push(offset),
    on: (name: string, listener: (event: unknown) => void) => {
      listeners.set(name, [...(listeners.get(name) ?? []), listener]);
      return () => undefined;
    },
  } as unknown as Consumer;
  return {
    consumer,
    seeks,
    config: () => config!,
    emit: (name: string, payload: unknown) =>
      listeners.get(name)?.forEach((listener) => listener({ payload })),
  };
}

function message(offset: number, headers: KafkaMessage['headers'] = {}): KafkaMessage {
  return {
    key: null,
    value: Buffer.from(`v${offset}`),
    offset: String(offset),
    timestamp: String(Date.now()),
    attributes: 0,
    headers,
  };
}

function payload(offset: number, headers?: KafkaMessage['headers']): EachMessagePayload {
  return {
    topic: 't',
    partition: 2,
    message: message(offset, headers),
    heartbeat: () => Promise.resolve(),
    pause: () => () => undefined,
  };
}

async function values(registry: Registry, name: string) {
  return (await registry.getSingleMetric(name)?.get())?.values ?? [];
}

describe('instrumentConsumer', () => {
  it('passes handler exceptions on unchanged and counts them', async () => {
    const fake = fakeConsumer();
    const registry = new Registry();
    instrumentConsumer(fake.consumer, { registry, group: 'g-errors', tracing: false });
    const thrown = new RangeError('poison');
    await fake.consumer.run({ eachMessage: () => Promise.reject(thrown) });
    await expect(fake.config().eachMessage!(payload(0))).rejects.toBe(thrown);
    const errors = await values(registry, sdkMetrics.consumerHandlerErrors.name);
    expect(errors.map((value) => [value.value, value.labels.error_type])).toEqual([[1, 'RangeError']]);
  });

  it('labels partitions when asked, and survives headers that throw when read', async () => {
    const fake = fakeConsumer();
    const registry = new Registry();
    instrumentConsumer(fake.consumer, {
      registry,
      group: 'g-partition',
      tracing: false,
      labels: { partition: true },
    });
    const handled: string[] = [];
    await fake.consumer.run({
      eachMessage: ({ message: received }) => {
        handled.push(String(received.offset));
        return Promise.resolve();
      },
    });
    const hostile = {} as KafkaMessage['headers'];
    Object.defineProperty(hostile, 'streamops-seq', {
      enumerable: true,
      get: () => {
        throw new Error('hostile');
      },
    });
    await fake.config().eachMessage!(payload(0));
    await fake.config().eachMessage!(payload(1, hostile));
    expect(handled).toEqual(['0', '1']);
    const consumed = await values(registry, sdkMetrics.consumerMessages.name);
    expect(consumed.map((value) => [value.value, value.labels.partition])).toEqual([[2, '2']]);
    expect(await values(registry, sdkMetrics.instrumentationErrors.name)).toEqual([
      { value: 1, labels: { operation: 'consume' } },
    ]);
  });

  it('counts redeliveries, but not offsets re-read after a seek', async () => {
    const fake = fakeConsumer();
    const registry = new Registry();
    instrumentConsumer(fake.consumer, { registry, group: 'g-seek', tracing: false });
    await fake.consumer.run({ eachMessage: () => Promise.resolve() });
    for (const offset of [0, 1, 2, 1]) await fake.config().eachMessage!(payload(offset));
    fake.consumer.seek({ topic: 't', partition: 2, offset: '0' });
    for (const offset of [0, 1]) await fake.config().eachMessage!(payload(offset));
    expect(fake.seeks).toHaveLength(1);
    const redelivered = await values(registry, sdkMetrics.consumerRedeliveries.name);
    expect(redelivered.map((value) => value.value)).toEqual([1]);
  });

  it('tracks assignment, lag, commits and crashes from kafkajs events', async () => {
    const fake = fakeConsumer();
    const registry = new Registry();
    instrumentConsumer(fake.consumer, { registry, tracing: false });
    fake.emit(eventNames.GROUP_JOIN, { groupId: 'learnt', memberAssignment: { t: [0, 1, 2] } });
    fake.emit(eventNames.GROUP_JOIN, { groupId: 'learnt', memberAssignment: { t: [1, 2], u: [0] } });
    fake.emit(eventNames.END_BATCH_PROCESS, { topic: 't', partition: 1, offsetLag: '5' });
    fake.emit(eventNames.END_BATCH_PROCESS, { topic: 't', partition: 2, offsetLag: '7' });
    fake.emit(eventNames.REQUEST, { apiName: 'OffsetCommit', duration: 4 });
    fake.emit(eventNames.COMMIT_OFFSETS, {});
    fake.emit(eventNames.REQUEST, { apiName: 'OffsetCommit', duration: 6 });
    fake.emit(eventNames.REQUEST_TIMEOUT, { apiName: 'OffsetCommit' });
    fake.emit(eventNames.CRASH, { error: new TypeError('x'), groupId: 'learnt', restart: false });
    await new Promise((resolve) => setImmediate(resolve));

    const byName = async (name: string) =>
      Object.fromEntries(
        (await values(registry, name)).map((value) => [
          `${String(value.labels.topic ?? value.labels.error_type ?? '')}`,
          value.value,
        ]),
      );
    expect(await byName(sdkMetrics.consumerRebalances.name)).toEqual({ '': 2 });
    expect(await byName(sdkMetrics.consumerPartitionsAssigned.name)).toEqual({ t: 3, u: 1 });
    expect(await byName(sdkMetrics.consumerPartitionsRevoked.name)).toEqual({ t: 1, u: 0 });
    expect(await byName(sdkMetrics.consumerAssignedPartitions.name)).toEqual({ t: 2, u: 1 });
    expect(await byName(sdkMetrics.consumerLag.name)).toEqual({ t: 12 });
    expect(await byName(sdkMetrics.consumerCommitFailures.name)).toEqual({ '': 2 });
    expect(await byName(sdkMetrics.consumerCrashes.name)).toEqual({ TypeError: 1 });
    const groups = (await values(registry, sdkMetrics.consumerRebalances.name)).map(
      (value) => value.labels.group,
    );
    expect(groups).toEqual(['learnt']);

    fake.emit(eventNames.STOP, null);
    expect(await byName(sdkMetrics.consumerAssignedPartitions.name)).toEqual({ t: 0, u: 0 });
    expect(await byName(sdkMetrics.consumerLag.name)).toEqual({ t: 0 });
  });
});
