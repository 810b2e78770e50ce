/** Options of {@link ThrottledLog}. */
export interface ThrottledLogOptions {
  readonly log: (line: string) => void;
  /** Clock in epoch milliseconds. */
  readonly now: () => number;
  /** Shortest time between two lines of one kind. */
  readonly intervalMs?: number;
  /** Kinds remembered at once; further kinds share one entry. */
  readonly maxKinds?: number;
}

interface KindState {
  loggedAtMs: number;
  suppressed: number;
}

const OTHER_KIND = 'other';

/**
 * Logs at most one line per kind per interval (a minute by default): a client repeating a
 * bad request cannot fill the log. The next line of a kind says how many were left out.
 */
export class ThrottledLog {
  private readonly kinds = new Map<string, KindState>();
  private readonly intervalMs: number;
  private readonly maxKinds: number;

  constructor(private readonly options: ThrottledLogOptions) {
    this.intervalMs = options.intervalMs ?? 60_000;
    this.maxKinds = options.maxKinds ?? 64;
  }

  /** Logs `line` unless a line of `kind` was logged less than the interval ago. Returns whether it logged. */
  log(kind: string, line: string): boolean {
    const nowMs = this.options.now();
    const key = this.kinds.has(kind) || this.kinds.size < this.maxKinds ? kind : OTHER_KIND;
    const state = this.kinds.get(key);
    if (state !== undefined && nowMs - state.loggedAtMs < this.intervalMs && nowMs >= state.loggedAtMs) {
      state.suppressed++;
      return false;
    }
    const suppressed = state?.suppressed ?? 0;
    this.kinds.set(key, { loggedAtMs: nowMs, suppressed: 0 });
    this.options.log(
      suppressed === 0 ? line : `${line} (${suppressed} more like it since the last one logged)`,
    );
    return true;
  }
}
