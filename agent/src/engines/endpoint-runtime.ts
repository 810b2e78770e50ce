import { type EngineEndpointConfig } from '../config/schema';
import { type PipelineModel } from '../pipelines/model';
import { type LagReading } from './engine-model';
import { type EngineEndpointHealth } from './endpoint-health';
import { type EngineHttpClient } from './http-client';
import { pollFlink, type FlinkJobReading } from './flink/flink-collector';
import { modelFlinkJob } from './flink/flink-model';
import { pollStorm, type StormTopologyReading } from './storm/storm-collector';
import { modelStormTopology } from './storm/storm-model';

/** Storm statistics window asked for when none is configured: Storm's shortest, 10 minutes. */
export const DEFAULT_STORM_WINDOW_SECONDS = 600;

/** One job of the last poll: its engine id, name and the reading the model came from. */
type JobReading =
  | {
      readonly engine: 'flink';
      readonly id: string;
      readonly name: string;
      readonly reading: FlinkJobReading;
    }
  | {
      readonly engine: 'storm';
      readonly id: string;
      readonly name: string;
      readonly reading: StormTopologyReading;
    };

/**
 * Pipeline names for one poll's jobs: the job name, and `name@<id prefix>` for a later job
 * with the name of an earlier one (two jobs of one name would otherwise share series).
 */
export function pipelineNames(jobs: readonly { id: string; name: string }[]): Map<string, string> {
  const names = new Map<string, string>();
  const taken = new Set<string>();
  for (const job of jobs) {
    let name = job.name;
    if (taken.has(name)) name = `${job.name}@${job.id.slice(0, 8)}`;
    taken.add(name);
    names.set(job.id, name);
  }
  return names;
}

/** What an {@link EngineEndpointRuntime} needs. */
export interface EngineEndpointRuntimeOptions {
  readonly config: EngineEndpointConfig;
  readonly client: EngineHttpClient;
  readonly nowMs: () => number;
  /** Target input rate for the capacity plans; null for none. */
  readonly targetRate: number | null;
}

/**
 * One Flink or Storm endpoint: polls it, keeps the models of its jobs and its health.
 *
 * - A failed poll (engine down, too slow, malformed job list) never throws: the endpoint
 *   is down, its jobs keep their last models (the health's last-success time tells their
 *   age), and the next poll tries again.
 * - Jobs that end (terminal state, killed, gone from the list) are dropped at the next
 *   successful poll, with their lag history.
 * - Problems with single jobs are reported in `jobErrors`; the other jobs are modelled.
 */
export class EngineEndpointRuntime {
  private jobs: JobReading[] = [];
  private current: PipelineModel[] = [];
  private readonly lagHistory = new Map<string, LagReading>();
  /** The earlier lag each current model was computed with, so plans see the same trend. */
  private modelledWith = new Map<string, LagReading | null>();
  private state: EngineEndpointHealth;

  constructor(private readonly options: EngineEndpointRuntimeOptions) {
    this.state = {
      engine: options.config.type,
      endpoint: options.config.name,
      up: false,
      lastSuccessMs: null,
      lastPollMs: null,
      successfulPolls: 0,
      failedPolls: 0,
      jobs: 0,
      lastError: null,
      jobErrors: [],
    };
  }

  /** Models of the last successful poll, in the engine's job order. */
  models(): readonly PipelineModel[] {
    return this.current;
  }

  health(): EngineEndpointHealth {
    return this.state;
  }

  /** Polls the endpoint once; never throws. */
  async poll(): Promise<void> {
    const { config, client } = this.options;
    let jobs: JobReading[];
    let jobErrors: readonly string[];
    try {
      if (config.type === 'flink') {
        const result = await pollFlink(client);
        jobs = result.jobs.map((reading) => ({
          engine: 'flink',
          id: reading.overview.id,
          name: reading.overview.name,
          reading,
        }));
        jobErrors = result.jobErrors;
      } else {
        const result = await pollStorm(client, config.windowSeconds ?? DEFAULT_STORM_WINDOW_SECONDS);
        jobs = result.topologies.map((reading) => ({
          engine: 'storm',
          id: reading.summary.id,
          name: reading.summary.name,
          reading,
        }));
        jobErrors = result.jobErrors;
      }
    } catch (error) {
      this.state = {
        ...this.state,
        up: false,
        lastPollMs: this.options.nowMs(),
        failedPolls: this.state.failedPolls + 1,
        lastError: (error as Error).message,
      };
      return;
    }

    const timeMs = this.options.nowMs();
    const names = pipelineNames(jobs);
    const models: PipelineModel[] = [];
    const errors = [...jobErrors];
    const seen = new Set<string>();
    const modelledWith = new Map<string, LagReading | null>();
    for (const job of jobs) {
      seen.add(job.id);
      const previousLag = this.lagHistory.get(job.id) ?? null;
      modelledWith.set(job.id, previousLag);
      try {
        const model = this.modelOf(
          job,
          names.get(job.id) ?? job.name,
          timeMs,
          previousLag,
          this.options.targetRate,
        );
        models.push(model);
        if (model.lagMessages !== null)
          this.lagHistory.set(job.id, { timeMs, lagMessages: model.lagMessages });
        else this.lagHistory.delete(job.id);
      } catch (error) {
        // A value the model refuses (a negative rate from a misbehaving engine) loses that job only.
        errors.push(`${job.name} (${job.id}): ${(error as Error).message}`);
      }
    }
    for (const id of this.lagHistory.keys()) if (!seen.has(id)) this.lagHistory.delete(id);
    this.jobs = jobs;
    this.modelledWith = modelledWith;
    this.current = models;
    this.state = {
      ...this.state,
      up: true,
      lastSuccessMs: timeMs,
      lastPollMs: timeMs,
      successfulPolls: this.state.successfulPolls + 1,
      jobs: models.length,
      lastError: null,
      jobErrors: errors,
    };
  }

  /** The current model of one pipeline planned for another target rate; undefined when unknown. */
  planFor(pipeline: string, targetRate: number): PipelineModel | undefined {
    const model = this.current.find((candidate) => candidate.pipeline === pipeline);
    const job = this.jobs.find((candidate) => candidate.id === model?.engineJob?.id);
    if (model === undefined || job === undefined) return undefined;
    return this.modelOf(job, pipeline, model.timeMs, this.modelledWith.get(job.id) ?? null, targetRate);
  }

  private modelOf(
    job: JobReading,
    pipeline: string,
    timeMs: number,
    previousLag: LagReading | null,
    targetRate: number | null,
  ): PipelineModel {
    const settings = { pipeline, endpoint: this.options.config.name, timeMs, previousLag, targetRate };
    return job.engine === 'flink'
      ? modelFlinkJob(job.reading, settings)
      : modelStormTopology(job.reading, settings);
  }
}
