import { instrumentProducer } from '@streamops/sdk';
import {
  type Batch,
  type EachBatchPayload,
  type EachMessagePayload,
  type IHeaders,
  type KafkaMessage,
  type Message,
  type Producer,
} from 'kafkajs';
import { type TracerProvider } from '@opentelemetry/api';
import { Registry } from 'prom-client';
import { OfflineKafka, type EachBatchHandler, type EachMessageHandler } from './offline-kafka';
import { yieldToEventLoop } from './runtime';

/** Topic every in-process bench uses. */
export const BENCH_TOPIC = 'orders';

/** The record the workload's messages carry: a small order, as JSON (about 200 bytes). */
interface Order {
  orderId: string;
  customer: string;
  amount: number;
  currency: string;
  items: { sku: string; quantity: number }[];
  createdAt: string;
}

const customers = 64;

/** The value of the `index`-th order message. */
export function orderValue(index: number): Buffer {
  const order: Order = {
    orderId: `o-${index.toString().padStart(9, '0')}`,
    customer: `c-${index % customers}`,
    amount: 10 + (index % 997) / 10,
    currency: 'EUR',
    items: [
      { sku: `sku-${index % 31}`, quantity: 1 + (index % 3) },
      { sku: `sku-${index % 17}`, quantity: 1 },
    ],
    createdAt: new Date(1_700_000_000_000 + index * 1000).toISOString(),
  };
  return Buffer.from(JSON.stringify(order));
}

/** The key of the `index`-th order message: its customer, as apps key by entity. */
export function orderKey(index: number): Buffer {
  return Buffer.from(`c-${index % customers}`);
}

/**
 * A realistic consumer app: decodes each order and keeps a running total per customer.
 * Its eachBatch handler follows the kafkajs documentation's pattern (resolve each offset,
 * heartbeat, stop early when the consumer stops or the batch goes stale).
 */
export class OrderApp {
  readonly totals = new Map<string, number>();
  processed = 0;

  private handle(message: KafkaMessage): void {
    if (message.value === null) return;
    const order = JSON.parse(message.value.toString()) as Order;
    this.processed++;
    if (order.amount <= 0) return;
    this.totals.set(order.customer, (this.totals.get(order.customer) ?? 0) + order.amount);
  }

  readonly eachMessage: EachMessageHandler = ({ message }) => {
    this.handle(message);
    return Promise.resolve();
  };

  readonly eachBatch: EachBatchHandler = async (payload) => {
    for (const message of payload.batch.messages) {
      if (!payload.isRunning() || payload.isStale()) break;
      this.handle(message);
      payload.resolveOffset(message.offset);
      await payload.heartbeat();
    }
  };
}

/** Messages of one partition, delivered together as kafkajs delivers a fetched batch. */
export interface DeliveredBatch {
  readonly partition: number;
  readonly messages: KafkaMessage[];
}

/** Header values as kafkajs delivers them: Buffers. */
function asDelivered(headers: IHeaders | undefined): IHeaders {
  const delivered: IHeaders = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    delivered[name] = Array.isArray(value)
      ? value.map((item) => Buffer.from(item))
      : Buffer.isBuffer(value)
        ? value
        : Buffer.from(value);
  }
  return delivered;
}

/**
 * An endless stream of consumed messages whose headers were written by the streamops
 * producer instrumentation (traceparent, origin timestamp, producer id, per-partition
 * sequence), exactly as an instrumented producer puts them on the wire. Offsets and
 * sequence numbers continue from one call to the next, so a consumer instrumentation
 * fed by one stream sees a gap-free, duplicate-free partition log.
 */
export class DeliveredStream {
  private readonly producer: Producer;
  private captured: Message[] = [];
  private readonly nextOffset: number[];
  private produced = 0;
  private nextPartition = 0;

  constructor(
    readonly partitions: number,
    readonly batchSize: number,
    tracerProvider: TracerProvider,
  ) {
    this.nextOffset = new Array<number>(partitions).fill(0);
    const kafka = new OfflineKafka((_topic, messages) => this.captured.push(...messages));
    this.producer = instrumentProducer(kafka.producer(), {
      registry: new Registry(),
      tracerProvider,
      pipeline: 'bench-source',
    });
  }

  /** The next `count` messages, in batches of {@link batchSize} that rotate over the partitions. */
  async next(count: number): Promise<DeliveredBatch[]> {
    const batches: DeliveredBatch[] = [];
    for (let remaining = count; remaining > 0; remaining -= this.batchSize) {
      const size = Math.min(this.batchSize, remaining);
      const partition = this.nextPartition;
      this.nextPartition = (this.nextPartition + 1) % this.partitions;
      const messages = Array.from({ length: size }, (_, index) => ({
        key: orderKey(this.produced + index),
        value: orderValue(this.produced + index),
        partition,
      }));
      this.produced += size;
      this.captured = [];
      await this.producer.send({ topic: BENCH_TOPIC, messages });
      const timestamp = String(Date.now());
      batches.push({
        partition,
        messages: this.captured.map((sent) => ({
          key: sent.key === null || sent.key === undefined ? null : Buffer.from(sent.key),
          value: sent.value === null ? null : Buffer.from(sent.value),
          timestamp,
          attributes: 0,
          offset: String(this.nextOffset[partition]!++),
          headers: asDelivered(sent.headers),
        })),
      });
    }
    return batches;
  }
}

const heartbeat = (): Promise<void> => Promise.resolve();
const pause = (): (() => void) => () => undefined;
const isRunning = (): boolean => true;
const isStale = (): boolean => false;

/**
 * Delivers batches to an eachMessage handler the way kafkajs does: one payload per
 * message, awaited in order, and a turn of the event loop between fetched batches (where
 * a real consumer waits for the network and timers such as span batching run).
 */
export async function feedEachMessage(
  handler: EachMessageHandler,
  batches: readonly DeliveredBatch[],
): Promise<void> {
  for (const { partition, messages } of batches) {
    for (const message of messages) {
      const payload: EachMessagePayload = { topic: BENCH_TOPIC, partition, message, heartbeat, pause };
      await handler(payload);
    }
    await yieldToEventLoop();
  }
}

/** A kafkajs-shaped eachBatch payload for one delivered batch. */
function batchPayload({ partition, messages }: DeliveredBatch): EachBatchPayload {
  const last = messages[messages.length - 1]?.offset ?? '-1';
  const highWatermark = String(Number(last) + 1);
  const batch: Batch = {
    topic: BENCH_TOPIC,
    partition,
    highWatermark,
    messages,
    isEmpty: () => messages.length === 0,
    firstOffset: () => messages[0]?.offset ?? null,
    lastOffset: () => last,
    offsetLag: () => '0',
    offsetLagLow: () => '0',
  };
  let resolved = '-1';
  return {
    batch,
    resolveOffset: (offset) => {
      resolved = offset;
    },
    heartbeat,
    pause,
    commitOffsetsIfNecessary: () => Promise.resolve(),
    uncommittedOffsets: () => ({
      topics: [{ topic: BENCH_TOPIC, partitions: [{ partition, offset: resolved }] }],
    }),
    isRunning,
    isStale,
  };
}

/** Delivers batches to an eachBatch handler, one payload per batch, with a turn of the event loop between them. */
export async function feedEachBatch(
  handler: EachBatchHandler,
  batches: readonly DeliveredBatch[],
): Promise<void> {
  for (const batch of batches) {
    await handler(batchPayload(batch));
    await yieldToEventLoop();
  }
}

/** Fresh outgoing messages (key, value, partition; no headers), as an app builds them before `send`. */
export function outgoingMessages(count: number, partitions: number, firstIndex: number): Message[] {
  return Array.from({ length: count }, (_, index) => ({
    key: orderKey(firstIndex + index),
    value: orderValue(firstIndex + index),
    partition: (firstIndex + index) % partitions,
  }));
}
