import { Kafka, logLevel } from 'kafkajs';
import { startTestBroker, waitUntilTopicsServed } from '@streamops/test-broker';
import { type Lifecycle } from './lifecycle';

/** A topic an example needs. */
export interface ExampleTopic {
  readonly name: string;
  readonly partitions: number;
}

/** The Kafka cluster an example runs against. */
export interface ExampleCluster {
  readonly bootstrap: readonly string[];
  /** True when `KAFKA_BROKERS` named a real cluster. */
  readonly external: boolean;
  /** PIDs of the local test broker's processes (one per Kafka node); empty for an external cluster. */
  readonly brokerPids: readonly number[];
  /** A kafkajs client for this cluster (not instrumented). */
  kafka(clientId: string): Kafka;
  /** One line saying which cluster this is. */
  describe(): string;
}

/**
 * Starts the test broker with `topics`, or, when `KAFKA_BROKERS` is set, uses that cluster
 * and creates the topics that are missing there. The broker is stopped with `lifecycle`.
 */
export async function startExampleCluster(
  lifecycle: Lifecycle,
  topics: readonly ExampleTopic[],
): Promise<ExampleCluster> {
  // One Kafka node: it starts in about 3.5 s instead of 9 s and leaves the 2 cores of a laptop or CI runner to the
  // pipeline the example is about.
  const broker = await startTestBroker({ brokers: 1, topics: topics.map((topic) => ({ ...topic })) });
  lifecycle.onStop('the test broker', () => broker.stop());
  const kafka = (clientId: string) =>
    new Kafka({ clientId, brokers: [...broker.bootstrap], logLevel: logLevel.NOTHING });
  if (broker.external) {
    const admin = kafka('streamops-example-admin').admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const missing = topics.filter((topic) => !existing.has(topic.name));
      if (missing.length > 0) {
        await admin.createTopics({
          topics: missing.map((topic) => ({ topic: topic.name, numPartitions: topic.partitions })),
        });
        await waitUntilTopicsServed({
          brokers: broker.bootstrap,
          topics: missing.map((topic) => topic.name),
        });
      }
    } finally {
      await admin.disconnect();
    }
  }
  return {
    bootstrap: broker.bootstrap,
    external: broker.external,
    brokerPids: broker.pids,
    kafka,
    describe: () =>
      `${broker.bootstrap.join(',')} ` +
      (broker.external
        ? '(KAFKA_BROKERS)'
        : `(test ${broker.kind === 'kafka' ? `Kafka ${broker.version}` : 'mock broker'}, ${broker.pids
            .map((pid) => `pid ${pid}`)
            .join(', ')})`),
  };
}
