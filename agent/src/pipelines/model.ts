import { assertNonNegative, assertNotBefore, assertTimeMs } from '../lag/input-checks';
import { timeToDrainSeconds } from '../lag/lag-dynamics';
import { planCapacity, type CapacityPlan, type StageCapacityInput } from './capacity';
import { type EngineJobStatus, type PipelineEngine } from './engine';
import { histogramQuantile, subtractHistograms, type HistogramData } from './histogram';

/** One stage's cumulative counters at one moment. */
export interface StageCounters {
  readonly stage: string;
  /** Messages that entered the stage, whatever their outcome. */
  readonly messages: number;
  /** Seconds the stage was busy (summed over its instances); null when it reports no busy time. */
  readonly busySeconds: number | null;
  /** Live instances running the stage. */
  readonly instances: number;
  /** Stages of one process group run in the same processes; default: the stage's own name. */
  readonly processGroup?: string;
}

/**
 * A pipeline's cumulative counters at one moment (the aggregate over its instances, which
 * never decreases while instances come and go; see instance-store.ts).
 */
export interface PipelineCounters {
  /** When they were taken, epoch milliseconds. */
  readonly timeMs: number;
  /** Sum of the log end offsets of the input topics (from the lag collector); null when unknown. */
  readonly inputEndOffsets: number | null;
  /** Messages consumed from the input topics. */
  readonly consumed: number;
  /** Messages that left processing successfully (not errored, dead-lettered or filtered). */
  readonly processed: number;
  readonly filtered: number;
  readonly errored: number;
  readonly deadLettered: number;
  /** Messages acknowledged on the output topics (dead-letter topics excluded). */
  readonly delivered: number;
  readonly redelivered: number;
  readonly lost: number;
  readonly duplicated: number;
  /** Merged end-to-end latency (record age) histogram, seconds; null when not reported. */
  readonly latency: HistogramData | null;
  /** Stages in topology order. */
  readonly stages: readonly StageCounters[];
}

/** Per-stage settings from configuration. */
export interface StageSettings {
  /**
   * Parallel handlers per instance that the busy time does not already account for.
   * Default 1: the SDK's busy time counts overlapping messages once, so a concurrent
   * instance's busy time already reflects its parallelism.
   */
  readonly concurrency?: number;
  /** Partitions the stage consumes from; null when not partition-bound. Default: the pipeline's input partitions. */
  readonly partitions?: number | null;
}

/** Tuning of the model. */
export interface ModelOptions {
  /** Relative difference tolerated between two rates before they disagree (mismatch, lag trend). Default 0.05. */
  readonly tolerance?: number;
  /** Absolute difference (msgs/s) always tolerated, so that tiny rates do not flap. Default 1. */
  readonly toleranceFloor?: number;
  /** Utilisation the capacity plan aims at, at most. Default 0.8 (room for bursts). */
  readonly maxUtilization?: number;
}

/** Everything the model needs for one pipeline. */
export interface PipelineModelInput {
  readonly pipeline: string;
  /** Who reports the pipeline's counters. Default `kafkajs`. */
  readonly engine?: PipelineEngine;
  /** Counters at the start of the window. */
  readonly earlier: PipelineCounters;
  /** Counters at the end of the window. */
  readonly later: PipelineCounters;
  /** Current lag of the pipeline's consumer groups on its input topics; null when unknown. */
  readonly lagMessages?: number | null;
  /** Current time lag of those groups (the oldest unconsumed input's age), seconds; null when unknown. */
  readonly lagSeconds?: number | null;
  /** Partitions of the input topics; caps consumer parallelism. Null when unknown. */
  readonly inputPartitions?: number | null;
  /** Settings by stage name. */
  readonly stageSettings?: Readonly<Record<string, StageSettings>>;
  /** Target input rate for the capacity plan, msgs/s; null for no plan. */
  readonly targetRate?: number | null;
  readonly options?: ModelOptions;
}

/** Whether lag is moving: arrivals against consumption. */
export type LagTrend = 'idle' | 'steady' | 'building' | 'draining' | 'unknown';

/** Capacity of one stage over the window. */
export interface StageCapacity {
  readonly stage: string;
  readonly processGroup: string;
  /** Messages entering the stage per second; null when its counter went down or is new. */
  readonly arrivalRate: number | null;
  /** Part of the consumed input that reaches the stage (1 without traffic). */
  readonly share: number;
  readonly instances: number;
  /** Instances that can have work: at most the partitions. */
  readonly effectiveInstances: number;
  readonly partitions: number | null;
  readonly concurrency: number;
  /** Busy seconds per second per effective instance (0..1 for SDK busy time); null when unknown. */
  readonly busyRatio: number | null;
  /**
   * Share of time the stage was blocked by a slower stage downstream (Flink's
   * backPressuredTimeMsPerSecond ÷ 1000); null when the engine does not measure it.
   */
  readonly backpressureRatio: number | null;
  /** μ: messages per second the stage can take with its instances. */
  readonly serviceRate: number | null;
  /** μ of one instance (known even while no instance is live, for planning). */
  readonly perInstanceServiceRate: number | null;
  /** ρ = arrival ÷ μ. */
  readonly utilization: number | null;
  /** μ − arrival. */
  readonly headroom: number | null;
  readonly bottleneck: boolean;
}

/** Why a pipeline could not be modelled: the `reason` label of `streamops_pipelines_degraded`. */
export const degradedReasons = ['non_finite_input', 'negative_input', 'model_error'] as const;
export type DegradedReason = (typeof degradedReasons)[number];

/** A pipeline whose inputs could not be modelled at the last update (see pipeline-view.ts). */
export interface PipelineDegradation {
  readonly reason: DegradedReason;
  readonly message: string;
  /** service.instance.id of the live instances whose values are involved (a few at most). */
  readonly instances: readonly string[];
  /** When the pipeline became degraded (for this reason), epoch milliseconds. */
  readonly sinceMs: number;
}

/** The throughput and capacity model of one pipeline over one window. */
export interface PipelineModel {
  readonly pipeline: string;
  /** Which system runs the pipeline: the `engine` label of its series. */
  readonly engine: PipelineEngine;
  /** End of the window, epoch milliseconds. */
  readonly timeMs: number;
  readonly windowSeconds: number;
  /** D: arrival rate into the input topics, msgs/s (end offset growth). */
  readonly arrivalRate: number | null;
  /** Messages consumed from the input topics per second. */
  readonly consumedRate: number | null;
  /** P: processed ÷ consumed, 0..1. */
  readonly processingYield: number | null;
  /** Filtered ÷ consumed (reported beside P, not in it). */
  readonly filteredRatio: number | null;
  /** C: delivered ÷ processed. Above 1 when a stage fans out. */
  readonly deliveryYield: number | null;
  /** R = D × P × C, msgs/s: the delivered rate the model predicts in steady state. */
  readonly effectiveThroughput: number | null;
  /** Delivered messages per second, measured. */
  readonly deliveredRate: number | null;
  /** True when R and the delivered rate disagree beyond the tolerance: not in steady state. */
  readonly mismatch: boolean | null;
  readonly lagTrend: LagTrend;
  /** Errored ÷ consumed. */
  readonly errorRatio: number | null;
  /** Dead-lettered ÷ consumed. */
  readonly deadLetterRatio: number | null;
  /**
   * Cumulative totals at the end of the window, from the SDK's sequence tracking; null
   * for engine pipelines, whose engines do not count them.
   */
  readonly lostTotal: number | null;
  readonly duplicatedTotal: number | null;
  readonly redeliveredTotal: number | null;
  /** End-to-end latency over the window, from the merged record-age histograms. */
  readonly latencyP50Seconds: number | null;
  readonly latencyP99Seconds: number | null;
  /** Mean end-to-end latency over the window (histogram sum ÷ count; Storm's complete latency). */
  readonly latencyMeanSeconds: number | null;
  readonly stages: readonly StageCapacity[];
  /** The stage with the highest utilisation (within the most utilised process group). */
  readonly bottleneck: string | null;
  /** Highest input rate the stages sustain, msgs/s (the lowest group capacity). */
  readonly maxSustainableThroughput: number | null;
  /** Stages without a service rate (no busy time or no traffic in the window). */
  readonly unmeasuredStages: readonly string[];
  readonly lagMessages: number | null;
  /** Age of the oldest unconsumed input, seconds; null when the source does not tell. */
  readonly lagSeconds: number | null;
  /** Time to consume the current lag at the current rates; +Infinity when it does not shrink. */
  readonly timeToDrainSeconds: number | null;
  /** Time to consume the current lag if the pipeline ran at its maximum sustainable throughput. */
  readonly timeToDrainAtCapacitySeconds: number | null;
  /** Plan for `targetRate`; null without a target. */
  readonly plan: CapacityPlan | null;
  /** The job's state and reliability as its engine reports them; null for OTLP-reported pipelines. */
  readonly engineJob: EngineJobStatus | null;
  /**
   * Set when the pipeline's current inputs cannot be modelled: the values above are then
   * its last good model, made at `modelAt` (null: there was none, and they are empty).
   */
  readonly degraded?: PipelineDegradation;
  readonly modelAt?: number | null;
}

/** Defaults of {@link ModelOptions}. */
export const defaultModelOptions = { tolerance: 0.05, toleranceFloor: 1, maxUtilization: 0.8 } as const;
const defaultOptions = defaultModelOptions;

/** The message counters of {@link PipelineCounters}, which only grow. */
export const pipelineCounterFields = [
  'consumed',
  'processed',
  'filtered',
  'errored',
  'deadLettered',
  'delivered',
  'redelivered',
  'lost',
  'duplicated',
] as const;

function checkCounters(name: string, counters: PipelineCounters): void {
  assertTimeMs(`${name}.timeMs`, counters.timeMs);
  for (const field of pipelineCounterFields) {
    assertNonNegative(`${name}.${field}`, counters[field]);
  }
  if (counters.inputEndOffsets !== null)
    assertNonNegative(`${name}.inputEndOffsets`, counters.inputEndOffsets);
  counters.stages.forEach((stage, index) => {
    const where = `${name}.stages[${index}] (${stage.stage})`;
    assertNonNegative(`${where}.messages`, stage.messages);
    if (stage.busySeconds !== null) assertNonNegative(`${where}.busySeconds`, stage.busySeconds);
    if (!Number.isSafeInteger(stage.instances) || stage.instances < 0) {
      throw new RangeError(`${where}.instances must be a non-negative integer, got ${stage.instances}`);
    }
  });
}

/** Increase of a cumulative counter; null when it went down (a reset the aggregate could not hide). */
function increase(later: number | null, earlier: number | null): number | null {
  if (later === null || earlier === null || later < earlier) return null;
  return later - earlier;
}

function perSecond(delta: number | null, seconds: number): number | null {
  return delta === null || seconds <= 0 ? null : delta / seconds;
}

function ratio(numerator: number | null, denominator: number | null): number | null {
  return numerator === null || denominator === null || denominator <= 0 ? null : numerator / denominator;
}

function clampUnit(value: number | null): number | null {
  return value === null ? null : Math.min(1, Math.max(0, value));
}

/** Two rates agree when their difference is within the relative tolerance or the floor. */
export function ratesAgree(a: number, b: number, tolerance: number, floor: number): boolean {
  return Math.abs(a - b) <= Math.max(tolerance * Math.max(Math.abs(a), Math.abs(b)), floor);
}

/**
 * The throughput model R = D × P × C and the capacity of each stage, from two snapshots of
 * a pipeline's cumulative counters.
 *
 * - D: growth of the input topics' end offsets per second; P: processed ÷ consumed
 *   (clamped to 0..1: in-flight messages can make a short window overshoot); C: delivered
 *   ÷ processed (not clamped: a fan-out stage delivers more than it processes, and R must
 *   still predict the delivered rate); R = D × P × C, and R = 0 whenever D = 0.
 * - Mismatch: R against the measured delivered rate. Since R − delivered rate = delivered
 *   rate × (D − consumed rate) ÷ consumed rate, they disagree exactly when consumption
 *   does not keep pace with arrivals; the lag trend says which way.
 * - Stages: arrival rate, μ = messages ÷ busy seconds × concurrency × effective instances
 *   (instances capped at the partitions: extra consumers sit idle), ρ = arrival ÷ μ,
 *   headroom μ − arrival. A stage without busy time, or without traffic, has no μ (it is
 *   listed as unmeasured); its ρ is 0 when nothing arrives.
 * - Bottleneck: the highest ρ (within the most utilised process group); none without
 *   traffic. Maximum sustainable throughput: the lowest group capacity in input messages
 *   per second (see capacity.ts).
 * - Counters that went down between the snapshots give null rates, never negative ones.
 *
 * @throws RangeError on negative or non-finite counters, times out of order, or invalid
 *   settings and options.
 */
export function modelPipeline(input: PipelineModelInput): PipelineModel {
  const { earlier, later } = input;
  checkCounters('earlier', earlier);
  checkCounters('later', later);
  assertNotBefore('later.timeMs', later.timeMs, 'earlier.timeMs', earlier.timeMs);
  const tolerance = input.options?.tolerance ?? defaultOptions.tolerance;
  const floor = input.options?.toleranceFloor ?? defaultOptions.toleranceFloor;
  const maxUtilization = input.options?.maxUtilization ?? defaultOptions.maxUtilization;
  assertNonNegative('options.tolerance', tolerance);
  assertNonNegative('options.toleranceFloor', floor);
  const lagMessages = input.lagMessages ?? null;
  if (lagMessages !== null) assertNonNegative('lagMessages', lagMessages);
  const lagSeconds = input.lagSeconds ?? null;
  if (lagSeconds !== null) assertNonNegative('lagSeconds', lagSeconds);
  const inputPartitions = input.inputPartitions ?? null;
  if (inputPartitions !== null && (!Number.isSafeInteger(inputPartitions) || inputPartitions <= 0)) {
    throw new RangeError(`inputPartitions must be a positive integer, got ${inputPartitions}`);
  }

  const windowSeconds = (later.timeMs - earlier.timeMs) / 1000;
  const consumedDelta = increase(later.consumed, earlier.consumed);
  const processedDelta = increase(later.processed, earlier.processed);
  const deliveredDelta = increase(later.delivered, earlier.delivered);

  const arrivalRate = perSecond(increase(later.inputEndOffsets, earlier.inputEndOffsets), windowSeconds);
  const consumedRate = perSecond(consumedDelta, windowSeconds);
  const deliveredRate = perSecond(deliveredDelta, windowSeconds);
  const processingYield = clampUnit(ratio(processedDelta, consumedDelta));
  const deliveryYield = ratio(deliveredDelta, processedDelta);
  const effectiveThroughput =
    arrivalRate === 0
      ? 0
      : arrivalRate === null || processingYield === null || deliveryYield === null
        ? null
        : arrivalRate * processingYield * deliveryYield;
  const mismatch =
    effectiveThroughput === null || deliveredRate === null
      ? null
      : !ratesAgree(effectiveThroughput, deliveredRate, tolerance, floor);

  let lagTrend: LagTrend = 'unknown';
  if (arrivalRate !== null && consumedRate !== null) {
    if (arrivalRate === 0 && consumedRate === 0) lagTrend = 'idle';
    else if (ratesAgree(arrivalRate, consumedRate, tolerance, floor)) lagTrend = 'steady';
    else lagTrend = arrivalRate > consumedRate ? 'building' : 'draining';
  }

  const windowLatency =
    later.latency === null || earlier.latency === null
      ? null
      : subtractHistograms(later.latency, earlier.latency);

  const stages = stageCapacities(input, windowSeconds, consumedRate, inputPartitions);
  const { bottleneck, maxSustainableThroughput } = findBottleneck(stages);
  const unmeasuredStages = stages.filter((stage) => stage.serviceRate === null).map((stage) => stage.stage);

  const { drainSeconds, drainAtCapacitySeconds } = drainTimes(
    lagMessages,
    consumedRate,
    arrivalRate,
    maxSustainableThroughput,
  );

  const targetRate = input.targetRate ?? null;
  const plan =
    targetRate === null
      ? null
      : planCapacity(
          stages.map((stage): StageCapacityInput => ({
            stage: stage.stage,
            processGroup: stage.processGroup,
            instances: stage.instances,
            partitions: stage.partitions,
            share: stage.share,
            perInstanceServiceRate: stage.perInstanceServiceRate,
          })),
          targetRate,
          maxUtilization,
        );

  return {
    pipeline: input.pipeline,
    engine: input.engine ?? 'kafkajs',
    timeMs: later.timeMs,
    windowSeconds,
    arrivalRate,
    consumedRate,
    processingYield,
    filteredRatio: ratio(increase(later.filtered, earlier.filtered), consumedDelta),
    deliveryYield,
    effectiveThroughput,
    deliveredRate,
    mismatch,
    lagTrend,
    errorRatio: ratio(increase(later.errored, earlier.errored), consumedDelta),
    deadLetterRatio: ratio(increase(later.deadLettered, earlier.deadLettered), consumedDelta),
    lostTotal: later.lost,
    duplicatedTotal: later.duplicated,
    redeliveredTotal: later.redelivered,
    latencyP50Seconds: windowLatency === null ? null : histogramQuantile(windowLatency, 0.5),
    latencyP99Seconds: windowLatency === null ? null : histogramQuantile(windowLatency, 0.99),
    latencyMeanSeconds:
      windowLatency === null || windowLatency.sum === null || windowLatency.count <= 0
        ? null
        : windowLatency.sum / windowLatency.count,
    stages: stages.map((stage) => ({ ...stage, bottleneck: stage.stage === bottleneck })),
    bottleneck,
    maxSustainableThroughput,
    unmeasuredStages,
    lagMessages,
    lagSeconds,
    timeToDrainSeconds: drainSeconds,
    timeToDrainAtCapacitySeconds: drainAtCapacitySeconds,
    plan,
    engineJob: null,
  };
}

/**
 * Time to consume `lagMessages` at the consumed rate, and at the maximum sustainable
 * throughput, against arrivals: 0 without lag, +Infinity when it does not shrink, null
 * when a rate is unknown.
 */
export function drainTimes(
  lagMessages: number | null,
  consumedRate: number | null,
  arrivalRate: number | null,
  maxSustainableThroughput: number | null,
): { drainSeconds: number | null; drainAtCapacitySeconds: number | null } {
  if (lagMessages === 0) return { drainSeconds: 0, drainAtCapacitySeconds: 0 };
  if (lagMessages === null || arrivalRate === null)
    return { drainSeconds: null, drainAtCapacitySeconds: null };
  return {
    drainSeconds: consumedRate === null ? null : timeToDrainSeconds(lagMessages, consumedRate, arrivalRate),
    drainAtCapacitySeconds:
      maxSustainableThroughput === null
        ? null
        : timeToDrainSeconds(lagMessages, maxSustainableThroughput, arrivalRate),
  };
}

function stageCapacities(
  input: PipelineModelInput,
  windowSeconds: number,
  consumedRate: number | null,
  inputPartitions: number | null,
): StageCapacity[] {
  const earlierByName = new Map(input.earlier.stages.map((stage) => [stage.stage, stage]));
  return input.later.stages.map((stage): StageCapacity => {
    const settings = input.stageSettings?.[stage.stage] ?? {};
    const concurrency = settings.concurrency ?? 1;
    if (!Number.isFinite(concurrency) || concurrency <= 0) {
      throw new RangeError(
        `stageSettings.${stage.stage}.concurrency must be a positive number, got ${concurrency}`,
      );
    }
    const partitions = settings.partitions === undefined ? inputPartitions : settings.partitions;
    if (partitions !== null && (!Number.isSafeInteger(partitions) || partitions <= 0)) {
      throw new RangeError(
        `stageSettings.${stage.stage}.partitions must be a positive integer, got ${partitions}`,
      );
    }
    const before = earlierByName.get(stage.stage);
    // A stage absent from the earlier snapshot has no known increase yet.
    const messages = increase(stage.messages, before?.messages ?? null);
    const busy = increase(stage.busySeconds, before?.busySeconds ?? null);
    const effectiveInstances = partitions === null ? stage.instances : Math.min(stage.instances, partitions);
    const arrivalRate = perSecond(messages, windowSeconds);
    const perInstanceServiceRate =
      messages !== null && busy !== null && messages > 0 && busy > 0 ? (messages / busy) * concurrency : null;
    const serviceRate =
      perInstanceServiceRate === null || effectiveInstances === 0
        ? null
        : perInstanceServiceRate * effectiveInstances;
    let utilization: number | null = null;
    if (arrivalRate === 0) utilization = 0;
    else if (arrivalRate !== null && serviceRate !== null) utilization = arrivalRate / serviceRate;
    const share =
      consumedRate !== null && consumedRate > 0 && arrivalRate !== null ? arrivalRate / consumedRate : 1;
    return {
      stage: stage.stage,
      processGroup: stage.processGroup ?? stage.stage,
      arrivalRate,
      share,
      instances: stage.instances,
      effectiveInstances,
      partitions,
      concurrency,
      busyRatio:
        busy === null || windowSeconds <= 0 || effectiveInstances === 0
          ? null
          : busy / windowSeconds / effectiveInstances,
      backpressureRatio: null,
      serviceRate,
      perInstanceServiceRate,
      utilization,
      headroom: serviceRate === null || arrivalRate === null ? null : serviceRate - arrivalRate,
      bottleneck: false,
    };
  });
}

/**
 * Bottleneck stage and maximum sustainable throughput over process groups. The bottleneck
 * is the busiest stage of the group with the highest total utilisation; without traffic
 * in the window nothing is busy and there is none (a measured μ needs traffic, so there
 * is then no capacity to compare either).
 */
export function findBottleneck(stages: readonly StageCapacity[]): {
  bottleneck: string | null;
  maxSustainableThroughput: number | null;
} {
  interface Group {
    utilization: number;
    cost: number;
    busiest: StageCapacity | null;
  }
  const groups = new Map<string, Group>();
  for (const stage of stages) {
    let group = groups.get(stage.processGroup);
    if (group === undefined) {
      groups.set(stage.processGroup, (group = { utilization: 0, cost: 0, busiest: null }));
    }
    if (stage.utilization !== null && stage.utilization > 0) {
      group.utilization += stage.utilization;
      if (group.busiest === null || stage.utilization > (group.busiest.utilization ?? 0))
        group.busiest = stage;
    }
    if (stage.serviceRate !== null) group.cost += stage.share / stage.serviceRate;
  }

  let maxSustainableThroughput: number | null = null;
  let busiest: Group | null = null;
  for (const group of groups.values()) {
    if (group.cost > 0) {
      const capacity = 1 / group.cost;
      if (maxSustainableThroughput === null || capacity < maxSustainableThroughput)
        maxSustainableThroughput = capacity;
    }
    if (group.busiest !== null && (busiest === null || group.utilization > busiest.utilization))
      busiest = group;
  }
  return { bottleneck: busiest?.busiest?.stage ?? null, maxSustainableThroughput };
}
