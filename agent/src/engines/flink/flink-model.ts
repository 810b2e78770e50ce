import { type PipelineModel } from '../../pipelines/model';
import { modelEngineRates, type EngineModelSettings, type EngineStageRates } from '../engine-model';
import { type AggregatedMetric, type FlinkVertex } from './flink-api';
import { type FlinkJobReading } from './flink-collector';

/**
 * Seconds Flink's per-second meters average over (MeterView's default time span). The
 * model reports it as its window; Flink rates are not recomputed by the agent.
 */
export const FLINK_METER_WINDOW_SECONDS = 60;

type Metrics = ReadonlyMap<string, AggregatedMetric>;

function task(metrics: Metrics | undefined, name: string, aggregate: keyof AggregatedMetric): number | null {
  return metrics?.get(name)?.[aggregate] ?? null;
}

/** Operator metrics whose name ends with `.<suffix>`, one value per operator. */
function operatorValues(metrics: Metrics | undefined, suffix: string, aggregate: keyof AggregatedMetric) {
  const values: number[] = [];
  for (const [id, metric] of metrics ?? []) {
    const value = metric[aggregate];
    if (id.endsWith(`.${suffix}`) && value !== null) values.push(value);
  }
  return values;
}

function sumOrNull(values: readonly (number | null)[]): number | null {
  if (values.length === 0 || values.some((value) => value === null)) return null;
  return values.reduce<number>((total, value) => total + (value ?? 0), 0);
}

const durationSeconds = (ms: number | null): number | null => (ms === null ? null : ms / 1000);

const clamp01 = (value: number): number => Math.min(1, Math.max(0, value));

/** Utilisation of a vertex: busy time, else 1 − idle − backpressured (versions before busy time). */
function utilisationOf(metrics: Metrics | undefined): number | null {
  const busy = task(metrics, 'busyTimeMsPerSecond', 'avg');
  if (busy !== null) return clamp01(busy / 1000);
  const idle = task(metrics, 'idleTimeMsPerSecond', 'avg');
  if (idle === null) return null;
  return clamp01(1 - (idle + (task(metrics, 'backPressuredTimeMsPerSecond', 'avg') ?? 0)) / 1000);
}

/** Sources (no input) and sinks (nobody's input) from the plan; without one, the first and last vertex. */
function ends(reading: FlinkJobReading): { sources: FlinkVertex[]; sinks: FlinkVertex[] } {
  const vertices = reading.details?.vertices ?? [];
  const inputs = reading.details?.inputsByVertex ?? null;
  if (inputs === null || vertices.some((vertex) => !inputs.has(vertex.id))) {
    const first = vertices[0];
    const last = vertices[vertices.length - 1];
    return { sources: first ? [first] : [], sinks: last ? [last] : [] };
  }
  const consumed = new Set([...inputs.values()].flat());
  return {
    sources: vertices.filter((vertex) => (inputs.get(vertex.id) ?? []).length === 0),
    sinks: vertices.filter((vertex) => !consumed.has(vertex.id)),
  };
}

/**
 * The pipeline model of one Flink job (pure). Each job vertex (an operator chain) is a
 * stage, in the order Flink lists them:
 *
 * - D: records the source vertices emit per second (`numRecordsOutPerSecond`, summed over
 *   subtasks); stage arrival: `numRecordsInPerSecond` (a source: what it emits);
 * - ρ: `busyTimeMsPerSecond` ÷ 1000, averaged over subtasks (before Flink had busy time:
 *   1 − idle − backpressured); μ = arrival ÷ ρ; the bottleneck is the busiest vertex, and
 *   `backPressuredTimeMsPerSecond` ÷ 1000 marks the vertices it holds back;
 * - delivered: records entering the sink vertices per second;
 * - P = 1 while RUNNING: Flink has no per-record failure, a failing record fails the job,
 *   which shows as restarts and failed checkpoints;
 * - lag: the sources' `pendingRecords` (summed), else Kafka's `records-lag-max` (the largest
 *   partition lag, a lower bound); time lag: `currentFetchEventTimeLag`, else
 *   `currentEmitEventTimeLag` (the largest over subtasks), when the source exposes them.
 *
 * A job that is not RUNNING keeps its stages without rates.
 */
export function modelFlinkJob(reading: FlinkJobReading, settings: EngineModelSettings): PipelineModel {
  const running = reading.overview.state === 'RUNNING';
  const vertices = reading.details?.vertices ?? [];
  const { sources, sinks } = ends(reading);
  const sourceIds = new Set(sources.map((vertex) => vertex.id));
  const metricsOf = (vertex: FlinkVertex) => (running ? reading.vertexMetrics.get(vertex.id) : undefined);

  const stages = vertices.map((vertex): EngineStageRates => {
    const metrics = metricsOf(vertex);
    const backpressured = task(metrics, 'backPressuredTimeMsPerSecond', 'avg');
    return {
      stage: vertex.name,
      arrivalRate: task(
        metrics,
        sourceIds.has(vertex.id) ? 'numRecordsOutPerSecond' : 'numRecordsInPerSecond',
        'sum',
      ),
      utilization: utilisationOf(metrics),
      backpressureRatio: backpressured === null ? null : clamp01(backpressured / 1000),
      instances: vertex.parallelism,
    };
  });

  let lagMessages: number | null = null;
  let lagSeconds: number | null = null;
  const sourceMetrics = sources.map(metricsOf);
  const pending = sourceMetrics.flatMap((metrics) => operatorValues(metrics, 'pendingRecords', 'sum'));
  const kafkaLag = sourceMetrics.flatMap((metrics) => operatorValues(metrics, 'records-lag-max', 'max'));
  if (pending.length > 0) lagMessages = pending.reduce((total, value) => total + value, 0);
  else if (kafkaLag.length > 0) lagMessages = Math.max(...kafkaLag);
  for (const name of ['currentFetchEventTimeLag', 'currentEmitEventTimeLag']) {
    const lags = sourceMetrics.flatMap((metrics) => operatorValues(metrics, name, 'max'));
    if (lags.length > 0) {
      lagSeconds = Math.max(0, ...lags) / 1000;
      break;
    }
  }
  if (lagMessages !== null) lagMessages = Math.max(0, lagMessages);

  const sinkIsSource = sinks.some((vertex) => sourceIds.has(vertex.id));
  return modelEngineRates({
    pipeline: settings.pipeline,
    engine: 'flink',
    timeMs: settings.timeMs,
    windowSeconds: FLINK_METER_WINDOW_SECONDS,
    arrivalRate: running
      ? sumOrNull(sources.map((vertex) => task(metricsOf(vertex), 'numRecordsOutPerSecond', 'sum')))
      : null,
    processingYield: running ? 1 : null,
    deliveredRate:
      running && !sinkIsSource
        ? sumOrNull(sinks.map((vertex) => task(metricsOf(vertex), 'numRecordsInPerSecond', 'sum')))
        : null,
    errorRatio: null,
    latencyMeanSeconds: null,
    lagMessages,
    lagSeconds,
    stages,
    job: {
      endpoint: settings.endpoint,
      id: reading.overview.id,
      state: reading.overview.state,
      running,
      instances: reading.overview.tasksRunning ?? 0,
      restartsTotal: reading.restarts,
      checkpointsCompletedTotal: reading.checkpoints?.completed ?? null,
      checkpointsFailedTotal: reading.checkpoints?.failed ?? null,
      lastCheckpointDurationSeconds: durationSeconds(reading.checkpoints?.latestCompletedDurationMs ?? null),
    },
    previousLag: settings.previousLag,
    targetRate: settings.targetRate ?? null,
    ...(settings.options ? { options: settings.options } : {}),
  });
}
