import { Counter, Histogram, type CounterConfiguration, type HistogramConfiguration } from 'prom-client';

/** Label values of one series, by label name. */
export type SeriesLabels = Readonly<Record<string, string>>;

/**
 * The value of one counter series. The hot path holds a reference to its cell and
 * increments a number field: no label hashing, validation or allocation per message,
 * which prom-client's `labels(...).inc()` does on every call.
 */
export class CounterCell {
  value = 0;
  constructor(readonly labels: SeriesLabels) {}

  inc(amount = 1): void {
    this.value += amount;
  }
}

/** The buckets, sum and count of one histogram series; see {@link CounterCell}. */
export class HistogramCell {
  /** Non-cumulative counts, one per upper bound plus one for +Inf. */
  readonly bucketCounts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: SeriesLabels,
    private readonly upperBounds: readonly number[],
  ) {
    this.bucketCounts = new Float64Array(upperBounds.length + 1);
  }

  observe(value: number): void {
    // Non-finite values would poison the sum forever; the callers compute durations, so this is a bug guard.
    if (!Number.isFinite(value)) return;
    const bounds = this.upperBounds;
    let index = 0;
    while (index < bounds.length && value > bounds[index]!) index++;
    this.bucketCounts[index]!++;
    this.sum += value;
    this.count++;
  }

  reset(): void {
    this.bucketCounts.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}

function seriesKey(labelNames: readonly string[], labels: SeriesLabels): string {
  return labelNames.map((name) => labels[name] ?? '').join('\u0000');
}

function checkedLabels(
  metricName: string,
  labelNames: readonly string[],
  labels: SeriesLabels,
): SeriesLabels {
  for (const name of labelNames) {
    if (typeof labels[name] !== 'string') throw new Error(`${metricName}: missing label ${name}`);
  }
  for (const name of Object.keys(labels)) {
    if (!labelNames.includes(name)) throw new Error(`${metricName}: unknown label ${name}`);
  }
  return Object.freeze({ ...labels });
}

/**
 * A prom-client Counter whose series are {@link CounterCell}s. It is a real Counter, so
 * it registers in any prom-client Registry and `registry.getSingleMetric(name).get()`
 * and the text exposition work as usual; only the storage differs.
 */
export class CellCounter extends Counter<string> {
  private readonly cells = new Map<string, CounterCell>();
  private readonly cellLabelNames: readonly string[];
  private readonly beforeCollect: (() => void)[] = [];

  constructor(configuration: CounterConfiguration<string>) {
    super(configuration);
    this.cellLabelNames = configuration.labelNames ?? [];
  }

  /** The cell of one series, created at zero on first use. Call once per binding, not per message. */
  cell(labels: SeriesLabels): CounterCell {
    const key = seriesKey(this.cellLabelNames, labels);
    let cell = this.cells.get(key);
    if (cell === undefined) {
      cell = new CounterCell(checkedLabels(this.name, this.cellLabelNames, labels));
      this.cells.set(key, cell);
    }
    return cell;
  }

  /**
   * Runs `hook` before every read of the values, for cells that accumulate time in an
   * open interval (busy time) and must bring it up to date.
   */
  addCollectHook(hook: () => void): void {
    this.beforeCollect.push(hook);
  }

  override get(): ReturnType<Counter<string>['get']> {
    for (const hook of this.beforeCollect) hook();
    const values = [...this.cells.values()].map((cell) => ({
      value: cell.value,
      labels: { ...cell.labels },
    }));
    return Promise.resolve({
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      collect: this.collect,
      values,
    });
  }

  override reset(): void {
    // prom-client's constructor calls reset() before this class's fields exist.
    if ((this.cells as Map<string, CounterCell> | undefined) === undefined) return;
    for (const cell of this.cells.values()) cell.value = 0;
  }

  declare name: string;
  declare help: string;
  declare type: Awaited<ReturnType<Counter<string>['get']>>['type'];
  declare aggregator: Awaited<ReturnType<Counter<string>['get']>>['aggregator'];
  declare collect: Awaited<ReturnType<Counter<string>['get']>>['collect'];
}

type HistogramSnapshot = Awaited<ReturnType<Histogram<string>['get']>>;

/** A prom-client Histogram whose series are {@link HistogramCell}s; see {@link CellCounter}. */
export class CellHistogram extends Histogram<string> {
  private readonly cells = new Map<string, HistogramCell>();
  private readonly cellLabelNames: readonly string[];
  private readonly cellUpperBounds: readonly number[];

  constructor(configuration: HistogramConfiguration<string> & { buckets: number[] }) {
    super(configuration);
    this.cellLabelNames = configuration.labelNames ?? [];
    this.cellUpperBounds = [...configuration.buckets].sort((a, b) => a - b);
  }

  /** The cell of one series, created empty on first use. Call once per binding, not per message. */
  cell(labels: SeriesLabels): HistogramCell {
    const key = seriesKey(this.cellLabelNames, labels);
    let cell = this.cells.get(key);
    if (cell === undefined) {
      cell = new HistogramCell(checkedLabels(this.name, this.cellLabelNames, labels), this.cellUpperBounds);
      this.cells.set(key, cell);
    }
    return cell;
  }

  override get(): Promise<HistogramSnapshot> {
    return Promise.resolve(this.snapshot());
  }

  /** prom-client's Registry prefers this method to get() when rendering text. */
  getForPromString(): Promise<HistogramSnapshot> {
    return Promise.resolve(this.snapshot());
  }

  override reset(): void {
    // prom-client's constructor calls reset() before this class's fields exist.
    if ((this.cells as Map<string, HistogramCell> | undefined) === undefined) return;
    for (const cell of this.cells.values()) cell.reset();
  }

  private snapshot(): HistogramSnapshot {
    const values: HistogramSnapshot['values'] = [];
    const bucketName = `${this.name}_bucket`;
    for (const cell of this.cells.values()) {
      let cumulative = 0;
      this.cellUpperBounds.forEach((upperBound, index) => {
        cumulative += cell.bucketCounts[index]!;
        values.push({
          labels: { ...cell.labels, le: upperBound },
          value: cumulative,
          metricName: bucketName,
        });
      });
      values.push({ labels: { ...cell.labels, le: '+Inf' }, value: cell.count, metricName: bucketName });
      values.push({ labels: { ...cell.labels }, value: cell.sum, metricName: `${this.name}_sum` });
      values.push({ labels: { ...cell.labels }, value: cell.count, metricName: `${this.name}_count` });
    }
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      collect: this.collect,
      values,
    };
  }

  declare name: string;
  declare help: string;
  declare type: HistogramSnapshot['type'];
  declare aggregator: HistogramSnapshot['aggregator'];
  declare collect: HistogramSnapshot['collect'];
}
