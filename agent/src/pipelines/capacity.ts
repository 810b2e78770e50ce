/**
 * Capacity of a pipeline's stages and the plan for a target rate.
 *
 * Stages are servers in series. A stage's service rate μ is what its instances can take
 * in while busy: messages ÷ busy seconds × concurrency × instances. Stages in the same
 * process group run in the same processes one after another (the SDK's pipeline()), so
 * a group's capacity, in pipeline input messages per second, is
 * 1 ÷ Σ(share ÷ μ) over its stages, where a stage's share is the part of the input that
 * reaches it (filters and errors upstream shrink it). A stage alone is a group of one,
 * whose capacity is μ ÷ share.
 */

/** One stage's measured capacity, as {@link planCapacity} needs it. */
export interface StageCapacityInput {
  readonly stage: string;
  readonly processGroup: string;
  /** Live instances now. */
  readonly instances: number;
  /** Partitions the stage consumes from; null when it is not bound by partitions. */
  readonly partitions: number | null;
  /** Part of the pipeline input that reaches the stage (1 when unknown). */
  readonly share: number;
  /** Service rate of one instance while busy, msgs/s; null when it could not be measured. */
  readonly perInstanceServiceRate: number | null;
}

/** What one stage needs for the target rate. */
export interface StagePlan {
  readonly stage: string;
  readonly processGroup: string;
  readonly currentInstances: number;
  /** Instances the stage's process group needs at the target, ignoring partitions; null when unmeasured. */
  readonly instancesNeeded: number | null;
  /** Instances to run: the need, capped by the partitions. */
  readonly instancesPlanned: number | null;
  readonly partitions: number | null;
  /** True when the partitions allow fewer instances than needed. */
  readonly limitedByPartitions: boolean;
  /** Utilisation of the stage at the target with the planned instances (above 1: cannot keep up). */
  readonly projectedUtilization: number | null;
}

/** The plan for a target input rate. */
export interface CapacityPlan {
  /** Target pipeline input rate, msgs/s. */
  readonly targetRate: number;
  /** Utilisation the plan aims at, at most. */
  readonly maxUtilization: number;
  readonly stages: readonly StagePlan[];
  /** True when no process group is held back by its partitions (unmeasured stages aside). */
  readonly feasible: boolean;
  /** Highest input rate the planned instances sustain at `maxUtilization`; null without measurements. */
  readonly achievableRate: number | null;
  /** Partitions to create when partitions are the limit (the largest need of a limited group); else null. */
  readonly recommendedPartitions: number | null;
  /** Stages to scale out (their group needs more instances than run now), most constrained first. */
  readonly scaleStages: readonly string[];
  /** Stages without a service rate, left out of the plan. */
  readonly unmeasuredStages: readonly string[];
}

interface GroupPlan {
  readonly name: string;
  readonly members: readonly StageCapacityInput[];
  /** Instance-seconds per input message; 0 when no member is measured. */
  readonly cost: number;
  readonly current: number;
  readonly partitions: number | null;
}

/** Stages grouped by process group, in the order their first stage appears. */
function groupsOf(stages: readonly StageCapacityInput[]): GroupPlan[] {
  const order: string[] = [];
  const byName = new Map<string, StageCapacityInput[]>();
  for (const stage of stages) {
    let members = byName.get(stage.processGroup);
    if (members === undefined) {
      byName.set(stage.processGroup, (members = []));
      order.push(stage.processGroup);
    }
    members.push(stage);
  }
  return order.map((name) => {
    const members = byName.get(name) ?? [];
    let cost = 0;
    let current = 0;
    let partitions: number | null = null;
    for (const member of members) {
      if (member.perInstanceServiceRate !== null) cost += member.share / member.perInstanceServiceRate;
      current = Math.max(current, member.instances);
      if (member.partitions !== null)
        partitions = Math.min(partitions ?? member.partitions, member.partitions);
    }
    return { name, members, cost, current, partitions };
  });
}

/**
 * Instances per stage for a target input rate `targetRate` (msgs/s), so that no stage
 * runs above `maxUtilization`.
 *
 * A group needs ⌈target × cost ÷ maxUtilization⌉ instances, where cost is the instance
 * time one input message takes in the group (Σ share ÷ per-instance μ). Consumers cannot
 * outnumber the partitions they read, so the plan caps the instances at the partitions
 * and, when that cap binds, recommends the needed count as the partition count.
 *
 * @throws RangeError when the target is not a positive finite number or maxUtilization is
 *   not in (0, 1].
 */
export function planCapacity(
  stages: readonly StageCapacityInput[],
  targetRate: number,
  maxUtilization: number,
): CapacityPlan {
  if (!Number.isFinite(targetRate) || targetRate <= 0) {
    throw new RangeError(`targetRate must be a positive number of messages per second, got ${targetRate}`);
  }
  if (!(maxUtilization > 0 && maxUtilization <= 1)) {
    throw new RangeError(`maxUtilization must be in (0, 1], got ${maxUtilization}`);
  }
  const plans = new Map<string, StagePlan>();
  const unmeasuredStages = stages
    .filter((stage) => stage.perInstanceServiceRate === null)
    .map((stage) => stage.stage);
  let achievableRate: number | null = null;
  let recommendedPartitions: number | null = null;
  const toScale: { ratio: number; stages: string[] }[] = [];

  for (const group of groupsOf(stages)) {
    const measured = group.cost > 0;
    const needed = measured
      ? Math.max(1, Math.ceil((targetRate * group.cost) / maxUtilization - 1e-9))
      : null;
    const planned =
      needed === null ? null : group.partitions === null ? needed : Math.min(needed, group.partitions);
    const limited = needed !== null && group.partitions !== null && needed > group.partitions;
    if (limited) recommendedPartitions = Math.max(recommendedPartitions ?? 0, needed);
    if (planned !== null && measured) {
      const groupRate = (planned * maxUtilization) / group.cost;
      achievableRate = achievableRate === null ? groupRate : Math.min(achievableRate, groupRate);
    }
    if (needed !== null && needed > group.current) {
      const byCost = [...group.members]
        .filter((member) => member.perInstanceServiceRate !== null)
        .sort(
          (a, b) => b.share / (b.perInstanceServiceRate ?? 1) - a.share / (a.perInstanceServiceRate ?? 1),
        );
      toScale.push({
        ratio: needed / Math.max(group.current, 1),
        stages: byCost.map((member) => member.stage),
      });
    }
    for (const member of group.members) {
      const rate = member.perInstanceServiceRate;
      plans.set(member.stage, {
        stage: member.stage,
        processGroup: group.name,
        currentInstances: member.instances,
        instancesNeeded: rate === null ? null : needed,
        instancesPlanned: rate === null ? null : planned,
        partitions: member.partitions,
        limitedByPartitions: rate !== null && limited,
        projectedUtilization:
          rate === null || planned === null || planned === 0
            ? null
            : (targetRate * member.share) / (rate * planned),
      });
    }
  }

  toScale.sort((a, b) => b.ratio - a.ratio);
  return {
    targetRate,
    maxUtilization,
    stages: stages
      .map((stage) => plans.get(stage.stage))
      .filter((plan): plan is StagePlan => plan !== undefined),
    feasible: recommendedPartitions === null,
    achievableRate,
    recommendedPartitions,
    scaleStages: toScale.flatMap((entry) => entry.stages),
    unmeasuredStages,
  };
}
