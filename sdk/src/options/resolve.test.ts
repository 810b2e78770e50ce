import { trace } from '@opentelemetry/api';
import { register as globalRegistry, Registry } from 'prom-client';
import { InvalidOptionError } from './invalid-option-error';
import {
  DEFAULT_LOSS_CONFIRMATION_MS,
  DEFAULT_MAX_VALUES_PER_LABEL,
  defaultPipelineName,
  resolveOptions,
  resolveStages,
} from './resolve';

describe('resolveOptions', () => {
  it('applies defaults', () => {
    const resolved = resolveOptions(undefined, []);
    expect(resolved.registry).toBe(globalRegistry);
    expect(resolved.tracer).toBeDefined();
    expect(resolved.propagator).toBeUndefined();
    expect(resolved.partitionLabel).toBe(false);
    expect(resolved.maxValuesPerLabel).toBe(DEFAULT_MAX_VALUES_PER_LABEL);
    expect(resolved.reliability).toBe(true);
    expect(resolved.lossConfirmationMs).toBe(DEFAULT_LOSS_CONFIRMATION_MS);
  });

  it('keeps given values', () => {
    const registry = new Registry();
    const resolved = resolveOptions(
      {
        pipeline: 'orders',
        registry,
        tracing: false,
        labels: { partition: true, maxValuesPerLabel: 5 },
        reliability: { enabled: false, lossConfirmationMs: 0 },
      },
      [],
    );
    expect(resolved).toMatchObject({
      pipeline: 'orders',
      registry,
      tracer: undefined,
      partitionLabel: true,
      maxValuesPerLabel: 5,
      reliability: false,
      lossConfirmationMs: 0,
    });
  });

  it('uses the tracer provider it is given', () => {
    const provider = trace.getTracerProvider();
    const getTracer = jest.spyOn(provider, 'getTracer');
    resolveOptions({ tracerProvider: provider }, []);
    expect(getTracer).toHaveBeenCalledWith('@streamops/sdk', expect.any(String));
  });

  it.each<[unknown, string]>([
    ['not an object', 'options'],
    [{ pipelin: 'typo' }, 'pipelin'],
    [{ pipeline: '' }, 'pipeline'],
    [{ pipeline: 'a\nb' }, 'pipeline'],
    [{ pipeline: 'x'.repeat(201) }, 'pipeline'],
    [{ registry: {} }, 'registry'],
    [{ tracerProvider: { getTracer: 1 } }, 'tracerProvider'],
    [{ propagator: 'w3c' }, 'propagator'],
    [{ tracing: 'yes' }, 'tracing'],
    [{ labels: [] }, 'labels'],
    [{ labels: { partitions: true } }, 'labels.partitions'],
    [{ labels: { partition: 1 } }, 'labels.partition'],
    [{ labels: { maxValuesPerLabel: 0 } }, 'labels.maxValuesPerLabel'],
    [{ labels: { maxValuesPerLabel: 1.5 } }, 'labels.maxValuesPerLabel'],
    [{ reliability: { lossConfirmationMs: -1 } }, 'reliability.lossConfirmationMs'],
    [{ reliability: { enabled: 'no' } }, 'reliability.enabled'],
    [{ clock: { wallMs: () => 0 } }, 'clock'],
  ])('rejects %p naming %s', (options, option) => {
    expect(() => resolveOptions(options, [])).toThrow(InvalidOptionError);
    expect(() => resolveOptions(options, [])).toThrow(`invalid option "${option}"`);
  });

  it('accepts the caller-specific keys it is told about', () => {
    expect(() => resolveOptions({ stage: 'x' }, [])).toThrow('invalid option "stage"');
    expect(() => resolveOptions({ stage: 'x' }, ['stage'])).not.toThrow();
  });
});

describe('resolveStages', () => {
  it('defaults and validates stage names', () => {
    expect(resolveStages(undefined)).toEqual({ producer: 'producer', consumer: 'consumer' });
    expect(resolveStages({ consumer: 'enrich' })).toEqual({ producer: 'producer', consumer: 'enrich' });
    expect(() => resolveStages({ producer: 3 })).toThrow('invalid option "stages.producer"');
    expect(() => resolveStages({ sink: 'x' })).toThrow('invalid option "stages.sink"');
  });
});

describe('defaultPipelineName', () => {
  it('prefers STREAMOPS_PIPELINE, then OTEL_SERVICE_NAME', () => {
    expect(defaultPipelineName({ STREAMOPS_PIPELINE: 'a', OTEL_SERVICE_NAME: 'b' })).toBe('a');
    expect(defaultPipelineName({ OTEL_SERVICE_NAME: 'b' })).toBe('b');
    expect(defaultPipelineName({ STREAMOPS_PIPELINE: ' ' })).toBe('default');
  });
});
