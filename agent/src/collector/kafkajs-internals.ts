/**
 * The parts of kafkajs 2.x's internal objects the agent uses, typed in one place so the
 * dependency is explicit: the internal Cluster (batched ListOffsets and one-record fetches,
 * which the public Admin API lacks), and each Broker's connection pool, over which the
 * agent sends the requests kafkajs has no codec for (ListGroups v5, ConsumerGroupDescribe,
 * ShareGroupDescribe, DescribeShareGroupOffsets). Shapes checked against kafkajs 2.2.4's
 * src/cluster, src/broker and src/network.
 */
import { type Kafka } from 'kafkajs';
import {
  flexibleRequestPayload,
  flexibleResponseBody,
  type ApiVersionRange,
  type KafkaApi,
} from './kafka-protocol/api';

/** What kafkajs's request framing reads from an encoder: `writeEncoder` checks `buf` and copies `buffer`. */
interface KafkajsEncoderLike {
  readonly buf: Buffer;
  readonly buffer: Buffer;
}

/** The protocol object `Connection.send` takes: `request.encode()` and `response.decode/parse`. */
interface KafkajsProtocolRequest<T> {
  readonly request: {
    readonly apiKey: number;
    readonly apiVersion: number;
    readonly apiName: string;
    encode(): Promise<KafkajsEncoderLike>;
  };
  readonly response: {
    /** Gets the bytes after the correlation id; kafkajs reads `clientSideThrottleTime` from the result (KIP-219). */
    decode(payload: Buffer): Promise<{ readonly clientSideThrottleTime: number; readonly value: T }>;
    parse(decoded: { readonly clientSideThrottleTime: number; readonly value: T }): Promise<T>;
  };
}

interface KafkajsConnectionPool {
  send<T>(protocolRequest: KafkajsProtocolRequest<T>): Promise<T>;
}

/** A kafkajs Broker: one node, connected, with the API versions the cluster's seed broker announced. */
export interface KafkajsBroker {
  readonly nodeId: number | null;
  /** ApiVersions by API key; null before the broker connected. */
  readonly versions: Readonly<Record<number, ApiVersionRange | undefined>> | null;
  readonly connectionPool: KafkajsConnectionPool;
  disconnect(): Promise<void>;
  listOffsets(request: {
    isolationLevel: number;
    topics: { topic: string; partitions: { partition: number; timestamp: number }[] }[];
  }): Promise<{ responses: { topic: string; partitions: { partition: number; offset: string }[] }[] }>;
  /** Rejects when any partition has an error (KafkaJSOffsetOutOfRange names the partition). */
  fetch(request: {
    replicaId?: number;
    isolationLevel: number;
    maxWaitTime: number;
    minBytes: number;
    maxBytes: number;
    topics: { topic: string; partitions: { partition: number; fetchOffset: string; maxBytes: number }[] }[];
  }): Promise<{
    responses: {
      topicName: string;
      partitions: KafkajsFetchedPartition[];
    }[];
  }>;
}

/**
 * One partition of a Fetch response as kafkajs decodes it (Fetch v4 and later): every record
 * of the batches returned, aborted and control ones included, each with its batch's header.
 */
export interface KafkajsFetchedPartition {
  readonly partition: number;
  readonly errorCode: number;
  readonly highWatermark?: string;
  /** Fetch v4+; with READ_COMMITTED the end of what can be read. */
  readonly lastStableOffset?: string;
  /** Fetch v4+ with READ_COMMITTED: transactions aborted in the range returned, by first offset. */
  readonly abortedTransactions?: readonly { readonly producerId: string; readonly firstOffset: string }[];
  readonly messages: readonly KafkajsFetchedRecord[];
}

/** A record of a fetched batch; `batchContext` is absent for the message sets of magic 0 and 1. */
export interface KafkajsFetchedRecord {
  readonly offset: string;
  readonly timestamp: string;
  readonly key?: Buffer | null;
  readonly value?: Buffer | null;
  readonly isControlRecord?: boolean;
  readonly batchContext?: {
    readonly firstOffset: string;
    readonly lastOffsetDelta: number;
    readonly producerId: string;
    readonly inTransaction: boolean;
    readonly isControlBatch: boolean;
  };
}

/** kafkajs's internal Cluster. */
export interface KafkajsCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addMultipleTargetTopics(topics: string[]): Promise<void>;
  refreshMetadataIfNecessary(): Promise<void>;
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findTopicPartitionMetadata(topic: string): { partitionId: number }[];
  findBroker(options: { nodeId: string }): Promise<KafkajsBroker>;
  refreshMetadata(): Promise<void>;
  /** Node ids of the brokers in the last metadata. */
  getNodeIds(): string[];
  /** FindCoordinator (key type GROUP, which covers consumer, share and streams groups) and a connected broker. */
  findGroupCoordinator(options: { groupId: string }): Promise<KafkajsBroker>;
}

export type CreateCluster = (options: {
  metadataMaxAge: number;
  allowAutoTopicCreation: boolean;
}) => KafkajsCluster;

/** The factory kafkajs's Kafka object keeps behind a private symbol. */
export function internalClusterFactory(kafka: Kafka): CreateCluster {
  const symbol = Object.getOwnPropertySymbols(kafka).find(
    (candidate) => candidate.description === 'private:Kafka:createCluster',
  );
  const factory = symbol === undefined ? undefined : (kafka as unknown as Record<symbol, unknown>)[symbol];
  if (typeof factory !== 'function') {
    throw new Error('this kafkajs version has no internal cluster factory; streamops supports kafkajs 2.x');
  }
  return factory as CreateCluster;
}

/** The version the broker announced for an API key, if any. */
export function brokerApiVersions(broker: KafkajsBroker, api: KafkaApi): ApiVersionRange | undefined {
  return broker.versions?.[api.key];
}

/** One request of a flexible version: the body without headers, and how to decode the response body. */
export interface FlexibleRequest<T> {
  readonly api: KafkaApi;
  readonly version: number;
  readonly body: Buffer;
  readonly decode: (body: Buffer) => T;
  /** Throttle time from the decoded response, honoured by kafkajs's request queue (KIP-219). */
  readonly throttleTimeMs: (response: T) => number;
}

/**
 * Sends a request kafkajs has no codec for over the broker's own connection (same socket,
 * SASL and TLS, correlation ids and timeouts), as kafkajs's Broker does for its own
 * requests. Connection errors reject; a closed connection also disconnects the broker so
 * that the next request reconnects, as kafkajs does.
 */
export async function sendFlexibleRequest<T>(broker: KafkajsBroker, request: FlexibleRequest<T>): Promise<T> {
  const context = `${request.api.name} v${request.version} response`;
  const payload = flexibleRequestPayload(request.body);
  try {
    return await broker.connectionPool.send<T>({
      request: {
        apiKey: request.api.key,
        apiVersion: request.version,
        apiName: request.api.name,
        encode: () => Promise.resolve({ buf: payload, buffer: payload }),
      },
      response: {
        // A decoding error rejects the send (the executor's throw), never the connection.
        decode: (raw) =>
          new Promise((resolve) => {
            const value = request.decode(flexibleResponseBody(raw, context));
            resolve({ clientSideThrottleTime: request.throttleTimeMs(value), value });
          }),
        parse: (decoded) => Promise.resolve(decoded.value),
      },
    });
  } catch (error) {
    if ((error as { name?: unknown } | null)?.name === 'KafkaJSConnectionClosedError') {
      await broker.disconnect().catch(() => undefined);
    }
    throw error;
  }
}
