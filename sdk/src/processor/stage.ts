import type { KafkaMessage } from 'kafkajs';
import { checkKnownKeys, optionalInteger, optionalName, optionalObject } from '../options/checks';
import { InvalidOptionError } from '../options/invalid-option-error';

/** What happened to a message in a stage; the `outcome` label. */
export type StageOutcome = 'success' | 'retried' | 'error' | 'dead_lettered' | 'filtered';

/** Every outcome, in documentation order. */
export const stageOutcomes: readonly StageOutcome[] = [
  'success',
  'retried',
  'error',
  'dead_lettered',
  'filtered',
];

/** What a stage handler knows about the message it handles. */
export interface StageContext {
  /** The source message as consumed (key, headers, offset, timestamp). */
  readonly message: KafkaMessage;
  readonly topic: string;
  readonly partition: number;
  /** 1 on the first attempt, 2 on the first retry... */
  readonly attempt: number;
  /** Aborted when the attempt times out (`timeoutMs`): long work should stop then. */
  readonly signal: AbortSignal;
}

/**
 * A stage handler: returns the value for the next stage (or the sink), or `null` /
 * `undefined` to filter the message out. Throwing (or timing out) fails the attempt.
 */
export type StageHandler<In, Out> = (
  value: In,
  context: StageContext,
) => Out | null | undefined | Promise<Out | null | undefined>;

/** Exponential backoff between attempts: `initialMs * multiplier^(retry-1)`, capped at `maxMs`. */
export interface BackoffOptions {
  /** Wait before the first retry, in milliseconds (integer, 0 to 3600000). Required. */
  initialMs: number;
  /** Factor between one wait and the next (1 to 100). Default 2. */
  multiplier?: number;
  /** Longest wait, in milliseconds (integer, 0 to 3600000). Default 30000. */
  maxMs?: number;
}

/** Options of {@link stage}. */
export interface StageOptions {
  /** Attempts after the first one (integer, 0 to 1000). Default 0. */
  retries?: number;
  /**
   * Wait before each retry: a fixed number of milliseconds (integer, 0 to 3600000) or
   * exponential. Default 0.
   */
  backoff?: number | BackoffOptions;
  /**
   * Topic that receives messages still failing after their retries, with the original
   * key, value and headers plus `streamops-dlq-*` headers. Without it, such a message
   * fails the pipeline (its offset is not committed and kafkajs delivers it again).
   */
  deadLetterTopic?: string;
  /**
   * Longest time of one attempt in milliseconds (integer, 1 to 3600000); a slower attempt
   * fails with {@link StageTimeoutError}. Default: no limit.
   */
  timeoutMs?: number;
}

/** A named processing step, created by {@link stage} and run by {@link pipeline}. */
export interface Stage<In, Out> {
  readonly name: string;
  readonly handler: StageHandler<In, Out>;
  readonly retries: number;
  /** Milliseconds to wait before retry number `retry` (1-based). */
  backoffMs(retry: number): number;
  readonly deadLetterTopic: string | undefined;
  readonly timeoutMs: number | undefined;
}

/** The failure of an attempt that exceeded the stage's `timeoutMs`. */
export class StageTimeoutError extends Error {
  override readonly name = 'StageTimeoutError';
  constructor(
    readonly stage: string,
    readonly timeoutMs: number,
  ) {
    super(`stage ${stage} did not finish within ${timeoutMs} ms`);
  }
}

const maxDelayMs = 3_600_000;

function resolveBackoff(value: unknown): (retry: number) => number {
  if (value === undefined) return () => 0;
  if (typeof value === 'number') {
    const fixed = optionalInteger(value, 'backoff', 0, maxDelayMs) ?? 0;
    return () => fixed;
  }
  const backoff = optionalObject(value, 'backoff') ?? {};
  checkKnownKeys(backoff, ['initialMs', 'multiplier', 'maxMs'], 'backoff');
  const initialMs = optionalInteger(backoff.initialMs, 'backoff.initialMs', 0, maxDelayMs);
  if (initialMs === undefined) throw new InvalidOptionError('backoff.initialMs', 'is required');
  const multiplier = backoff.multiplier ?? 2;
  if (typeof multiplier !== 'number' || !Number.isFinite(multiplier) || multiplier < 1 || multiplier > 100) {
    throw new InvalidOptionError(
      'backoff.multiplier',
      `must be a number from 1 to 100, got ${JSON.stringify(multiplier)}`,
    );
  }
  const maxMs = optionalInteger(backoff.maxMs, 'backoff.maxMs', 0, maxDelayMs) ?? 30_000;
  return (retry) => Math.min(maxMs, Math.round(initialMs * multiplier ** (retry - 1)));
}

/**
 * Defines a processing stage. Every message that enters it leaves with exactly one
 * outcome: `success` (first attempt), `retried` (a later attempt succeeded), `filtered`
 * (the handler returned null or undefined), `dead_lettered` (attempts exhausted, sent to
 * `deadLetterTopic`) or `error` (attempts exhausted, no dead-letter topic: the error
 * stops the message and reaches kafkajs unchanged).
 *
 * @throws {InvalidOptionError} when the name or an option is invalid, naming it.
 */
export function stage<In, Out>(
  name: string,
  handler: StageHandler<In, Out>,
  options?: StageOptions,
): Stage<In, Out> {
  const validName = optionalName(name, 'name');
  if (validName === undefined) throw new InvalidOptionError('name', 'is required');
  if (typeof handler !== 'function') throw new InvalidOptionError('handler', 'must be a function');
  const record = optionalObject(options, 'options') ?? {};
  checkKnownKeys(record, ['retries', 'backoff', 'deadLetterTopic', 'timeoutMs'], '');
  return {
    name: validName,
    handler,
    retries: optionalInteger(record.retries, 'retries', 0, 1000) ?? 0,
    backoffMs: resolveBackoff(record.backoff),
    deadLetterTopic: optionalName(record.deadLetterTopic, 'deadLetterTopic'),
    timeoutMs: optionalInteger(record.timeoutMs, 'timeoutMs', 1, maxDelayMs),
  };
}

/** The result of running one message through one stage. */
export type StageResult<Out> =
  | { outcome: 'success' | 'retried'; value: Out; attempts: number }
  | { outcome: 'filtered'; attempts: number }
  | { outcome: 'error' | 'dead_lettered'; error: unknown; attempts: number };

/** How a stage waits between attempts; tests replace it. */
export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) => (ms <= 0 ? Promise.resolve() : new Promise((r) => setTimeout(r, ms)));

async function attemptWithTimeout<In, Out>(
  definition: Stage<In, Out>,
  value: In,
  context: Omit<StageContext, 'signal' | 'attempt'>,
  attempt: number,
): Promise<Out | null | undefined> {
  const controller = new AbortController();
  const run = async () => definition.handler(value, { ...context, attempt, signal: controller.signal });
  const { timeoutMs } = definition;
  if (timeoutMs === undefined) return run();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new StageTimeoutError(definition.name, timeoutMs));
    }, timeoutMs);
  });
  try {
    return await Promise.race([run(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs one message through a stage with its retries, backoff and timeout. Never throws:
 * the caller decides what an `error` outcome does. `onRetry` is called before each retry.
 */
export async function runStage<In, Out>(
  definition: Stage<In, Out>,
  value: In,
  context: Omit<StageContext, 'signal' | 'attempt'>,
  onRetry: () => void,
  sleep: Sleep = realSleep,
): Promise<StageResult<Out>> {
  for (let attempt = 1; ; attempt++) {
    try {
      const output = await attemptWithTimeout(definition, value, context, attempt);
      if (output === null || output === undefined) return { outcome: 'filtered', attempts: attempt };
      return { outcome: attempt === 1 ? 'success' : 'retried', value: output, attempts: attempt };
    } catch (error) {
      if (attempt > definition.retries) {
        return {
          outcome: definition.deadLetterTopic === undefined ? 'error' : 'dead_lettered',
          error,
          attempts: attempt,
        };
      }
      onRetry();
      await sleep(definition.backoffMs(attempt));
    }
  }
}
