import { type EngineHttpClient } from '../http-client';
import {
  parseTopologyLag,
  parseTopologyStats,
  parseTopologySummary,
  type StormPartitionLag,
  type StormTopologyStats,
  type StormTopologySummary,
} from './storm-api';

/** Everything read about one topology in one poll. */
export interface StormTopologyReading {
  readonly summary: StormTopologySummary;
  /** Null when the topology's statistics could not be read. */
  readonly stats: StormTopologyStats | null;
  /** Kafka spout lag per partition; null when the topology has no lag endpoint or it failed. */
  readonly lag: readonly StormPartitionLag[] | null;
  /** The window asked for, seconds. */
  readonly requestedWindowSeconds: number;
}

/** One poll of a Storm UI endpoint. */
export interface StormPoll {
  /** Topologies that are not being killed. */
  readonly topologies: readonly StormTopologyReading[];
  readonly jobErrors: readonly string[];
}

const enc = encodeURIComponent;

/**
 * Polls a Storm UI: the topology list, and for every topology that is not KILLED its
 * component statistics over `windowSeconds` (without system components) and its Kafka
 * spout lag. The lag endpoint is optional (feature detection): an error there only means
 * no lag is known.
 *
 * @throws EngineRequestError or EngineResponseError when the topology list cannot be read.
 */
export async function pollStorm(client: EngineHttpClient, windowSeconds: number): Promise<StormPoll> {
  const summaries = parseTopologySummary(await client.getJson('/api/v1/topology/summary'));
  const topologies: StormTopologyReading[] = [];
  const jobErrors: string[] = [];
  for (const summary of summaries) {
    if (summary.status === 'KILLED') continue;
    const base = `/api/v1/topology/${enc(summary.id)}`;
    let stats: StormTopologyStats | null = null;
    let lag: StormPartitionLag[] | null = null;
    const statsPath = `${base}?window=${windowSeconds}&sys=false`;
    try {
      stats = parseTopologyStats(await client.getJson(statsPath), statsPath);
    } catch (error) {
      jobErrors.push(`topology ${summary.name} (${summary.id}): ${(error as Error).message}`);
    }
    const lagPath = `${base}/lag`;
    try {
      lag = parseTopologyLag(await client.getJson(lagPath), lagPath);
    } catch (error) {
      const status = (error as { status?: number | null }).status;
      if (status !== 404)
        jobErrors.push(`topology ${summary.name} (${summary.id}): ${(error as Error).message}`);
    }
    topologies.push({ summary, stats, lag, requestedWindowSeconds: windowSeconds });
  }
  return { topologies, jobErrors };
}
