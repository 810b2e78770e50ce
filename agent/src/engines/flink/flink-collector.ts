import { type EngineHttpClient } from '../http-client';
import {
  flinkTerminalStates,
  parseAggregatedMetrics,
  parseCheckpoints,
  parseJobDetails,
  parseJobsOverview,
  parseMetricIds,
  parseMetricValues,
  type AggregatedMetric,
  type FlinkCheckpointCounts,
  type FlinkJobDetails,
  type FlinkJobOverview,
} from './flink-api';

/** Task metrics of a vertex the model reads (exact names, FLIP-33 and the Flink metrics page). */
export const flinkTaskMetrics = [
  'numRecordsInPerSecond',
  'numRecordsOutPerSecond',
  'busyTimeMsPerSecond',
  'backPressuredTimeMsPerSecond',
  'idleTimeMsPerSecond',
] as const;

/**
 * Operator metrics of sources, matched by the last part of their name (operator metrics
 * are named `<operator>.<metric>`, Kafka's own as `<operator>.KafkaSourceReader.KafkaConsumer.<metric>`).
 */
export const flinkSourceMetrics = [
  'pendingRecords',
  'records-lag-max',
  'currentFetchEventTimeLag',
  'currentEmitEventTimeLag',
] as const;

/** Everything read about one job in one poll. */
export interface FlinkJobReading {
  readonly overview: FlinkJobOverview;
  /** Null when the job's details could not be read (it is then reported without stages). */
  readonly details: FlinkJobDetails | null;
  /** Aggregated subtask metrics by vertex id, by metric id; empty unless the job is RUNNING. */
  readonly vertexMetrics: ReadonlyMap<string, ReadonlyMap<string, AggregatedMetric>>;
  /** `numRestarts` (or `fullRestarts` on old versions); null when the job offers neither. */
  readonly restarts: number | null;
  /** Null when checkpointing is not enabled or the statistics could not be read. */
  readonly checkpoints: FlinkCheckpointCounts | null;
}

/** One poll of a Flink endpoint. */
export interface FlinkPoll {
  /** Jobs not in a terminal state. */
  readonly jobs: readonly FlinkJobReading[];
  /** Per-job problems that left parts of a job unread; the endpoint is still up. */
  readonly jobErrors: readonly string[];
}

function wanted(metricId: string): boolean {
  if ((flinkTaskMetrics as readonly string[]).includes(metricId)) return true;
  const lastPart = metricId.slice(metricId.lastIndexOf('.') + 1);
  return metricId.includes('.') && (flinkSourceMetrics as readonly string[]).includes(lastPart);
}

const enc = encodeURIComponent;

/**
 * Polls a Flink JobManager: the job list, and for every job not in a terminal state its
 * vertices, their aggregated subtask metrics (only the ones the vertex offers: metric
 * names are discovered, not assumed, so versions without a metric simply lack it), the
 * restart count and checkpoint statistics.
 *
 * @throws EngineRequestError or EngineResponseError when the job list cannot be read:
 *   the endpoint is down. Failures reading one job are returned in `jobErrors`.
 */
export async function pollFlink(client: EngineHttpClient): Promise<FlinkPoll> {
  const overview = parseJobsOverview(await client.getJson('/jobs/overview'));
  const jobs: FlinkJobReading[] = [];
  const jobErrors: string[] = [];
  for (const job of overview) {
    if (flinkTerminalStates.has(job.state)) continue;
    const jobPath = `/jobs/${enc(job.id)}`;
    let details: FlinkJobDetails | null = null;
    const vertexMetrics = new Map<string, ReadonlyMap<string, AggregatedMetric>>();
    let restarts: number | null = null;
    let checkpoints: FlinkCheckpointCounts | null = null;
    try {
      details = parseJobDetails(await client.getJson(jobPath), jobPath);
      if (job.state === 'RUNNING') {
        for (const vertex of details.vertices) {
          const listPath = `${jobPath}/vertices/${enc(vertex.id)}/subtasks/metrics`;
          const ids = parseMetricIds(await client.getJson(listPath), listPath).filter(wanted);
          if (ids.length === 0) continue;
          const valuesPath = `${listPath}?get=${ids.map(enc).join(',')}&agg=min,max,avg,sum`;
          vertexMetrics.set(vertex.id, parseAggregatedMetrics(await client.getJson(valuesPath), valuesPath));
        }
      }
      const restartsPath = `${jobPath}/metrics?get=numRestarts,fullRestarts`;
      const values = parseMetricValues(await client.getJson(restartsPath), restartsPath);
      restarts = values.get('numRestarts') ?? values.get('fullRestarts') ?? null;
    } catch (error) {
      jobErrors.push(`job ${job.name} (${job.id}): ${(error as Error).message}`);
    }
    const checkpointsPath = `${jobPath}/checkpoints`;
    try {
      checkpoints = parseCheckpoints(await client.getJson(checkpointsPath), checkpointsPath);
    } catch (error) {
      // A job without checkpointing answers with an error status: that is not a failure.
      const status = (error as { status?: number | null }).status;
      if (status !== 404) jobErrors.push(`job ${job.name} (${job.id}): ${(error as Error).message}`);
    }
    jobs.push({ overview: job, details, vertexMetrics, restarts, checkpoints });
  }
  return { jobs, jobErrors };
}
