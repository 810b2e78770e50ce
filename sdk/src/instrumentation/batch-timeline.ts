/** Receives the time span of one message of a batch. */
export type MessageTimeHandler = (
  /** Index of the message in the batch. */
  index: number,
  startSeconds: number,
  endSeconds: number,
  /** True when one resolveOffset (or the batch end) covered several messages and the time was split evenly. */
  shared: boolean,
  /** True for the message being handled when eachBatch threw. */
  failed: boolean,
) => void;

/**
 * Splits the time of an eachBatch call into per-message times, so that durations and
 * spans measure each message rather than the batch (the shortcoming of the OTel kafkajs
 * instrumentation under eachBatch).
 *
 * kafkajs does not tell when a handler starts or finishes a message, but handlers
 * report progress with `resolveOffset(offset)`. A message ends when an offset at or
 * past its own is resolved, and starts when the message before it ended (or when the
 * batch started). When one call resolves several messages, or messages are left for
 * kafkajs to resolve at the end of the batch, their time is split evenly.
 */
export class BatchTimeline {
  private next = 0;
  private segmentStart: number;

  constructor(
    private readonly offsets: readonly number[],
    startSeconds: number,
  ) {
    this.segmentStart = startSeconds;
  }

  /** Number of messages whose time is known. */
  get ended(): number {
    return this.next;
  }

  /** The handler resolved `offset` at `nowSeconds`. */
  resolve(offset: number, nowSeconds: number, onMessage: MessageTimeHandler): void {
    let last = this.next;
    while (last < this.offsets.length && this.offsets[last]! <= offset) last++;
    this.endRange(last, nowSeconds, onMessage, false);
  }

  /**
   * The eachBatch call returned (or threw) at `nowSeconds`. Without an error, every
   * message not yet ended was handled. With one, the next message is the one that
   * failed; later ones were not handled (kafkajs delivers them again) and get no time.
   */
  finish(nowSeconds: number, failed: boolean, onMessage: MessageTimeHandler): void {
    if (!failed) {
      this.endRange(this.offsets.length, nowSeconds, onMessage, false);
    } else if (this.next < this.offsets.length) {
      this.endRange(this.next + 1, nowSeconds, onMessage, true);
    }
  }

  private endRange(until: number, nowSeconds: number, onMessage: MessageTimeHandler, failed: boolean): void {
    const count = until - this.next;
    if (count <= 0) return;
    const share = Math.max(0, nowSeconds - this.segmentStart) / count;
    for (let index = this.next; index < until; index++) {
      const start = this.segmentStart + share * (index - this.next);
      onMessage(index, start, start + share, count > 1, failed);
    }
    this.next = until;
    this.segmentStart = nowSeconds;
  }
}
