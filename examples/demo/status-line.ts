import { type ClusterLagSnapshot, type PipelineModel } from '@streamops/agent';
import { type DemoPhase } from './schedule';

/** What the status line shows. */
export interface StatusLineInput {
  readonly elapsedSeconds: number;
  readonly phase: DemoPhase | 'no load';
  readonly produced: number;
  /** The agent's snapshot of the demo cluster, when it has one. */
  readonly snapshot: ClusterLagSnapshot | undefined;
  /** The pipeline's consumer group. */
  readonly group: string;
  /** The agent's model of the pipeline, once it has a full window. */
  readonly model: PipelineModel | undefined;
}

function rate(value: number | null | undefined): string {
  return value === null || value === undefined ? '-' : `${value.toFixed(0)}/s`;
}

/**
 * One line of the demo's live status: what the load does, the group's lag and statuses as
 * the agent evaluates them, and the pipeline model (D and R, the bottleneck and its
 * utilisation, dead letters).
 */
export function statusLine(input: StatusLineInput): string {
  const group = input.snapshot?.groups.find((candidate) => candidate.group === input.group);
  const lag = group
    ? `lag ${group.lagMessages} msgs ${group.lagSeconds === null ? '-' : group.lagSeconds.toFixed(1)} s ${group.status}/${group.thresholdStatus}`
    : 'lag -';
  const model = input.model;
  const bottleneck = model?.stages.find((stage) => stage.stage === model.bottleneck);
  const pipeline = model
    ? `D ${rate(model.arrivalRate)} R ${rate(model.effectiveThroughput)} ` +
      `bottleneck ${model.bottleneck ?? '-'} ρ ${bottleneck?.utilization === null || bottleneck?.utilization === undefined ? '-' : bottleneck.utilization.toFixed(2)} ` +
      `DLQ ${model.deadLetterRatio === null ? '-' : `${(model.deadLetterRatio * 100).toFixed(1)}%`}`
    : 'model: waiting for a full window';
  const collector = input.snapshot?.health.up === false ? '  collector DOWN' : '';
  return (
    `[${input.elapsedSeconds.toFixed(0).padStart(4)} s ${input.phase.padEnd(11)}] produced ${input.produced}  ` +
    `${lag}  ${pipeline}${collector}   `
  );
}
