/**
 * The attribute names that identify who reports and what a point belongs to. The SDK's
 * reporter sends them; any OpenTelemetry SDK can set them through
 * `OTEL_RESOURCE_ATTRIBUTES` and point attributes.
 *
 * Instance (resource attributes):
 * - `service.name` (required): the application.
 * - `service.instance.id`: the process; when absent, `host.name` and `process.pid`
 *   joined by `/` stand in for it; with neither, the resource is rejected (missing_identity),
 *   because instances that cannot be told apart would look like one counter resetting.
 * - `streamops.pipeline`: the pipeline the process belongs to (default: `service.name`).
 * - `streamops.stage`: the stage the process runs, for processes that run one stage.
 *
 * Point (data point attributes), overriding the resource:
 * - `streamops.pipeline` or `pipeline`: the pipeline of this series.
 * - `streamops.stage` or `stage`: the stage of this series.
 *
 * Both are removed from the point's attributes once resolved; every other attribute
 * (`topic`, `outcome`, `group`...) stays and distinguishes series.
 */
export const streamopsAttributeNames = {
  serviceName: 'service.name',
  serviceInstanceId: 'service.instance.id',
  hostName: 'host.name',
  processPid: 'process.pid',
  pipeline: 'streamops.pipeline',
  stage: 'streamops.stage',
  /** Short forms on points, as the SDK's Prometheus labels are named. */
  pointPipeline: 'pipeline',
  pointStage: 'stage',
} as const;

/** Point attribute names that name the pipeline, in order of precedence. */
export const pipelineAttributeNames: readonly string[] = [
  streamopsAttributeNames.pipeline,
  streamopsAttributeNames.pointPipeline,
];

/** Point attribute names that name the stage, in order of precedence. */
export const stageAttributeNames: readonly string[] = [
  streamopsAttributeNames.stage,
  streamopsAttributeNames.pointStage,
];
