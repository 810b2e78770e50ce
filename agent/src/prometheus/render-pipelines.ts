import { type IngestCounts } from '../ingest/ingest-handler';
import { type InstanceStoreStats } from '../pipelines/instance-store';
import { type PipelineModel } from '../pipelines/model';
import { ingestMetrics as im, pipelineMetrics as pm } from '../metrics/pipeline-catalogue';
import { type ExpositionBuilder } from './exposition';

/** What the pipeline exposition reads. */
export interface PipelineRenderInput {
  readonly models: readonly PipelineModel[];
  readonly liveInstances: (pipeline: string) => number;
  readonly ingest: IngestCounts | null;
  readonly store: InstanceStoreStats | null;
}

function addIfKnown(
  out: ExpositionBuilder,
  definition: Parameters<ExpositionBuilder['add']>[0],
  labels: readonly string[],
  value: number | null,
): void {
  if (value !== null) out.add(definition, labels, value);
}

/**
 * Adds the pipeline model and ingest series to an exposition. A value the model could not
 * compute over its window (no traffic, a counter that went down) has no sample.
 */
export function renderPipelineMetrics(out: ExpositionBuilder, input: PipelineRenderInput): void {
  for (const definition of [...Object.values(pm), ...Object.values(im)]) out.declare(definition);
  for (const model of input.models) {
    const p = [model.pipeline];
    addIfKnown(out, pm.arrivalRate, p, model.arrivalRate);
    addIfKnown(out, pm.consumedRate, p, model.consumedRate);
    addIfKnown(out, pm.processingYield, p, model.processingYield);
    addIfKnown(out, pm.filteredRatio, p, model.filteredRatio);
    addIfKnown(out, pm.deliveryYield, p, model.deliveryYield);
    addIfKnown(out, pm.effectiveThroughput, p, model.effectiveThroughput);
    addIfKnown(out, pm.deliveredRate, p, model.deliveredRate);
    if (model.mismatch !== null) out.add(pm.modelMismatch, p, model.mismatch ? 1 : 0);
    addIfKnown(out, pm.maxSustainableThroughput, p, model.maxSustainableThroughput);
    addIfKnown(out, pm.timeToDrain, p, model.timeToDrainSeconds);
    out.add(pm.instances, p, input.liveInstances(model.pipeline));
    addIfKnown(out, pm.errorRatio, p, model.errorRatio);
    addIfKnown(out, pm.deadLetterRatio, p, model.deadLetterRatio);
    out.add(pm.lostMessages, p, model.lostTotal);
    out.add(pm.duplicateMessages, p, model.duplicatedTotal);
    out.add(pm.redeliveredMessages, p, model.redeliveredTotal);
    addIfKnown(out, pm.latencyP50, p, model.latencyP50Seconds);
    addIfKnown(out, pm.latencyP99, p, model.latencyP99Seconds);
    for (const stage of model.stages) {
      const s = [model.pipeline, stage.stage];
      addIfKnown(out, pm.stageArrivalRate, s, stage.arrivalRate);
      addIfKnown(out, pm.stageServiceRate, s, stage.serviceRate);
      addIfKnown(out, pm.stageUtilization, s, stage.utilization);
      addIfKnown(out, pm.stageHeadroom, s, stage.headroom);
      out.add(pm.stageInstances, s, stage.instances);
      out.add(pm.bottleneck, s, stage.stage === model.bottleneck ? 1 : 0);
    }
  }
  if (input.ingest) {
    out.add(im.acceptedPayloads, [], input.ingest.acceptedPayloads);
    out.add(im.acceptedPoints, [], input.ingest.acceptedPoints);
    for (const [reason, count] of Object.entries(input.ingest.rejectedPayloads)) {
      out.add(im.rejectedPayloads, [reason], count);
    }
    for (const [reason, count] of Object.entries(input.ingest.rejectedPoints)) {
      out.add(im.rejectedPoints, [reason], count);
    }
  }
  if (input.store) {
    out.add(im.instances, [], input.store.instances);
    out.add(im.series, [], input.store.series);
    out.add(im.expiredInstances, [], input.store.expiredInstances);
  }
}
