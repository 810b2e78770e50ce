import { type PipelineModel } from '../../pipelines/model';
import { modelEngineRates, type EngineModelSettings, type EngineStageRates } from '../engine-model';
import { type StormTopologyReading } from './storm-collector';

/**
 * The pipeline model of one Storm topology (pure). Storm counts over a window (the `window`
 * asked for, or the uptime when the topology is younger), so rates are counts ÷ window:
 *
 * - D: tuples the spouts emitted; delivered: tuple trees acked at the spouts (fully processed);
 * - P: bolt acks ÷ (bolt acks + bolt fails); C = delivered ÷ (D × P);
 * - error ratio: trees failed at the spouts ÷ tuples emitted;
 * - stages: spouts (rate: emitted; no utilisation) then bolts (rate: executed; ρ = the bolt's
 *   `capacity`, μ = executed rate ÷ capacity), with executors as instances;
 * - mean end-to-end latency: the spouts' complete latency weighted by their acks;
 * - lag: the Kafka spouts' lag, summed over partitions that have a commit.
 *
 * A topology that is not ACTIVE (deactivated, rebalancing) keeps its stages without rates.
 */
export function modelStormTopology(
  reading: StormTopologyReading,
  settings: EngineModelSettings,
): PipelineModel {
  const stats = reading.stats;
  const status = stats?.status ?? reading.summary.status;
  const running = status === 'ACTIVE';
  const window = Math.min(
    stats?.windowSeconds ?? reading.requestedWindowSeconds,
    stats?.uptimeSeconds !== null && stats?.uptimeSeconds !== undefined && stats.uptimeSeconds > 0
      ? stats.uptimeSeconds
      : Number.POSITIVE_INFINITY,
  );
  const rate = (count: number): number | null => (running && window > 0 ? count / window : null);

  const spouts = stats?.spouts ?? [];
  const bolts = stats?.bolts ?? [];
  const total = <T>(items: readonly T[], pick: (item: T) => number) =>
    items.reduce((sum, item) => sum + pick(item), 0);
  const emitted = total(spouts, (spout) => spout.emitted);
  const spoutAcked = total(spouts, (spout) => spout.acked);
  const spoutFailed = total(spouts, (spout) => spout.failed);
  const boltAcked = total(bolts, (bolt) => bolt.acked);
  const boltFailed = total(bolts, (bolt) => bolt.failed);

  const latencyWeights = spouts.filter((spout) => spout.completeLatencyMs !== null && spout.acked > 0);
  const latencyMeanSeconds =
    running && latencyWeights.length > 0
      ? total(latencyWeights, (spout) => (spout.completeLatencyMs ?? 0) * spout.acked) /
        total(latencyWeights, (spout) => spout.acked) /
        1000
      : null;

  const stages: EngineStageRates[] = [
    ...spouts.map((spout) => ({
      stage: spout.spoutId,
      arrivalRate: rate(spout.emitted),
      utilization: null,
      backpressureRatio: null,
      instances: spout.executors,
    })),
    ...bolts.map((bolt) => ({
      stage: bolt.boltId,
      arrivalRate: rate(bolt.executed),
      utilization: running ? bolt.capacity : null,
      backpressureRatio: null,
      instances: bolt.executors,
    })),
  ];

  const committed = (reading.lag ?? []).filter((partition) => partition.committedOffset !== null);
  const lagMessages =
    reading.lag === null || committed.length === 0
      ? null
      : total(committed, (partition) => Math.max(0, partition.lag ?? 0));

  return modelEngineRates({
    pipeline: settings.pipeline,
    engine: 'storm',
    timeMs: settings.timeMs,
    windowSeconds: Number.isFinite(window) ? window : reading.requestedWindowSeconds,
    arrivalRate: stats === null ? null : rate(emitted),
    processingYield: running && boltAcked + boltFailed > 0 ? boltAcked / (boltAcked + boltFailed) : null,
    deliveredRate: stats === null ? null : rate(spoutAcked),
    errorRatio: running && emitted > 0 ? spoutFailed / emitted : null,
    latencyMeanSeconds,
    lagMessages,
    lagSeconds: null,
    stages,
    job: {
      endpoint: settings.endpoint,
      id: reading.summary.id,
      state: status,
      running,
      instances: stats?.executorsTotal ?? total(stages, (stage) => stage.instances),
      restartsTotal: null,
      checkpointsCompletedTotal: null,
      checkpointsFailedTotal: null,
      lastCheckpointDurationSeconds: null,
    },
    previousLag: settings.previousLag,
    targetRate: settings.targetRate ?? null,
    ...(settings.options ? { options: settings.options } : {}),
  });
}
