import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';

/** What {@link waitUntilTopicsServed} waits for. */
export interface TopicReadinessOptions {
  /** Every broker's address; each is asked on its own. */
  readonly brokers: readonly string[];
  readonly topics: readonly string[];
  readonly timeoutMs?: number;
  /** Client settings (SASL, TLS) for reaching the brokers; plaintext when absent. */
  readonly client?: Omit<KafkaConfig, 'brokers'>;
}

const pollIntervalMs = 100;

function topicList(topics: readonly string[]): string {
  const shown = topics.slice(0, 5).join(', ');
  return topics.length > 5 ? `${shown} and ${topics.length - 5} more topics` : shown;
}

/**
 * Resolves once every broker answers metadata for every topic with a leader on each partition. A KRaft broker
 * learns of a new topic when it replays the metadata log, so for a moment after CreateTopics some brokers still
 * answer UNKNOWN_TOPIC_OR_PARTITION, which kafkajs's `waitForLeaders` does not retry. Rejects with the last
 * problem seen when `timeoutMs` passes.
 */
export async function waitUntilTopicsServed(options: TopicReadinessOptions): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  await Promise.all(
    options.brokers.map(async (address) => {
      // A client seeded with one address sends its first metadata request to that broker.
      const admin = new Kafka({
        clientId: 'streamops-topic-readiness',
        logLevel: logLevel.NOTHING,
        retry: { retries: 0 },
        ...options.client,
        brokers: [address],
      }).admin();
      let lastProblem = 'not asked yet';
      try {
        for (;;) {
          try {
            await admin.connect();
            const { topics } = await admin.fetchTopicMetadata({ topics: [...options.topics] });
            const leaderless = topics.filter((topic) =>
              topic.partitions.some((partition) => partition.leader < 0),
            );
            if (topics.length === options.topics.length && leaderless.length === 0) return;
            lastProblem = `no leader yet for ${leaderless.map((topic) => topic.name).join(', ')}`;
          } catch (error) {
            lastProblem = (error as Error).message;
          }
          if (Date.now() >= deadline) {
            throw new Error(
              `broker ${address} does not serve ${topicList(options.topics)} yet: ${lastProblem}`,
            );
          }
          await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
        }
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    }),
  );
}
