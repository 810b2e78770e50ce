import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Options every bench takes. */
export interface BenchOptions {
  /** Tiny sizes: checks that the bench runs and yields well-formed results, in seconds. */
  readonly smoke: boolean;
  /** Progress lines (to stderr in the CLI, silent in tests). */
  readonly log: (line: string) => void;
}

let collect: (() => void) | undefined;

/**
 * Runs a full garbage collection, so that one variant's garbage is not collected (and
 * charged) while the next one is timed. Exposes `gc` at run time, so neither tsx nor jest
 * needs `--expose-gc`.
 */
export function collectGarbage(): void {
  if (collect === undefined) {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  collect();
}

/** Nanoseconds from a monotonic clock, as a number (fine for spans under 100 days). */
export function nowNs(): number {
  return Number(process.hrtime.bigint());
}

/** Lets the event loop run timers and I/O, as it would between two fetches of a real consumer. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Rotates `items` left by `shift`, so each repetition runs the variants in a different order. */
export function rotate<T>(items: readonly T[], shift: number): T[] {
  const offset = ((shift % items.length) + items.length) % items.length;
  return [...items.slice(offset), ...items.slice(0, offset)];
}
