/** Value that replaces label values over the limit. */
export const OVERFLOW_LABEL_VALUE = '_other';

/**
 * Caps the number of distinct values of one label (topics, groups, error types), so
 * that a process consuming thousands of topics or throwing unbounded error names
 * cannot blow up the number of series. Values past the cap become
 * {@link OVERFLOW_LABEL_VALUE}; each replacement is reported to `onOverflow`.
 *
 * Lookups happen once per new label binding, not per message: callers cache the
 * bound series.
 */
export class LabelValueLimiter {
  private readonly admitted = new Set<string>();

  constructor(
    readonly label: string,
    readonly maxValues: number,
    private readonly onOverflow: (label: string) => void,
  ) {}

  /** Returns `value` while the label has room for it, else {@link OVERFLOW_LABEL_VALUE}. */
  admit(value: string): string {
    if (this.admitted.has(value)) return value;
    if (this.admitted.size < this.maxValues) {
      this.admitted.add(value);
      return value;
    }
    this.onOverflow(this.label);
    return OVERFLOW_LABEL_VALUE;
  }

  /** Distinct values admitted so far. */
  get size(): number {
    return this.admitted.size;
  }
}

/**
 * One limiter per label name, shared by every metric of a registry, so that a topic
 * admitted for one metric is admitted for all of them and series stay consistent.
 */
export class LabelLimits {
  private readonly limiters = new Map<string, LabelValueLimiter>();

  constructor(
    readonly maxValuesPerLabel: number,
    private readonly onOverflow: (label: string) => void,
  ) {}

  /** The value to use for `label`, possibly {@link OVERFLOW_LABEL_VALUE}. */
  admit(label: string, value: string): string {
    let limiter = this.limiters.get(label);
    if (limiter === undefined) {
      limiter = new LabelValueLimiter(label, this.maxValuesPerLabel, this.onOverflow);
      this.limiters.set(label, limiter);
    }
    return limiter.admit(value);
  }
}
