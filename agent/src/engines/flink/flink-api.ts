/**
 * The parts of Flink's REST API (the JobManager's monitoring API, "REST API" page of the
 * Flink documentation, 1.x and 2.x) that the collector reads, parsed defensively: only
 * the fields used are checked, unknown ones are ignored, and a response of the wrong shape
 * raises an EngineResponseError naming the endpoint and the field.
 */
import {
  asArray,
  asObject,
  bodyOf,
  child,
  countField,
  EngineResponseError,
  numberOrNull,
  optionalField,
  stringField,
  type JsonPlace,
} from '../json-reader';

/** Job states after which a job no longer runs (Flink's JobStatus "globally terminal" states). */
export const flinkTerminalStates: ReadonlySet<string> = new Set(['FINISHED', 'CANCELED', 'FAILED']);

/** One entry of `GET /jobs/overview`. */
export interface FlinkJobOverview {
  readonly id: string;
  readonly name: string;
  /** JobStatus: CREATED, RUNNING, FAILING, FAILED, CANCELLING, CANCELED, FINISHED, RESTARTING, SUSPENDED, RECONCILING, INITIALIZING. */
  readonly state: string;
  /** Start time, epoch milliseconds; null when not started. */
  readonly startTimeMs: number | null;
  /** Tasks in state RUNNING (`tasks.running`); null when the field is absent. */
  readonly tasksRunning: number | null;
}

/** One job vertex of `GET /jobs/:jobid`: a chain of operators run as one task. */
export interface FlinkVertex {
  readonly id: string;
  readonly name: string;
  readonly parallelism: number;
}

/** `GET /jobs/:jobid`, the parts the model needs. */
export interface FlinkJobDetails {
  readonly id: string;
  readonly name: string;
  readonly state: string;
  /** Vertices in the order Flink lists them (topological). */
  readonly vertices: readonly FlinkVertex[];
  /** Input vertex ids by vertex id, from `plan.nodes[].inputs`; null when the plan is absent. */
  readonly inputsByVertex: ReadonlyMap<string, readonly string[]> | null;
}

/** One metric of `GET /jobs/:jobid/vertices/:vertexid/subtasks/metrics?get=...&agg=...`. */
export interface AggregatedMetric {
  readonly min: number | null;
  readonly max: number | null;
  readonly avg: number | null;
  readonly sum: number | null;
}

/** `GET /jobs/:jobid/checkpoints`, the parts the model needs. */
export interface FlinkCheckpointCounts {
  readonly completed: number | null;
  readonly failed: number | null;
  /** `latest.completed.end_to_end_duration`, milliseconds; null when none completed. */
  readonly latestCompletedDurationMs: number | null;
}

function count(object: Record<string, unknown>, key: string, place: JsonPlace): number | null {
  return countField(object, key, place);
}

/** Parses `GET /jobs/overview`: `{ jobs: [{ jid, name, state, start-time, tasks: { running } }] }`. */
export function parseJobsOverview(body: unknown, endpoint = '/jobs/overview'): FlinkJobOverview[] {
  const place = bodyOf(endpoint);
  const jobsPlace = child(place, 'jobs');
  return asArray(asObject(body, place).jobs, jobsPlace).map((entry, index) => {
    const jobPlace = child(jobsPlace, index);
    const job = asObject(entry, jobPlace);
    const start = optionalField(job, 'start-time', jobPlace, numberOrNull) ?? null;
    const tasks = optionalField(job, 'tasks', jobPlace, asObject);
    return {
      id: stringField(job, 'jid', jobPlace),
      name: stringField(job, 'name', jobPlace),
      state: stringField(job, 'state', jobPlace),
      startTimeMs: start !== null && start > 0 ? start : null,
      tasksRunning:
        tasks === undefined
          ? null
          : (optionalField(tasks, 'running', child(jobPlace, 'tasks'), numberOrNull) ?? null),
    };
  });
}

/** Parses `GET /jobs/:jobid`: `{ jid, name, state, vertices: [{ id, name, parallelism }], plan: { nodes: [{ id, inputs: [{ id }] }] } }`. */
export function parseJobDetails(body: unknown, endpoint: string): FlinkJobDetails {
  const place = bodyOf(endpoint);
  const job = asObject(body, place);
  const verticesPlace = child(place, 'vertices');
  const vertices = asArray(job.vertices, verticesPlace).map((entry, index): FlinkVertex => {
    const vertexPlace = child(verticesPlace, index);
    const vertex = asObject(entry, vertexPlace);
    const parallelism = countField(vertex, 'parallelism', vertexPlace);
    if (parallelism === null || !Number.isSafeInteger(parallelism)) {
      throw new EngineResponseError(
        endpoint,
        `${vertexPlace.field}.parallelism`,
        `must be a whole number, got ${parallelism}`,
      );
    }
    return {
      id: stringField(vertex, 'id', vertexPlace),
      name: stringField(vertex, 'name', vertexPlace),
      parallelism,
    };
  });
  let inputsByVertex: Map<string, string[]> | null = null;
  const plan = optionalField(job, 'plan', place, asObject);
  const planPlace = child(place, 'plan');
  const nodes = plan === undefined ? undefined : optionalField(plan, 'nodes', planPlace, asArray);
  if (nodes !== undefined) {
    inputsByVertex = new Map();
    nodes.forEach((entry, index) => {
      const nodePlace = child(child(planPlace, 'nodes'), index);
      const node = asObject(entry, nodePlace);
      const inputs = optionalField(node, 'inputs', nodePlace, asArray) ?? [];
      inputsByVertex?.set(
        stringField(node, 'id', nodePlace),
        inputs.map((input, inputIndex) => {
          const inputPlace = child(child(nodePlace, 'inputs'), inputIndex);
          return stringField(asObject(input, inputPlace), 'id', inputPlace);
        }),
      );
    });
  }
  return {
    id: stringField(job, 'jid', place),
    name: stringField(job, 'name', place),
    state: stringField(job, 'state', place),
    vertices,
    inputsByVertex,
  };
}

/** Parses a metric list `[{ id }]` (the metric names a vertex or job offers). */
export function parseMetricIds(body: unknown, endpoint: string): string[] {
  const place = bodyOf(endpoint);
  return asArray(body, place).map((entry, index) => {
    const entryPlace = child(place, index);
    return stringField(asObject(entry, entryPlace), 'id', entryPlace);
  });
}

/** Parses aggregated subtask metrics `[{ id, min, max, avg, sum }]`; aggregates not asked for are null. */
export function parseAggregatedMetrics(body: unknown, endpoint: string): Map<string, AggregatedMetric> {
  const place = bodyOf(endpoint);
  const metrics = new Map<string, AggregatedMetric>();
  asArray(body, place).forEach((entry, index) => {
    const entryPlace = child(place, index);
    const metric = asObject(entry, entryPlace);
    const read = (key: string) => optionalField(metric, key, entryPlace, numberOrNull) ?? null;
    metrics.set(stringField(metric, 'id', entryPlace), {
      min: read('min'),
      max: read('max'),
      avg: read('avg'),
      sum: read('sum'),
    });
  });
  return metrics;
}

/** Parses job metrics `[{ id, value }]`, values as Flink sends them (strings of numbers). */
export function parseMetricValues(body: unknown, endpoint: string): Map<string, number | null> {
  const place = bodyOf(endpoint);
  const values = new Map<string, number | null>();
  asArray(body, place).forEach((entry, index) => {
    const entryPlace = child(place, index);
    const metric = asObject(entry, entryPlace);
    values.set(stringField(metric, 'id', entryPlace), numberOrNull(metric.value, child(entryPlace, 'value')));
  });
  return values;
}

/** Parses `GET /jobs/:jobid/checkpoints`: `{ counts: { completed, failed }, latest: { completed: { end_to_end_duration } } }`. */
export function parseCheckpoints(body: unknown, endpoint: string): FlinkCheckpointCounts {
  const place = bodyOf(endpoint);
  const stats = asObject(body, place);
  const countsPlace = child(place, 'counts');
  const counts = asObject(stats.counts, countsPlace);
  const latest = optionalField(stats, 'latest', place, asObject);
  const latestPlace = child(place, 'latest');
  const completed =
    latest === undefined ? undefined : optionalField(latest, 'completed', latestPlace, asObject);
  return {
    completed: count(counts, 'completed', countsPlace),
    failed: count(counts, 'failed', countsPlace),
    latestCompletedDurationMs:
      completed === undefined
        ? null
        : (optionalField(completed, 'end_to_end_duration', child(latestPlace, 'completed'), numberOrNull) ??
          null),
  };
}
