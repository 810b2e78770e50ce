import { readFileSync } from 'node:fs';
import { type KafkaJsInstrumentation } from '@opentelemetry/instrumentation-kafkajs';
import {
  Kafka,
  logLevel,
  type Consumer,
  type ConsumerConfig,
  type ConsumerRunConfig,
  type EachBatchPayload,
  type EachMessagePayload,
  type Message,
  type Producer,
  type ProducerConfig,
  type RecordMetadata,
} from 'kafkajs';

/** The handler kafkajs calls per message. */
export type EachMessageHandler = (payload: EachMessagePayload) => Promise<void>;
/** The handler kafkajs calls per batch. */
export type EachBatchHandler = (payload: EachBatchPayload) => Promise<void>;

/** Called with the messages an {@link OfflineKafka} producer was asked to send. */
export type SendListener = (topic: string, messages: readonly Message[]) => void;

const runConfigs = new WeakMap<Consumer, ConsumerRunConfig | undefined>();

/** The same resolved promise for every send: the fake broker costs nothing measurable. */
const sent: Promise<RecordMetadata[]> = Promise.resolve([{ topicName: 'bench', partition: 0, errorCode: 0 }]);

/**
 * A real kafkajs `Kafka` that never touches the network. Its consumers are real kafkajs
 * consumer objects (events and all) whose `run` only records the config it was given, so
 * that the handlers an instrumentation wrapped around the app's can be called directly.
 * Its producers are real producer objects whose `send` and `sendBatch` resolve at once.
 *
 * Instrumentations wrap these objects the way they wrap any kafkajs client: the streamops
 * SDK through `instrumentConsumer`/`instrumentProducer`, and
 * @opentelemetry/instrumentation-kafkajs through its patch of the module's `Kafka` class
 * (see {@link withOtelPatch}).
 */
export class OfflineKafka extends Kafka {
  constructor(private readonly onSend?: SendListener) {
    // Port 9 (discard) is never dialled: nothing here connects.
    super({ clientId: 'bench', brokers: ['127.0.0.1:9'], logLevel: logLevel.NOTHING });
  }

  override producer(config?: ProducerConfig): Producer {
    const producer = super.producer(config);
    const onSend = this.onSend;
    producer.send = (record) => {
      onSend?.(record.topic, record.messages);
      return sent;
    };
    producer.sendBatch = (batch) => {
      for (const entry of batch.topicMessages ?? []) onSend?.(entry.topic, entry.messages);
      return sent;
    };
    return producer;
  }

  override consumer(config: ConsumerConfig): Consumer {
    const consumer = super.consumer(config);
    consumer.run = (runConfig?: ConsumerRunConfig) => {
      runConfigs.set(consumer, runConfig);
      return Promise.resolve();
    };
    return consumer;
  }
}

/**
 * Calls `consumer.run(config)` and returns the handlers the (possibly instrumented)
 * consumer passed on to kafkajs: what kafkajs would call for each message or batch.
 */
export async function capturedRunConfig(
  consumer: Consumer,
  config: ConsumerRunConfig,
): Promise<ConsumerRunConfig> {
  await consumer.run(config);
  const captured = runConfigs.get(consumer);
  if (captured === undefined) throw new Error('consumer.run did not reach the offline consumer');
  return captured;
}

/** The eachMessage handler kafkajs would receive from `consumer.run({ eachMessage })`. */
export async function wrappedEachMessage(
  consumer: Consumer,
  handler: EachMessageHandler,
): Promise<EachMessageHandler> {
  const { eachMessage } = await capturedRunConfig(consumer, { eachMessage: handler });
  if (eachMessage === undefined) throw new Error('the instrumented run config lost eachMessage');
  return eachMessage;
}

/** The eachBatch handler kafkajs would receive from `consumer.run({ eachBatch })`. */
export async function wrappedEachBatch(
  consumer: Consumer,
  handler: EachBatchHandler,
): Promise<EachBatchHandler> {
  const { eachBatch } = await capturedRunConfig(consumer, { eachBatch: handler });
  if (eachBatch === undefined) throw new Error('the instrumented run config lost eachBatch');
  return eachBatch;
}

/** Version of the installed kafkajs, which the OTel patch checks against its supported range. */
export const kafkajsVersion: string = (
  JSON.parse(readFileSync(require.resolve('kafkajs/package.json'), 'utf8')) as { version: string }
).version;

/**
 * Runs `create` while @opentelemetry/instrumentation-kafkajs patches {@link OfflineKafka},
 * as its require hook would patch the kafkajs module. The patch is applied by hand (the
 * hook only sees modules loaded after it is enabled) to a module-shaped object, so the
 * real kafkajs module is never modified. Clients created inside stay instrumented.
 */
export function withOtelPatch<T>(otel: KafkaJsInstrumentation, create: () => T): T {
  const definition = otel.getModuleDefinitions().find((candidate) => candidate.name === 'kafkajs');
  if (definition?.patch === undefined)
    throw new Error('@opentelemetry/instrumentation-kafkajs has no kafkajs patch');
  const moduleExports = { Kafka: OfflineKafka };
  definition.patch(moduleExports, kafkajsVersion);
  try {
    return create();
  } finally {
    definition.unpatch?.(moduleExports, kafkajsVersion);
  }
}
