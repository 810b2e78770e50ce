/**
 * Which system runs a pipeline: the `engine` label of every pipeline series and the
 * `engine` field of the JSON API.
 *
 * - `kafkajs`: kafkajs applications reporting with the streamops SDK;
 * - `otel`: other OpenTelemetry SDKs reporting the streamops metric names over OTLP;
 * - `flink`, `storm`: jobs and topologies polled from the engines' REST APIs.
 */
export const pipelineEngines = ['kafkajs', 'otel', 'flink', 'storm'] as const;

/** One of {@link pipelineEngines}. */
export type PipelineEngine = (typeof pipelineEngines)[number];

/** Engines whose pipelines report over OTLP (the instance store's pipelines). */
export type ReportedEngine = Extract<PipelineEngine, 'kafkajs' | 'otel'>;

/**
 * State and reliability of a job or topology as its engine reports it; null on pipelines
 * that report over OTLP. Counts are the engine's own totals since the job started.
 */
export interface EngineJobStatus {
  /** Name of the configured engine endpoint the job was read from. */
  readonly endpoint: string;
  /** The engine's id: Flink job id, Storm topology id. */
  readonly id: string;
  /** The engine's own state word (Flink RUNNING, RESTARTING...; Storm ACTIVE, INACTIVE...). */
  readonly state: string;
  /** True while the job processes records (Flink RUNNING, Storm ACTIVE). */
  readonly running: boolean;
  /** Tasks running (Flink) or executors (Storm): the engine's counterpart of live instances. */
  readonly instances: number;
  /** Restarts since the job was submitted; null when the engine does not expose them. */
  readonly restartsTotal: number | null;
  /** Completed checkpoints; null when the engine has none (Storm) or did not answer. */
  readonly checkpointsCompletedTotal: number | null;
  /** Failed checkpoints; null when the engine has none (Storm) or did not answer. */
  readonly checkpointsFailedTotal: number | null;
  /** End-to-end duration of the latest completed checkpoint; null when none completed. */
  readonly lastCheckpointDurationSeconds: number | null;
}
