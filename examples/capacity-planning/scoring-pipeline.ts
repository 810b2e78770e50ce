import { type Kafka, type KafkaMessage } from 'kafkajs';
import { Registry } from 'prom-client';
import { instrument, pipeline, stage, startReporter } from '@streamops/sdk';

/** Options of {@link startScoringInstance}. */
export interface ScoringInstanceOptions {
  readonly kafka: Kafka;
  readonly name: string;
  readonly inputTopic: string;
  readonly outputTopic: string;
  readonly instanceId: string;
  readonly agentUrl: string;
  /** Time the score stage waits per message, like a call to a remote model. */
  readonly scoreMs: number;
}

/** One running instance of the scoring pipeline. */
export interface ScoringInstance {
  readonly instanceId: string;
  stop(): Promise<void>;
}

/**
 * source → parse → score → sink, where score deliberately takes `scoreMs` per message:
 * one instance handles about 1000 ÷ scoreMs messages per second, so a higher input rate
 * makes score the bottleneck until there are more instances.
 */
export async function startScoringInstance(options: ScoringInstanceOptions): Promise<ScoringInstance> {
  const registry = new Registry();
  const kafka = instrument(options.kafka, { pipeline: options.name, registry, tracing: false });
  const consumer = kafka.consumer({ groupId: options.name, maxWaitTimeInMs: 50 });
  const producer = kafka.producer();
  await Promise.all([consumer.connect(), producer.connect()]);
  const running = pipeline({
    name: options.name,
    source: { consumer, topics: [options.inputTopic], fromBeginning: true },
    stages: [
      stage('parse', (message: KafkaMessage) => Number(message.value?.toString() ?? Number.NaN)),
      stage('score', async (value: number) => {
        await new Promise((resolve) => setTimeout(resolve, options.scoreMs));
        return String(value % 100);
      }),
    ],
    sink: { producer, topic: options.outputTopic },
    instrumentation: { registry, tracing: false },
  });
  await running.start();
  const reporter = startReporter({
    agentUrl: options.agentUrl,
    pipeline: options.name,
    registry,
    instanceId: options.instanceId,
    intervalMs: 1_000,
  });
  return {
    instanceId: options.instanceId,
    async stop() {
      await running.stop();
      await reporter.stop();
      await Promise.all([consumer.disconnect(), producer.disconnect()]);
    },
  };
}
