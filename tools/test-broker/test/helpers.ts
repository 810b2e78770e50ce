import { type Consumer, type EachMessagePayload, Kafka, logLevel } from 'kafkajs';

import { sharedTestBootstrap, startTestBroker, type TestBroker } from '@streamops/test-broker';

/** A broker for tests that only need one to talk to (no fault injection). */
export interface BrokerLease {
  bootstrap: string[];
  release(): Promise<void>;
}

/** The broker shared through the jest global set-up, or a broker of this file's own when there is none. */
export async function leaseBroker(): Promise<BrokerLease> {
  const shared = sharedTestBootstrap();
  if (shared) return { bootstrap: shared, release: () => Promise.resolve() };
  const broker: TestBroker = await startTestBroker({ kind: 'mock' });
  return { bootstrap: broker.bootstrap, release: () => broker.stop() };
}

/** A kafkajs client that logs nothing and retries quickly (the broker is local). */
export function kafkaClient(bootstrap: string[], clientId = 'conformance', retries = 8): Kafka {
  return new Kafka({
    brokers: bootstrap,
    clientId,
    logLevel: logLevel.NOTHING,
    retry: { retries, initialRetryTime: 50, maxRetryTime: 1_000 },
  });
}

/**
 * Polls `probe` until it returns a value other than undefined/false, or fails at the deadline with the last
 * value seen. Never sleeps a fixed time before checking.
 */
export async function eventually<T>(
  description: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 15_000,
  intervalMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const detail = lastError instanceof Error ? `: last error ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}${detail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Collects the messages a running consumer receives. */
export interface Collected {
  messages: EachMessagePayload[];
  values(): string[];
}

/** Starts `consumer` on `topic` and collects what it receives. */
export async function collect(consumer: Consumer, topic: string, fromBeginning = true): Promise<Collected> {
  const messages: EachMessagePayload[] = [];
  await consumer.subscribe({ topic, fromBeginning });
  await consumer.run({
    eachMessage: (payload) => {
      messages.push(payload);
      return Promise.resolve();
    },
  });
  return { messages, values: () => messages.map((m) => m.message.value?.toString() ?? '') };
}

/** Resolves when the consumer has joined its group and received an assignment. */
export function groupJoined(consumer: Consumer): Promise<void> {
  return new Promise((resolve) => {
    const remove = consumer.on(consumer.events.GROUP_JOIN, () => {
      remove();
      resolve();
    });
  });
}

/** Resolves once the consumer has completed `count` more fetch rounds (whatever they returned). */
export function fetchRounds(consumer: Consumer, count: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const remove = consumer.on(consumer.events.FETCH, () => {
      seen += 1;
      if (seen >= count) {
        remove();
        resolve();
      }
    });
  });
}
