import { assertNonNegative, assertTimeMs } from '../lag/input-checks';
import { timeToDrainSeconds } from '../lag/lag-dynamics';
import { planCapacity } from '../pipelines/capacity';
import { type EngineJobStatus, type PipelineEngine } from '../pipelines/engine';
import {
  defaultModelOptions,
  findBottleneck,
  ratesAgree,
  type LagTrend,
  type ModelOptions,
  type PipelineModel,
  type StageCapacity,
} from '../pipelines/model';

/** One operator (Flink vertex, Storm spout or bolt) as its engine measures it. */
export interface EngineStageRates {
  readonly stage: string;
  /** Records entering the stage per second over all its instances (a source: records it emits). */
  readonly arrivalRate: number | null;
  /** ρ as the engine measures it, 0..1 (Flink busy ratio, Storm capacity); null when unmeasured. */
  readonly utilization: number | null;
  /** Share of time blocked by downstream; null when the engine does not measure it. */
  readonly backpressureRatio: number | null;
  /** Parallel instances: Flink parallelism, Storm executors. */
  readonly instances: number;
}

/** The lag reading of an earlier poll, for the lag trend. */
export interface LagReading {
  readonly timeMs: number;
  readonly lagMessages: number;
}

/** What modelling one engine job needs besides the engine's own reading. */
export interface EngineModelSettings {
  /** Pipeline name: the job or topology name, unless it clashes (see the endpoint runtime). */
  readonly pipeline: string;
  /** Configured endpoint name. */
  readonly endpoint: string;
  readonly timeMs: number;
  /** Lag at the previous poll, for the lag trend and time to drain; null on the first. */
  readonly previousLag: LagReading | null;
  readonly targetRate?: number | null;
  readonly options?: ModelOptions;
}

/** A job's rates as an engine reports them, already mapped onto the model's terms. */
export interface EngineRates {
  readonly pipeline: string;
  readonly engine: PipelineEngine;
  /** When the engine was read, epoch milliseconds. */
  readonly timeMs: number;
  /** Seconds the engine's rates are averaged over. */
  readonly windowSeconds: number;
  /** D: records the sources take in per second. */
  readonly arrivalRate: number | null;
  /** P: share of records processed without failure, 0..1; null when the engine cannot tell. */
  readonly processingYield: number | null;
  /** Records the pipeline delivers per second (Flink: into the sinks; Storm: trees acked). */
  readonly deliveredRate: number | null;
  /** Failed ÷ consumed; null when the engine has no per-record failure. */
  readonly errorRatio: number | null;
  readonly latencyMeanSeconds: number | null;
  readonly lagMessages: number | null;
  readonly lagSeconds: number | null;
  /** Stages in topology order (sources first). */
  readonly stages: readonly EngineStageRates[];
  readonly job: EngineJobStatus;
  /** Lag at the previous poll of the same job; null on the first. */
  readonly previousLag: LagReading | null;
  readonly targetRate?: number | null;
  readonly options?: ModelOptions;
}

function checkRate(name: string, value: number | null): void {
  if (value !== null) assertNonNegative(name, value);
}

/**
 * The pipeline model of an engine job, with the same definitions as for reported
 * pipelines (see pipelines/README.md) where the engine measures rates rather than counts:
 *
 * - D is the sources' intake, measured where the engine consumes, so the consumed rate
 *   is D too. Whether consumption keeps pace with arrivals is read from the lag instead:
 *   its change since the previous poll gives the lag trend, the mismatch flag (lag
 *   building or draining) and the arrival rate used for the time to drain (consumed rate
 *   plus lag growth). Without two lag readings these are unknown (null).
 * - C = delivered ÷ (consumed × P), so R = D × P × C predicts the delivered rate.
 * - Per stage: ρ as the engine measures it, μ = arrival ÷ ρ (null while nothing arrives
 *   or ρ is 0), headroom μ − arrival, share = arrival ÷ D. Each operator is its own process
 *   group, so the bottleneck is the highest ρ and the maximum sustainable throughput the
 *   lowest μ ÷ share.
 *
 * @throws RangeError on negative or non-finite rates, ratios or instance counts.
 */
export function modelEngineRates(input: EngineRates): PipelineModel {
  assertTimeMs('timeMs', input.timeMs);
  assertNonNegative('windowSeconds', input.windowSeconds);
  checkRate('arrivalRate', input.arrivalRate);
  checkRate('deliveredRate', input.deliveredRate);
  checkRate('processingYield', input.processingYield);
  checkRate('errorRatio', input.errorRatio);
  checkRate('latencyMeanSeconds', input.latencyMeanSeconds);
  checkRate('lagMessages', input.lagMessages);
  checkRate('lagSeconds', input.lagSeconds);
  const tolerance = input.options?.tolerance ?? defaultModelOptions.tolerance;
  const floor = input.options?.toleranceFloor ?? defaultModelOptions.toleranceFloor;
  const maxUtilization = input.options?.maxUtilization ?? defaultModelOptions.maxUtilization;

  const consumedRate = input.arrivalRate;
  const processingYield = input.processingYield === null ? null : Math.min(1, input.processingYield);
  const processedRate =
    consumedRate === null || processingYield === null ? null : consumedRate * processingYield;
  const deliveryYield =
    processedRate === null || input.deliveredRate === null || processedRate <= 0
      ? null
      : input.deliveredRate / processedRate;
  const effectiveThroughput =
    input.arrivalRate === 0
      ? 0
      : input.arrivalRate === null || processingYield === null || deliveryYield === null
        ? null
        : input.arrivalRate * processingYield * deliveryYield;

  // Lag growth per second between two polls: arrivals beyond what was consumed.
  const previous = input.previousLag;
  const lagGrowth =
    previous === null || input.lagMessages === null || input.timeMs <= previous.timeMs
      ? null
      : (input.lagMessages - previous.lagMessages) / ((input.timeMs - previous.timeMs) / 1000);
  let lagTrend: LagTrend = 'unknown';
  if (lagGrowth !== null && consumedRate !== null) {
    if (consumedRate === 0 && lagGrowth === 0) lagTrend = 'idle';
    else if (ratesAgree(consumedRate + lagGrowth, consumedRate, tolerance, floor)) lagTrend = 'steady';
    else lagTrend = lagGrowth > 0 ? 'building' : 'draining';
  }
  const mismatch = lagTrend === 'unknown' ? null : lagTrend === 'building' || lagTrend === 'draining';
  const sourceArrivals =
    lagGrowth === null || consumedRate === null ? null : Math.max(0, consumedRate + lagGrowth);

  const stages = input.stages.map((stage, index): StageCapacity => {
    const where = `stages[${index}] (${stage.stage})`;
    checkRate(`${where}.arrivalRate`, stage.arrivalRate);
    checkRate(`${where}.utilization`, stage.utilization);
    checkRate(`${where}.backpressureRatio`, stage.backpressureRatio);
    if (!Number.isSafeInteger(stage.instances) || stage.instances < 0) {
      throw new RangeError(`${where}.instances must be a non-negative integer, got ${stage.instances}`);
    }
    const arrival = stage.arrivalRate;
    const rho = stage.utilization;
    const serviceRate = arrival !== null && rho !== null && arrival > 0 && rho > 0 ? arrival / rho : null;
    return {
      stage: stage.stage,
      processGroup: stage.stage,
      arrivalRate: arrival,
      share: consumedRate !== null && consumedRate > 0 && arrival !== null ? arrival / consumedRate : 1,
      instances: stage.instances,
      effectiveInstances: stage.instances,
      partitions: null,
      concurrency: 1,
      busyRatio: rho,
      backpressureRatio: stage.backpressureRatio,
      serviceRate,
      perInstanceServiceRate:
        serviceRate === null || stage.instances === 0 ? null : serviceRate / stage.instances,
      utilization: rho,
      headroom: serviceRate === null || arrival === null ? null : serviceRate - arrival,
      bottleneck: false,
    };
  });
  const { bottleneck, maxSustainableThroughput } = findBottleneck(stages);

  const lagMessages = input.lagMessages;
  let drainSeconds: number | null = null;
  let drainAtCapacitySeconds: number | null = null;
  if (lagMessages === 0) {
    drainSeconds = 0;
    drainAtCapacitySeconds = 0;
  } else if (lagMessages !== null && sourceArrivals !== null) {
    if (consumedRate !== null) drainSeconds = timeToDrainSeconds(lagMessages, consumedRate, sourceArrivals);
    if (maxSustainableThroughput !== null) {
      drainAtCapacitySeconds = timeToDrainSeconds(lagMessages, maxSustainableThroughput, sourceArrivals);
    }
  }

  const targetRate = input.targetRate ?? null;
  return {
    pipeline: input.pipeline,
    engine: input.engine,
    timeMs: input.timeMs,
    windowSeconds: input.windowSeconds,
    arrivalRate: input.arrivalRate,
    consumedRate,
    processingYield,
    filteredRatio: null,
    deliveryYield,
    effectiveThroughput,
    deliveredRate: input.deliveredRate,
    mismatch,
    lagTrend,
    errorRatio: input.errorRatio,
    deadLetterRatio: null,
    lostTotal: null,
    duplicatedTotal: null,
    redeliveredTotal: null,
    latencyP50Seconds: null,
    latencyP99Seconds: null,
    latencyMeanSeconds: input.latencyMeanSeconds,
    stages: stages.map((stage) => ({ ...stage, bottleneck: stage.stage === bottleneck })),
    bottleneck,
    maxSustainableThroughput,
    unmeasuredStages: stages.filter((stage) => stage.serviceRate === null).map((stage) => stage.stage),
    lagMessages,
    lagSeconds: input.lagSeconds,
    timeToDrainSeconds: drainSeconds,
    timeToDrainAtCapacitySeconds: drainAtCapacitySeconds,
    plan:
      targetRate === null
        ? null
        : planCapacity(
            stages.map((stage) => ({
              stage: stage.stage,
              processGroup: stage.processGroup,
              instances: stage.instances,
              partitions: null,
              share: stage.share,
              perInstanceServiceRate: stage.perInstanceServiceRate,
            })),
            targetRate,
            maxUtilization,
          ),
    engineJob: input.job,
  };
}
