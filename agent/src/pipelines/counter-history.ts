import { type PipelineCounters } from './model';

/** Two snapshots of a pipeline's counters that bracket a window. */
export interface CounterWindow {
  readonly earlier: PipelineCounters;
  readonly later: PipelineCounters;
}

/**
 * The recent counter snapshots of one pipeline, oldest first, bounded in count, from
 * which the model picks its window.
 */
export class CounterHistory {
  private readonly entries: PipelineCounters[] = [];

  /** @throws RangeError when `maxEntries` is below 2 (a window needs two snapshots). */
  constructor(private readonly maxEntries: number) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 2) {
      throw new RangeError(`maxEntries must be an integer of at least 2, got ${maxEntries}`);
    }
  }

  /**
   * Adds the newest snapshot. One older than the newest one held is ignored (returns
   * false), so the history stays in time order whatever the caller's clock does.
   */
  push(counters: PipelineCounters): boolean {
    const newest = this.entries[this.entries.length - 1];
    if (newest !== undefined && counters.timeMs < newest.timeMs) return false;
    if (newest !== undefined && counters.timeMs === newest.timeMs) this.entries.pop();
    this.entries.push(counters);
    while (this.entries.length > this.maxEntries) this.entries.shift();
    return true;
  }

  /**
   * Drops the snapshots {@link window} can no longer pick for `windowMs`: those older than
   * the newest one at least `windowMs` older than the newest.
   */
  prune(windowMs: number): void {
    const later = this.entries[this.entries.length - 1];
    if (later === undefined) return;
    let drop = 0;
    while (drop + 1 < this.entries.length - 1) {
      const next = this.entries[drop + 1];
      if (next === undefined || later.timeMs - next.timeMs < windowMs) break;
      drop++;
    }
    if (drop > 0) this.entries.splice(0, drop);
  }

  /**
   * The newest snapshot and the newest one at least `windowMs` older; when the history is
   * shorter than the window, the oldest one. Null with fewer than two snapshots.
   */
  window(windowMs: number): CounterWindow | null {
    const later = this.entries[this.entries.length - 1];
    if (later === undefined || this.entries.length < 2) return null;
    let earlier = this.entries[0] ?? later;
    for (let index = this.entries.length - 2; index >= 0; index--) {
      const entry = this.entries[index];
      if (entry !== undefined && later.timeMs - entry.timeMs >= windowMs) {
        earlier = entry;
        break;
      }
    }
    return { earlier, later };
  }

  /** Snapshots held. */
  get size(): number {
    return this.entries.length;
  }
}
