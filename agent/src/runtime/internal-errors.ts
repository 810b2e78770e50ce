/** Parts of the agent whose internal errors are counted: the `part` label of the counter. */
export const internalErrorParts = ['cluster_cycle', 'pipeline_view', 'engine_poll', 'render'] as const;
export type InternalErrorPart = (typeof internalErrorParts)[number];

/** State of one part, for /healthz. */
export interface PartHealth {
  /** `failing` while one of its sources (a cluster, an endpoint, a rendered part) last failed. */
  readonly state: 'ok' | 'failing';
  /** Errors since the agent started. */
  readonly errors: number;
  /** The latest error's message (with its source), null before the first. */
  readonly lastError: string | null;
  readonly lastErrorAtMs: number | null;
  /** Sources failing now (cluster names, endpoint names, rendered parts). */
  readonly failing: readonly string[];
}

interface PartState {
  errors: number;
  lastError: string | null;
  lastErrorAtMs: number | null;
  /** Failing sources with the message last logged for each. */
  readonly failing: Map<string, string>;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The agent's internal errors: a failed cycle, pipeline-view update, engine poll or render.
 * Each is counted; it is logged once per distinct message per part and source, until the
 * message changes or the source recovers (logged once too). Nothing here throws, a
 * throwing `log` included: this is where the agent's errors end up.
 */
export class InternalErrors {
  private readonly parts = new Map<InternalErrorPart, PartState>(
    internalErrorParts.map((part) => [
      part,
      { errors: 0, lastError: null, lastErrorAtMs: null, failing: new Map() },
    ]),
  );

  constructor(
    private readonly log: (line: string) => void,
    private readonly nowMs: () => number,
  ) {}

  /** Counts an error of `part` from `source` (e.g. `cluster "prod"`; '' for the part as a whole). */
  record(part: InternalErrorPart, error: unknown, source = ''): void {
    const state = this.state(part);
    const message = source === '' ? messageOf(error) : `${source}: ${messageOf(error)}`;
    state.errors++;
    state.lastError = message;
    state.lastErrorAtMs = this.safeNow();
    if (state.failing.get(source) === message) return;
    state.failing.set(source, message);
    this.write(`streamops-agent: internal error (${part}): ${message}`);
  }

  /** Marks `source` of `part` as working again; logs the recovery when it was failing. */
  ok(part: InternalErrorPart, source = ''): void {
    const state = this.state(part);
    if (!state.failing.delete(source)) return;
    this.write(`streamops-agent: internal error cleared (${part})${source === '' ? '' : `: ${source}`}`);
  }

  /** Errors by part since start, every part present. */
  counts(): Record<InternalErrorPart, number> {
    const counts = {} as Record<InternalErrorPart, number>;
    for (const part of internalErrorParts) counts[part] = this.state(part).errors;
    return counts;
  }

  /** Every part's state. */
  health(): Record<InternalErrorPart, PartHealth> {
    const health = {} as Record<InternalErrorPart, PartHealth>;
    for (const part of internalErrorParts) {
      const state = this.state(part);
      health[part] = {
        state: state.failing.size > 0 ? 'failing' : 'ok',
        errors: state.errors,
        lastError: state.lastError,
        lastErrorAtMs: state.lastErrorAtMs,
        failing: [...state.failing.keys()].map((source) => (source === '' ? part : source)).sort(),
      };
    }
    return health;
  }

  private state(part: InternalErrorPart): PartState {
    const state = this.parts.get(part);
    if (state === undefined) throw new RangeError(`unknown part ${part}`);
    return state;
  }

  private safeNow(): number | null {
    try {
      return this.nowMs();
    } catch {
      return null;
    }
  }

  private write(line: string): void {
    try {
      this.log(line);
    } catch {
      // A log that throws must not turn one error into another.
    }
  }
}
