import { trace, type TextMapPropagator, type Tracer, type TracerProvider } from '@opentelemetry/api';
import { register as globalRegistry, type Registry } from 'prom-client';
import { SDK_NAME, SDK_VERSION } from '../version';
import {
  checkKnownKeys,
  optionalBoolean,
  optionalInteger,
  optionalName,
  optionalObject,
  optionalWithMethods,
} from './checks';
import { InvalidOptionError } from './invalid-option-error';
import { type Clock } from './types';

/** Default of `labels.maxValuesPerLabel`. */
export const DEFAULT_MAX_VALUES_PER_LABEL = 200;
/** Default of `reliability.lossConfirmationMs`. */
export const DEFAULT_LOSS_CONFIRMATION_MS = 30_000;

/** The clock used unless one is injected. */
export const systemClock: Clock = {
  wallMs: () => Date.now(),
  monotonicSeconds: () => performance.now() / 1000,
};

/** Options with defaults applied, shared by every instrumented client. */
export interface ResolvedOptions {
  readonly pipeline: string;
  readonly registry: Registry;
  /** Undefined when tracing is off. */
  readonly tracer: Tracer | undefined;
  /** Undefined: use the global propagator, or W3C when none is registered. */
  readonly propagator: TextMapPropagator | undefined;
  readonly partitionLabel: boolean;
  readonly maxValuesPerLabel: number;
  readonly reliability: boolean;
  readonly lossConfirmationMs: number;
  readonly clock: Clock;
}

const sharedKeys = [
  'pipeline',
  'registry',
  'tracerProvider',
  'propagator',
  'tracing',
  'labels',
  'reliability',
  'clock',
];

/**
 * The default pipeline name, from the environment.
 * @env STREAMOPS_PIPELINE Default of the `pipeline` option (the `pipeline` label and the
 *   `streamops.pipeline` span attribute), without leading and trailing spaces.
 * @env OTEL_SERVICE_NAME Default of the `pipeline` option when `STREAMOPS_PIPELINE` is
 *   unset or blank; with neither, `default`.
 */
export function defaultPipelineName(env: NodeJS.ProcessEnv = process.env): string {
  for (const candidate of [env.STREAMOPS_PIPELINE, env.OTEL_SERVICE_NAME]) {
    if (candidate !== undefined && candidate.trim() !== '') return candidate.trim();
  }
  return 'default';
}

/**
 * Validates options and applies defaults. Throws {@link InvalidOptionError} naming the
 * first bad option. `extraKeys` are the options specific to the caller (stage, group...),
 * which the caller checks itself.
 */
export function resolveOptions(options: unknown, extraKeys: readonly string[]): ResolvedOptions {
  const record = optionalObject(options, 'options') ?? {};
  checkKnownKeys(record, [...sharedKeys, ...extraKeys], '');

  const labels = optionalObject(record.labels, 'labels') ?? {};
  checkKnownKeys(labels, ['partition', 'maxValuesPerLabel'], 'labels');
  const reliability = optionalObject(record.reliability, 'reliability') ?? {};
  checkKnownKeys(reliability, ['enabled', 'lossConfirmationMs'], 'reliability');

  const tracerProvider = optionalWithMethods<TracerProvider>(
    record.tracerProvider,
    'tracerProvider',
    ['getTracer'],
    'an OpenTelemetry TracerProvider',
  );
  const tracing = optionalBoolean(record.tracing, 'tracing') ?? true;
  const clock = optionalWithMethods<Clock>(record.clock, 'clock', ['wallMs', 'monotonicSeconds'], 'a Clock');

  return {
    pipeline: optionalName(record.pipeline, 'pipeline') ?? defaultPipelineName(),
    registry:
      optionalWithMethods<Registry>(
        record.registry,
        'registry',
        ['registerMetric', 'getSingleMetric', 'metrics'],
        'a prom-client Registry',
      ) ?? globalRegistry,
    tracer: tracing
      ? (tracerProvider ?? trace.getTracerProvider()).getTracer(SDK_NAME, SDK_VERSION)
      : undefined,
    propagator: optionalWithMethods<TextMapPropagator>(
      record.propagator,
      'propagator',
      ['inject', 'extract', 'fields'],
      'an OpenTelemetry TextMapPropagator',
    ),
    partitionLabel: optionalBoolean(labels.partition, 'labels.partition') ?? false,
    maxValuesPerLabel:
      optionalInteger(labels.maxValuesPerLabel, 'labels.maxValuesPerLabel', 1, 100_000) ??
      DEFAULT_MAX_VALUES_PER_LABEL,
    reliability: optionalBoolean(reliability.enabled, 'reliability.enabled') ?? true,
    lossConfirmationMs:
      optionalInteger(reliability.lossConfirmationMs, 'reliability.lossConfirmationMs', 0, 86_400_000) ??
      DEFAULT_LOSS_CONFIRMATION_MS,
    clock: clock ?? systemClock,
  };
}

/** Validates an optional stage name (`stage`, `stages.producer`...), with its default. */
export function resolveStageName(value: unknown, path: string, fallback: string): string {
  return optionalName(value, path) ?? fallback;
}

/** Validates `stages` of {@link instrument}. */
export function resolveStages(value: unknown): { producer: string; consumer: string } {
  const stages = optionalObject(value, 'stages') ?? {};
  checkKnownKeys(stages, ['producer', 'consumer'], 'stages');
  return {
    producer: resolveStageName(stages.producer, 'stages.producer', 'producer'),
    consumer: resolveStageName(stages.consumer, 'stages.consumer', 'consumer'),
  };
}

export { InvalidOptionError };
