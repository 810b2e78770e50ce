import { type EngineEndpointHealth } from '../engines/endpoint-health';
import { type IngestCounts } from '../ingest/ingest-handler';
import { type InstanceStoreStats } from '../pipelines/instance-store';
import { type PipelineModel } from '../pipelines/model';
import {
  agentHealthMetrics as hm,
  engineMetrics as em,
  ingestMetrics as im,
  pipelineMetrics as pm,
} from '../metrics/pipeline-catalogue';
import { type ExpositionBuilder } from './exposition';

/** What the pipeline exposition reads. */
export interface PipelineRenderInput {
  /** Models of every engine; (engine, pipeline) pairs are unique. */
  readonly models: readonly PipelineModel[];
  /** Live instances of an OTLP-reported pipeline (engine pipelines count theirs in `engineJob`). */
  readonly liveInstances: (pipeline: string) => number;
  readonly ingest: IngestCounts | null;
  readonly store: InstanceStoreStats | null;
  /** Health of the polled engine endpoints. */
  readonly engines: readonly EngineEndpointHealth[];
  /** Degraded reported pipelines by reason (every reason present); null or absent when ingest is off. */
  readonly degraded?: Readonly<Record<string, number>> | null;
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
  renderPipelineModels(out, input);
  renderEngineMetrics(out, input.engines);
  renderIngestMetrics(out, input);
}

/** The model series of every pipeline, and the degraded pipelines by reason. */
export function renderPipelineModels(
  out: ExpositionBuilder,
  input: Pick<PipelineRenderInput, 'models' | 'liveInstances' | 'degraded'>,
): void {
  for (const definition of Object.values(pm)) out.declare(definition);
  out.declare(hm.pipelinesDegraded);
  for (const model of input.models) {
    const p = [model.engine, model.pipeline];
    const job = model.engineJob;
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
    out.add(pm.instances, p, job === null ? input.liveInstances(model.pipeline) : job.instances);
    addIfKnown(out, pm.errorRatio, p, model.errorRatio);
    addIfKnown(out, pm.deadLetterRatio, p, model.deadLetterRatio);
    addIfKnown(out, pm.lostMessages, p, model.lostTotal);
    addIfKnown(out, pm.duplicateMessages, p, model.duplicatedTotal);
    addIfKnown(out, pm.redeliveredMessages, p, model.redeliveredTotal);
    addIfKnown(out, pm.latencyP50, p, model.latencyP50Seconds);
    addIfKnown(out, pm.latencyP99, p, model.latencyP99Seconds);
    addIfKnown(out, pm.latencyMean, p, model.latencyMeanSeconds);
    addIfKnown(out, pm.lagMessages, p, model.lagMessages);
    addIfKnown(out, pm.lagSeconds, p, model.lagSeconds);
    if (job !== null) {
      out.add(pm.running, p, job.running ? 1 : 0);
      addIfKnown(out, pm.restarts, p, job.restartsTotal);
      addIfKnown(out, pm.checkpointsCompleted, p, job.checkpointsCompletedTotal);
      addIfKnown(out, pm.checkpointsFailed, p, job.checkpointsFailedTotal);
      addIfKnown(out, pm.checkpointDuration, p, job.lastCheckpointDurationSeconds);
    }
    for (const stage of model.stages) {
      const s = [model.engine, model.pipeline, stage.stage];
      addIfKnown(out, pm.stageArrivalRate, s, stage.arrivalRate);
      addIfKnown(out, pm.stageServiceRate, s, stage.serviceRate);
      addIfKnown(out, pm.stageUtilization, s, stage.utilization);
      addIfKnown(out, pm.stageHeadroom, s, stage.headroom);
      out.add(pm.stageInstances, s, stage.instances);
      out.add(pm.bottleneck, s, stage.stage === model.bottleneck ? 1 : 0);
      addIfKnown(out, pm.stageBackpressure, s, stage.backpressureRatio);
    }
  }
  for (const [reason, count] of Object.entries(input.degraded ?? {})) {
    out.add(hm.pipelinesDegraded, [reason], count);
  }
}

/** Health of the polled engine endpoints. */
export function renderEngineMetrics(out: ExpositionBuilder, engines: readonly EngineEndpointHealth[]): void {
  for (const definition of Object.values(em)) out.declare(definition);
  for (const endpoint of engines) {
    const e = [endpoint.engine, endpoint.endpoint];
    out.add(em.up, e, endpoint.up ? 1 : 0);
    if (endpoint.lastSuccessMs !== null) out.add(em.lastSuccess, e, endpoint.lastSuccessMs / 1000);
    out.add(em.pollFailures, e, endpoint.failedPolls);
    out.add(em.jobs, e, endpoint.jobs);
  }
}

/** The ingest endpoint's and the instance store's own series. */
export function renderIngestMetrics(
  out: ExpositionBuilder,
  input: Pick<PipelineRenderInput, 'ingest' | 'store'>,
): void {
  for (const definition of Object.values(im)) out.declare(definition);
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

/** Internal errors of the agent by part (every part present). */
export function renderInternalErrors(out: ExpositionBuilder, errors: Readonly<Record<string, number>>): void {
  out.declare(hm.internalErrors);
  for (const [part, count] of Object.entries(errors)) out.add(hm.internalErrors, [part], count);
}
