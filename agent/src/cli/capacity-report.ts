import { type PipelineModel } from '../pipelines/model';
import { formatSeconds } from './lag-table';

function rate(value: number | null): string {
  if (value === null) return '-';
  return value >= 100 ? value.toFixed(0) : value.toFixed(1);
}

function ratio(value: number | null): string {
  return value === null ? '-' : value.toFixed(3);
}

function percent(value: number | null): string {
  return value === null ? '-' : `${(value * 100).toFixed(0)}%`;
}

function table(headers: readonly string[], rows: readonly string[][]): string[] {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)];
}

/**
 * The `streamops capacity` report of one pipeline: the model R = D × P × C, a table of
 * stages (rate, μ, ρ, headroom, instances), the bottleneck and time to drain, and the plan
 * for the target rate when there is one.
 */
export function renderCapacityReport(model: PipelineModel): string {
  const lines: string[] = [];
  lines.push(
    `pipeline ${model.pipeline} (window ${model.windowSeconds.toFixed(0)} s, lag ${model.lagTrend})`,
  );
  lines.push(
    `  D ${rate(model.arrivalRate)} msg/s  ×  P ${ratio(model.processingYield)}  ×  C ${ratio(model.deliveryYield)}` +
      `  =  R ${rate(model.effectiveThroughput)} msg/s   (delivered ${rate(model.deliveredRate)} msg/s` +
      `${model.mismatch ? ', not in steady state' : ''})`,
  );
  lines.push('');
  lines.push(
    ...table(
      ['STAGE', 'RATE/s', 'μ/s', 'ρ', 'HEADROOM/s', 'INSTANCES'],
      model.stages.map((stage) => [
        `${stage.stage}${stage.stage === model.bottleneck ? ' (bottleneck)' : ''}`,
        rate(stage.arrivalRate),
        rate(stage.serviceRate),
        percent(stage.utilization),
        rate(stage.headroom),
        String(stage.instances),
      ]),
    ),
  );
  lines.push('');
  lines.push(`  max sustainable throughput: ${rate(model.maxSustainableThroughput)} msg/s`);
  lines.push(
    `  lag: ${model.lagMessages ?? '-'} msgs; time to drain: ${formatSeconds(model.timeToDrainSeconds)}` +
      ` (at capacity: ${formatSeconds(model.timeToDrainAtCapacitySeconds)})`,
  );
  if (model.unmeasuredStages.length > 0)
    lines.push(`  unmeasured stages: ${model.unmeasuredStages.join(', ')}`);
  const plan = model.plan;
  if (plan) {
    lines.push('');
    lines.push(
      `plan for ${rate(plan.targetRate)} msg/s (stages at most ${percent(plan.maxUtilization)} busy):`,
    );
    lines.push(
      ...table(
        ['STAGE', 'NOW', 'NEEDED', 'PLANNED', 'PARTITIONS', 'ρ AT TARGET'],
        plan.stages.map((stage) => [
          `${stage.stage}${stage.limitedByPartitions ? ' (partition-bound)' : ''}`,
          String(stage.currentInstances),
          stage.instancesNeeded === null ? '-' : String(stage.instancesNeeded),
          stage.instancesPlanned === null ? '-' : String(stage.instancesPlanned),
          stage.partitions === null ? '-' : String(stage.partitions),
          percent(stage.projectedUtilization),
        ]),
      ),
    );
    if (plan.scaleStages.length > 0) lines.push(`  scale out: ${plan.scaleStages.join(', ')}`);
    else lines.push('  no stage needs more instances');
    if (plan.recommendedPartitions !== null) {
      lines.push(`  partitions limit the plan: use ${plan.recommendedPartitions} input partitions`);
    }
    lines.push(
      plan.feasible
        ? `  feasible; the planned instances sustain ${rate(plan.achievableRate)} msg/s`
        : `  not feasible with the current partitions; best achievable ${rate(plan.achievableRate)} msg/s`,
    );
  }
  return lines.join('\n');
}
