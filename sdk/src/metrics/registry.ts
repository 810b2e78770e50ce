import { Gauge, type Registry } from 'prom-client';
import { InvalidOptionError } from '../options/invalid-option-error';
import { sdkMetrics, type SdkMetricKey } from './catalogue';
import { CellCounter, CellHistogram, type CounterCell, type SeriesLabels } from './cell-metrics';
import { type MetricDefinition } from './definition';
import { LabelLimits } from './label-limiter';

type KeysOfType<T extends MetricDefinition['type']> = {
  [K in SdkMetricKey]: (typeof sdkMetrics)[K]['type'] extends T ? K : never;
}[SdkMetricKey];

/** Keys of the SDK's counters, histograms and gauges in the catalogue. */
export type CounterKey = KeysOfType<'counter'>;
export type HistogramKey = KeysOfType<'histogram'>;
export type GaugeKey = KeysOfType<'gauge'>;

/**
 * The SDK's metrics in one prom-client registry, created from the catalogue. One
 * instance per registry is shared by every instrumented client using it, because a
 * registry accepts each metric name once.
 */
export class SdkMetrics {
  readonly counters: Readonly<Record<CounterKey, CellCounter>>;
  readonly histograms: Readonly<Record<HistogramKey, CellHistogram>>;
  readonly gauges: Readonly<Record<GaugeKey, Gauge<string>>>;
  /** Caps distinct label values per label name, for every metric of the registry. */
  readonly labelLimits: LabelLimits;
  private readonly errorCells = new Map<string, CounterCell>();

  constructor(
    readonly registry: Registry,
    /** Whether metrics with an optional `partition` label carry it. */
    readonly partitionLabel: boolean,
    maxValuesPerLabel: number,
  ) {
    const counters: Partial<Record<CounterKey, CellCounter>> = {};
    const histograms: Partial<Record<HistogramKey, CellHistogram>> = {};
    const gauges: Partial<Record<GaugeKey, Gauge<string>>> = {};
    for (const [key, definition] of Object.entries(sdkMetrics) as [SdkMetricKey, MetricDefinition][]) {
      const common = {
        name: definition.name,
        help: definition.help,
        labelNames: this.labelNamesOf(definition),
        registers: [registry],
      };
      if (definition.type === 'counter') counters[key as CounterKey] = new CellCounter(common);
      else if (definition.type === 'histogram') {
        histograms[key as HistogramKey] = new CellHistogram({
          ...common,
          buckets: [...(definition.buckets ?? [])],
        });
      } else gauges[key as GaugeKey] = new Gauge(common);
    }
    this.counters = counters as Record<CounterKey, CellCounter>;
    this.histograms = histograms as Record<HistogramKey, CellHistogram>;
    this.gauges = gauges as Record<GaugeKey, Gauge<string>>;
    const overflow = this.counters.labelOverflow;
    this.labelLimits = new LabelLimits(maxValuesPerLabel, (label) => overflow.cell({ label }).inc());
  }

  /** Label names a definition has in this registry (its optional ones only when enabled). */
  labelNamesOf(definition: MetricDefinition): string[] {
    const optional = this.partitionLabel ? (definition.optionalLabels ?? []) : [];
    return [...definition.labels, ...optional];
  }

  /**
   * Counts a failure of the SDK itself. Never throws: it is called from catch blocks
   * that protect the user's pipeline.
   */
  countInstrumentationError(operation: string): void {
    try {
      let cell = this.errorCells.get(operation);
      if (cell === undefined) {
        cell = this.counters.instrumentationErrors.cell({ operation });
        this.errorCells.set(operation, cell);
      }
      cell.inc();
    } catch {
      // Nothing sensible is left to do; the pipeline must go on.
    }
  }

  /** `labels` plus `partition` when partition labels are on; for metrics that define it as optional. */
  withPartition(labels: SeriesLabels, partition: number): SeriesLabels {
    return this.partitionLabel ? { ...labels, partition: String(partition) } : labels;
  }
}

const metricsByRegistry = new WeakMap<Registry, SdkMetrics>();

/**
 * The SDK's metrics in `registry`, created on first use. The partition-label choice is
 * fixed by the first call for a registry; a later call asking otherwise throws.
 */
export function sdkMetricsFor(
  registry: Registry,
  partitionLabel: boolean,
  maxValuesPerLabel: number,
): SdkMetrics {
  const existing = metricsByRegistry.get(registry);
  if (existing !== undefined) {
    if (existing.partitionLabel !== partitionLabel) {
      throw new InvalidOptionError(
        'labels.partition',
        `this registry already has the SDK metrics with partition labels ${existing.partitionLabel ? 'on' : 'off'}`,
      );
    }
    return existing;
  }
  const created = new SdkMetrics(registry, partitionLabel, maxValuesPerLabel);
  metricsByRegistry.set(registry, created);
  return created;
}

/**
 * The SDK's metrics in `registry` for components that do not choose label options (the
 * reporter): the existing instance, or one with the default options.
 */
export function sdkMetricsOrDefault(registry: Registry, defaultMaxValuesPerLabel: number): SdkMetrics {
  return metricsByRegistry.get(registry) ?? sdkMetricsFor(registry, false, defaultMaxValuesPerLabel);
}
