import { type Message, type Producer } from 'kafkajs';

/** Options of {@link startLoad}. */
export interface LoadOptions {
  readonly producer: Producer;
  readonly topic: string;
  /** Messages per second wanted at `elapsedSeconds` after the start. */
  readonly rateAt: (elapsedSeconds: number) => number;
  /** The message with sequence number `sequence` (0, 1, 2...). */
  readonly message: (sequence: number) => Message;
  /** Called when a send fails; the load goes on. */
  readonly onError?: (error: Error) => void;
  readonly nowMs?: () => number;
}

/** A running synthetic load. */
export interface Load {
  /** Messages handed to the producer so far. */
  produced(): number;
  /** Messages whose send failed. */
  failed(): number;
  /** Stops producing and waits for the sends in flight. */
  stop(): Promise<void>;
}

const tickMs = 100;

/**
 * Produces at a rate that can change over time, in batches every 100 ms. Fractions of a
 * message carry over between ticks so low rates come out right.
 */
export function startLoad(options: LoadOptions): Load {
  const now = options.nowMs ?? Date.now;
  const started = now();
  let produced = 0;
  let failed = 0;
  let owed = 0;
  let lastTick = started;
  const inFlight = new Set<Promise<void>>();
  const timer = setInterval(() => {
    const tickAt = now();
    owed += (options.rateAt((tickAt - started) / 1000) * (tickAt - lastTick)) / 1000;
    lastTick = tickAt;
    const count = Math.floor(owed);
    if (count === 0) return;
    owed -= count;
    const messages = Array.from({ length: count }, (_, index) => options.message(produced + index));
    produced += count;
    const send = options.producer
      .send({ topic: options.topic, messages })
      .then(() => undefined)
      .catch((error: Error) => {
        failed += count;
        options.onError?.(error);
      })
      .finally(() => inFlight.delete(send));
    inFlight.add(send);
  }, tickMs);
  return {
    produced: () => produced,
    failed: () => failed,
    async stop() {
      clearInterval(timer);
      await Promise.all([...inFlight]);
    },
  };
}
