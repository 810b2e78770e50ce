import { type PipelineEngine } from '../pipelines/engine';

/** Engines the agent polls over their REST APIs. */
export type PolledEngine = Extract<PipelineEngine, 'flink' | 'storm'>;

/** Health of one configured engine endpoint, for /metrics, the JSON API and readiness. */
export interface EngineEndpointHealth {
  readonly engine: PolledEngine;
  /** The endpoint's configured name. */
  readonly endpoint: string;
  /** True when the last poll succeeded. */
  readonly up: boolean;
  /** End of the last successful poll, epoch milliseconds; null before the first. */
  readonly lastSuccessMs: number | null;
  /** End of the last poll, successful or not; null before the first. */
  readonly lastPollMs: number | null;
  readonly successfulPolls: number;
  readonly failedPolls: number;
  /** Jobs or topologies modelled at the last successful poll. */
  readonly jobs: number;
  /** Why the last poll failed; null after a success. */
  readonly lastError: string | null;
  /**
   * Problems with single jobs at the last poll (a job whose details could not be read, a
   * name clash); the endpoint is still up and the other jobs are modelled.
   */
  readonly jobErrors: readonly string[];
}
