import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import { parseAgentConfig, startAgent, type RunningAgent } from '@streamops/agent';
import { uniqueTestName } from '@streamops/test-broker';

/** A clock the test moves by hand, so time lag and status rules are exact. */
export class ManualClock {
  constructor(public nowMs: number) {}
  advance(ms: number): number {
    this.nowMs += ms;
    return this.nowMs;
  }
  readonly now = (): number => this.nowMs;
}

/** A kafkajs client for the test's own producers, consumers and admin calls. */
export function testKafka(bootstrap: readonly string[]): Kafka {
  return new Kafka({
    clientId: uniqueTestName('agent-test'),
    brokers: [...bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 3, initialRetryTime: 50 },
  });
}

/** Starts an agent on a random loopback port whose clock and cycles the test drives. */
export async function startTestAgent(
  bootstrap: readonly string[],
  clock: ManualClock,
  extra: { groups?: string[]; windowSize?: number; intervalSeconds?: number; compat?: boolean } = {},
): Promise<RunningAgent> {
  const config = parseAgentConfig({
    clusters: [
      {
        name: 'local',
        brokers: [...bootstrap],
        groups: { allow: extra.groups ?? ['.*'] },
      },
    ],
    // A long interval: the test runs cycles itself with collectNow().
    collection: { intervalSeconds: extra.intervalSeconds ?? 3600, requestTimeoutMs: 3000 },
    evaluation: {
      windowSize: extra.windowSize ?? 3,
      thresholds: { default: { warnSeconds: 30, errSeconds: 120 } },
    },
    server: { host: '127.0.0.1', port: 0 },
    compatibility: { kafkaLagExporter: extra.compat ?? false },
  });
  return startAgent(config, { nowMs: clock.now });
}

/**
 * Producer settings for tests that count records exactly: idempotent, so that a produce which timed out on a
 * loaded machine but was written anyway is not written twice by the retry (real Kafka does this; the mock never
 * timed out).
 */
export const exactProducer = { idempotent: true, maxInFlightRequests: 1 } as const;

/** Produces `count` messages to one partition, stamped with the given CreateTime. */
export async function produce(
  producer: Producer,
  topic: string,
  partition: number,
  count: number,
  timestampMs: number,
): Promise<void> {
  await producer.send({
    topic,
    acks: -1,
    messages: Array.from({ length: count }, (_, index) => ({
      partition,
      value: `m-${index}`,
      timestamp: String(timestampMs),
    })),
  });
}

/**
 * Commits a group's offsets the way a consumer that then stopped would have left them:
 * a short-lived member joins, commits and leaves, so the group ends Empty. (kafkajs's
 * admin.setOffsets would do the same but always waits a full 5 s fetch interval.)
 */
export async function commitAs(
  kafka: Kafka,
  group: string,
  topic: string,
  offsets: [number, number][],
): Promise<void> {
  const consumer = kafka.consumer({ groupId: group, sessionTimeout: 10_000, maxWaitTimeInMs: 100 });
  try {
    await consumer.connect();
    // kafkajs emits GROUP_JOIN before its runner counts as running, and drops commits (and the
    // LeaveGroup on disconnect) until then; the first fetch comes after, so wait for that.
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.FETCH_START, () => resolve()));
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ autoCommit: false, eachBatch: () => Promise.resolve() });
    await joined;
    await consumer.commitOffsets(
      offsets.map(([partition, offset]) => ({ topic, partition, offset: String(offset) })),
    );
  } finally {
    await consumer.disconnect();
  }
}

/** A running consumer that never commits by itself: the test commits for it, like a manual-commit app. */
export async function startManualCommitConsumer(
  kafka: Kafka,
  group: string,
  topic: string,
): Promise<Consumer> {
  const consumer = kafka.consumer({
    groupId: group,
    sessionTimeout: 10_000,
    heartbeatInterval: 500,
    maxWaitTimeInMs: 100,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ autoCommit: false, eachMessage: () => Promise.resolve() });
  return consumer;
}

/** The group as the agent's JSON API returns it, or undefined when unknown. */
export async function apiGroup(agent: RunningAgent, group: string): Promise<ApiGroup | undefined> {
  const response = await fetch(`${agent.url}/api/v1/clusters/local/groups/${encodeURIComponent(group)}`);
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`GET group ${group}: HTTP ${response.status}`);
  return (await response.json()) as ApiGroup;
}

/** The parts of the group view tests read. */
export interface ApiGroup {
  state: string;
  status: string;
  statusReasons: { rule: string; partitions: { topic: string; partition: number }[] }[];
  lagMessages: number;
  lagSeconds: number | null;
  members: { memberId: string }[];
  partitions: {
    topic: string;
    partition: number;
    committedOffset: number | null;
    logEndOffset: number;
    lagMessages: number | null;
    lagSeconds: number | null;
    lagSecondsMethod: string;
    status: string;
  }[];
}

/** The agent's /metrics text. */
export async function scrape(agent: RunningAgent): Promise<string> {
  const response = await fetch(`${agent.url}/metrics`);
  return response.text();
}
