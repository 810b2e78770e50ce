/**
 * The parts of Storm's UI REST API (docs/STORM-UI-REST-API.md of Apache Storm 2.x) the
 * collector reads, parsed defensively: only the fields used are checked, unknown ones are
 * ignored, numbers sent as strings (latencies, capacity) are accepted, and a response of
 * the wrong shape raises an EngineResponseError naming the endpoint and the field.
 */
import {
  asArray,
  asObject,
  bodyOf,
  child,
  countField,
  numberOrNull,
  optionalField,
  stringField,
  type JsonPlace,
} from '../json-reader';

/** One entry of `GET /api/v1/topology/summary`. */
export interface StormTopologySummary {
  readonly id: string;
  readonly name: string;
  /** ACTIVE, INACTIVE, REBALANCING or KILLED. */
  readonly status: string;
}

/** A spout of `GET /api/v1/topology/:id`, counts over the requested window. */
export interface StormSpoutStats {
  readonly spoutId: string;
  readonly executors: number;
  readonly emitted: number;
  readonly transferred: number;
  readonly acked: number;
  readonly failed: number;
  /** Average complete latency, milliseconds; null when nothing was acked. */
  readonly completeLatencyMs: number | null;
}

/** A bolt of `GET /api/v1/topology/:id`, counts over the requested window. */
export interface StormBoltStats {
  readonly boltId: string;
  readonly executors: number;
  readonly executed: number;
  readonly acked: number;
  readonly failed: number;
  /** executed × execute latency ÷ window, of the busiest executor; null when not measured. */
  readonly capacity: number | null;
  readonly executeLatencyMs: number | null;
  readonly processLatencyMs: number | null;
}

/** `GET /api/v1/topology/:id?window=...`, the parts the model needs. */
export interface StormTopologyStats {
  readonly id: string;
  readonly name: string;
  readonly status: string;
  readonly uptimeSeconds: number | null;
  readonly executorsTotal: number | null;
  /** The window the counts are over, seconds, as the response states it; null for all-time. */
  readonly windowSeconds: number | null;
  readonly spouts: readonly StormSpoutStats[];
  readonly bolts: readonly StormBoltStats[];
}

/** One partition of `GET /api/v1/topology/:id/lag`. */
export interface StormPartitionLag {
  readonly spoutId: string;
  readonly topic: string;
  readonly partition: string;
  /** -1 in Storm's answer (no commit yet) reads as null. */
  readonly committedOffset: number | null;
  readonly logHeadOffset: number | null;
  readonly lag: number | null;
}

function count(object: Record<string, unknown>, key: string, place: JsonPlace): number {
  // Storm sends null counts for components that never ran in the window.
  return object[key] === null ? 0 : (countField(object, key, place) ?? 0);
}

function optionalNumber(object: Record<string, unknown>, key: string, place: JsonPlace): number | null {
  return optionalField(object, key, place, numberOrNull) ?? null;
}

/** Parses `GET /api/v1/topology/summary`: `{ topologies: [{ id, name, status }] }`. */
export function parseTopologySummary(
  body: unknown,
  endpoint = '/api/v1/topology/summary',
): StormTopologySummary[] {
  const place = bodyOf(endpoint);
  const listPlace = child(place, 'topologies');
  return asArray(asObject(body, place).topologies, listPlace).map((entry, index) => {
    const topologyPlace = child(listPlace, index);
    const topology = asObject(entry, topologyPlace);
    return {
      id: stringField(topology, 'id', topologyPlace),
      name: stringField(topology, 'name', topologyPlace),
      status: stringField(topology, 'status', topologyPlace),
    };
  });
}

/** Parses `GET /api/v1/topology/:id?window=N`. */
export function parseTopologyStats(body: unknown, endpoint: string): StormTopologyStats {
  const place = bodyOf(endpoint);
  const topology = asObject(body, place);
  const spoutsPlace = child(place, 'spouts');
  const boltsPlace = child(place, 'bolts');
  const windowText = topology.window;
  const window =
    typeof windowText === 'string' && windowText.startsWith(':')
      ? null
      : (optionalField(topology, 'window', place, numberOrNull) ?? null);
  return {
    id: stringField(topology, 'id', place),
    name: stringField(topology, 'name', place),
    status: stringField(topology, 'status', place),
    uptimeSeconds: optionalNumber(topology, 'uptimeSeconds', place),
    executorsTotal: optionalNumber(topology, 'executorsTotal', place),
    windowSeconds: window,
    spouts: asArray(topology.spouts, spoutsPlace).map((entry, index): StormSpoutStats => {
      const spoutPlace = child(spoutsPlace, index);
      const spout = asObject(entry, spoutPlace);
      return {
        spoutId: stringField(spout, 'spoutId', spoutPlace),
        executors: count(spout, 'executors', spoutPlace),
        emitted: count(spout, 'emitted', spoutPlace),
        transferred: count(spout, 'transferred', spoutPlace),
        acked: count(spout, 'acked', spoutPlace),
        failed: count(spout, 'failed', spoutPlace),
        completeLatencyMs: optionalNumber(spout, 'completeLatency', spoutPlace),
      };
    }),
    bolts: asArray(topology.bolts, boltsPlace).map((entry, index): StormBoltStats => {
      const boltPlace = child(boltsPlace, index);
      const bolt = asObject(entry, boltPlace);
      return {
        boltId: stringField(bolt, 'boltId', boltPlace),
        executors: count(bolt, 'executors', boltPlace),
        executed: count(bolt, 'executed', boltPlace),
        acked: count(bolt, 'acked', boltPlace),
        failed: count(bolt, 'failed', boltPlace),
        capacity: optionalNumber(bolt, 'capacity', boltPlace),
        executeLatencyMs: optionalNumber(bolt, 'executeLatency', boltPlace),
        processLatencyMs: optionalNumber(bolt, 'processLatency', boltPlace),
      };
    }),
  };
}

/**
 * Parses `GET /api/v1/topology/:id/lag`:
 * `{ <spoutId>: { spoutId, spoutType, spoutLagResult: { <topic>: { <partition>: { consumerCommittedOffset, logHeadOffset, lag } } } } }`.
 * Spouts that are not Kafka spouts, or whose lag could not be read (`errorInfo`), have no entries.
 */
export function parseTopologyLag(body: unknown, endpoint: string): StormPartitionLag[] {
  const place = bodyOf(endpoint);
  const partitions: StormPartitionLag[] = [];
  // Keys at every level are data (spout ids, topics, partitions), so a field a newer
  // version adds there cannot be told from one by name: entries that are not objects of
  // the documented shape are skipped rather than refused.
  const objectOrNull = (value: unknown) =>
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  for (const [spoutKey, spoutValue] of Object.entries(asObject(body, place))) {
    const spout = objectOrNull(spoutValue);
    const result = objectOrNull(spout?.spoutLagResult);
    if (spout === null || result === null) continue;
    const resultPlace = child(child(place, spoutKey), 'spoutLagResult');
    for (const [topic, topicValue] of Object.entries(result)) {
      const topicPartitions = objectOrNull(topicValue);
      if (topicPartitions === null) continue;
      for (const [partition, partitionValue] of Object.entries(topicPartitions)) {
        const entry = objectOrNull(partitionValue);
        if (entry === null || (entry.lag === undefined && entry.logHeadOffset === undefined)) continue;
        const partitionPlace = child(child(resultPlace, topic), partition);
        const committed = optionalNumber(entry, 'consumerCommittedOffset', partitionPlace);
        partitions.push({
          spoutId: typeof spout.spoutId === 'string' ? spout.spoutId : spoutKey,
          topic,
          partition,
          committedOffset: committed === null || committed < 0 ? null : committed,
          logHeadOffset: optionalNumber(entry, 'logHeadOffset', partitionPlace),
          lag: optionalNumber(entry, 'lag', partitionPlace),
        });
      }
    }
  }
  return partitions;
}
