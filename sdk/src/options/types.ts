import { type TextMapPropagator, type TracerProvider } from '@opentelemetry/api';
import { type Registry } from 'prom-client';

/**
 * Time sources. Tests inject their own; the default uses `Date.now()` and
 * `performance.now()`.
 */
export interface Clock {
  /** Wall-clock time in milliseconds since the Unix epoch (record ages, origin timestamps). */
  wallMs(): number;
  /** Monotonic time in seconds, for durations. */
  monotonicSeconds(): number;
}

/** Limits on metric labels, because every distinct value is a new series. */
export interface LabelOptions {
  /**
   * Add a `partition` label to the consumer metrics that define it as optional
   * (see docs/METRICS.md). Off by default: one series per partition is costly on
   * topics with many partitions. Fixed per registry by the first instrumentation.
   */
  partition?: boolean;
  /**
   * Distinct values kept per label (topics, groups, error types...); further values are
   * reported as `_other`. Integer, 1 to 100000. Default 200.
   */
  maxValuesPerLabel?: number;
}

/** Settings of loss and duplicate detection on consumed messages. */
export interface ReliabilityOptions {
  /** Track producer sequences and offsets on consumed messages. Default true. */
  enabled?: boolean;
  /**
   * How much newer (by record timestamp) a later record of the same partition must be
   * before a sequence gap is counted as lost. Covers sends that kafkajs retries and that
   * land after later ones. Integer, 0 to 86400000. Default 30000, kafkajs's default
   * maximum retry time.
   */
  lossConfirmationMs?: number;
}

/** Options shared by {@link instrument}, {@link instrumentProducer} and {@link instrumentConsumer}. */
export interface InstrumentationOptions {
  /** Value of the `pipeline` label. Default: `STREAMOPS_PIPELINE`, else `OTEL_SERVICE_NAME`, else `default`. */
  pipeline?: string;
  /** prom-client registry for the metrics. Default: prom-client's global registry. */
  registry?: Registry;
  /** Where spans go. Default: the global tracer provider of @opentelemetry/api. */
  tracerProvider?: TracerProvider;
  /**
   * Propagator for trace context in headers. Default: the global one when one is
   * registered, else W3C trace context.
   */
  propagator?: TextMapPropagator;
  /** Create spans. Default true; metrics are recorded either way. */
  tracing?: boolean;
  /** Limits on metric labels (see {@link LabelOptions}). */
  labels?: LabelOptions;
  /** Loss, duplicate and redelivery detection on consumed messages (see {@link ReliabilityOptions}). */
  reliability?: ReliabilityOptions;
  /** Time sources, for tests. */
  clock?: Clock;
}

/** Options of {@link instrument}: every producer and consumer of one kafkajs `Kafka`. */
export interface InstrumentOptions extends InstrumentationOptions {
  /** Values of the `stage` label. Defaults: `producer` and `consumer`. */
  stages?: {
    /** `stage` label of the producers created from `kafka`. Default `producer`. */
    producer?: string;
    /** `stage` label of the consumers created from `kafka`. Default `consumer`. */
    consumer?: string;
  };
}

/** Options of {@link instrumentProducer}. */
export interface InstrumentProducerOptions extends InstrumentationOptions {
  /** Value of the `stage` label. Default `producer`. */
  stage?: string;
}

/** Options of {@link instrumentConsumer}. */
export interface InstrumentConsumerOptions extends InstrumentationOptions {
  /** Value of the `stage` label. Default `consumer`. */
  stage?: string;
  /**
   * Consumer group. kafkajs does not expose it on an existing consumer; without this
   * option it is learnt when the consumer joins its group.
   */
  group?: string;
}
