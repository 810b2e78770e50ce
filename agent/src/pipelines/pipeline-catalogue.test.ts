import { catalogueProblems, type MetricDefinition } from '@streamops/sdk';
import { agentMetricCatalogue } from '../metrics/catalogue';
import {
  engineMetrics,
  ingestMetrics,
  pipelineMetricCatalogue,
  pipelineMetrics,
} from '../metrics/pipeline-catalogue';

describe('pipeline metric catalogue', () => {
  it('passes the catalogue checks, together with the lag catalogue', () => {
    expect(catalogueProblems(agentMetricCatalogue)).toEqual([]);
    expect(agentMetricCatalogue).toEqual(expect.arrayContaining([...pipelineMetricCatalogue]));
  });

  it('labels pipeline series with engine, pipeline and stage only (bounded cardinality)', () => {
    for (const definition of Object.values(pipelineMetrics) as MetricDefinition[]) {
      expect(['engine', 'pipeline', 'stage']).toEqual(expect.arrayContaining([...definition.labels]));
      expect(definition.labels.slice(0, 2)).toEqual(['engine', 'pipeline']);
      expect(definition.optionalLabels).toBeUndefined();
    }
  });

  it('labels engine endpoint series with engine and endpoint only', () => {
    for (const definition of Object.values(engineMetrics) as MetricDefinition[]) {
      expect(definition.labels).toEqual(['engine', 'endpoint']);
    }
  });

  it('labels ingest series with the rejection reason at most', () => {
    for (const definition of Object.values(ingestMetrics) as MetricDefinition[]) {
      expect(definition.labels.every((label) => label === 'reason')).toBe(true);
    }
  });

  it('names every model output the issue asks for', () => {
    const names = pipelineMetricCatalogue.map((definition) => definition.name);
    for (const part of [
      'arrival_rate',
      'processing_yield',
      'delivery_yield',
      'effective_throughput',
      'delivered_rate',
      'stage_utilization',
      'stage_service_rate',
      'stage_headroom',
      'bottleneck',
      'time_to_drain_seconds',
      'error_ratio',
      'dead_letter_ratio',
      'lost_messages_total',
      'duplicate_messages_total',
      'redelivered_messages_total',
      'latency_p50_seconds',
      'latency_p99_seconds',
    ]) {
      expect(names.some((name) => name.startsWith('streamops_pipeline_') && name.includes(part))).toBe(true);
    }
  });
});
