import { type PipelineModel } from '@streamops/agent';

/** The numbers that show whether a capacity plan worked, before and after applying it. */
export interface ModelComparison {
  readonly before: ComparedModel;
  readonly after: ComparedModel;
  /**
   * True when the pipeline could not sustain its arrival rate before (maximum sustainable
   * throughput below it, lag building) and can after (maximum sustainable throughput at or
   * above it, lag no longer building, a finite time to drain).
   */
  readonly bottleneckRemoved: boolean;
}

/** One side of a {@link ModelComparison}. */
export interface ComparedModel {
  readonly instances: number;
  readonly arrivalRate: number;
  readonly consumedRate: number;
  readonly bottleneck: string;
  readonly utilization: number;
  readonly maxSustainableThroughput: number;
  readonly lagTrend: string;
  readonly lagMessages: number | null;
  readonly timeToDrainSeconds: number | null;
}

function compared(model: PipelineModel): ComparedModel {
  const stage = model.stages.find((candidate) => candidate.stage === model.bottleneck);
  if (
    !stage ||
    stage.utilization === null ||
    model.arrivalRate === null ||
    model.maxSustainableThroughput === null
  ) {
    throw new Error(`the model of ${model.pipeline} has no measured bottleneck yet`);
  }
  return {
    instances: stage.instances,
    arrivalRate: model.arrivalRate,
    consumedRate: model.consumedRate ?? 0,
    bottleneck: stage.stage,
    utilization: stage.utilization,
    maxSustainableThroughput: model.maxSustainableThroughput,
    lagTrend: model.lagTrend,
    lagMessages: model.lagMessages,
    timeToDrainSeconds: model.timeToDrainSeconds,
  };
}

/** Compares the models before and after a plan was applied. */
export function compareModels(beforeModel: PipelineModel, afterModel: PipelineModel): ModelComparison {
  const before = compared(beforeModel);
  const after = compared(afterModel);
  const saturatedBefore =
    before.maxSustainableThroughput < before.arrivalRate && before.lagTrend === 'building';
  // Right after scaling the stage is busy draining the backlog, so its ρ stays high for a
  // while; what the plan changes is the capacity, and with it the direction of the lag.
  const sustainsAfter =
    after.maxSustainableThroughput >= after.arrivalRate &&
    after.lagTrend !== 'building' &&
    after.timeToDrainSeconds !== null &&
    Number.isFinite(after.timeToDrainSeconds);
  return { before, after, bottleneckRemoved: saturatedBefore && sustainsAfter };
}

/** The instances the plan asks for: the most any stage needs (stages of one process scale together). */
export function plannedInstances(model: PipelineModel): number {
  if (!model.plan) throw new Error(`the agent returned no plan for ${model.pipeline}`);
  if (!model.plan.feasible) {
    throw new Error(
      `the plan for ${model.plan.targetRate}/s is not feasible: at most ${model.plan.achievableRate ?? '?'}/s`,
    );
  }
  const planned = Math.max(...model.plan.stages.map((stage) => stage.instancesPlanned ?? 0));
  if (!(planned >= 1)) throw new Error(`the plan for ${model.pipeline} names no instance count`);
  return planned;
}

function cell(value: number | string | null, digits = 0): string {
  const text = value === null ? '-' : typeof value === 'number' ? value.toFixed(digits) : value;
  return text.padStart(10);
}

/** A before/after table for people. */
export function formatComparison(comparison: ModelComparison): string {
  const { before, after } = comparison;
  const rows: [string, number | string | null, number | string | null, number?][] = [
    ['instances', before.instances, after.instances],
    ['arrivals/s (D)', before.arrivalRate, after.arrivalRate, 1],
    ['consumed/s', before.consumedRate, after.consumedRate, 1],
    ['max sustainable/s', before.maxSustainableThroughput, after.maxSustainableThroughput, 1],
    [`${before.bottleneck} ρ`, before.utilization, after.utilization, 2],
    ['lag trend', before.lagTrend, after.lagTrend],
    ['lag (msgs)', before.lagMessages, after.lagMessages],
    ['time to drain (s)', before.timeToDrainSeconds, after.timeToDrainSeconds, 1],
  ];
  return [
    `${''.padEnd(18)}${cell('before')}${cell('after')}`,
    ...rows.map(
      ([label, first, second, digits]) => `${label.padEnd(18)}${cell(first, digits)}${cell(second, digits)}`,
    ),
  ].join('\n');
}
