import { sdkMetrics } from '@streamops/sdk';
import { isStreamopsMetric, normaliseMetricName, pipelineSignals, signalOf } from './signals';

describe('normaliseMetricName', () => {
  it.each([
    ['streamops_stage_messages_total', 'streamops_stage_messages'],
    ['streamops.stage.messages', 'streamops_stage_messages'],
    ['Streamops-Stage/Messages', 'streamops_stage_messages'],
    ['streamops_total', 'streamops'],
    ['total', 'total'],
  ])('%s → %s', (name, normalised) => {
    expect(normaliseMetricName(name)).toBe(normalised);
  });
});

describe('signalOf', () => {
  it('recognises the SDK catalogue names the model reads', () => {
    expect(signalOf(sdkMetrics.stageMessages.name)).toBe('stageMessages');
    expect(signalOf(sdkMetrics.stageBusy.name)).toBe('stageBusySeconds');
    expect(signalOf(sdkMetrics.consumerMessages.name)).toBe('consumerMessages');
    expect(signalOf(sdkMetrics.consumerHandlerErrors.name)).toBe('consumerHandlerErrors');
    expect(signalOf(sdkMetrics.producerMessages.name)).toBe('producerMessages');
    expect(signalOf(sdkMetrics.consumerRecordAge.name)).toBe('recordAge');
    expect(signalOf(sdkMetrics.consumerRedeliveries.name)).toBe('redelivered');
    expect(signalOf(sdkMetrics.consumerLostMessages.name)).toBe('lost');
    expect(signalOf(sdkMetrics.consumerDuplicateMessages.name)).toBe('duplicated');
  });

  it('recognises OpenTelemetry-style names and nothing else', () => {
    expect(signalOf('streamops.stage.busy')).toBe('stageBusySeconds');
    expect(signalOf('streamops.consumer.record_age')).toBe('recordAge');
    expect(signalOf('streamops_consumer_bytes_total')).toBeNull();
    expect(signalOf('')).toBeNull();
  });

  it('lists every name in normal form, once', () => {
    const names = Object.values(pipelineSignals).flat();
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(normaliseMetricName(name)).toBe(name);
  });
});

describe('isStreamopsMetric', () => {
  it('keeps streamops metrics in any naming style', () => {
    expect(isStreamopsMetric('streamops_stage_messages_total')).toBe(true);
    expect(isStreamopsMetric('streamops.stage.busy')).toBe(true);
    expect(isStreamopsMetric('process_cpu_seconds_total')).toBe(false);
    expect(isStreamopsMetric('jvm.memory.used')).toBe(false);
  });
});
