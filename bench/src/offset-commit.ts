import { type Kafka } from 'kafkajs';

/** The parts of kafkajs's internal cluster used to commit offsets without a consumer. */
interface CoordinatorBroker {
  offsetCommit(request: {
    groupId: string;
    groupGenerationId: number;
    memberId: string;
    topics: CommitTopic[];
  }): Promise<{ responses: { topic: string; partitions: { partition: number; errorCode: number }[] }[] }>;
}
export interface InternalCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  findGroupCoordinator(request: { groupId: string }): Promise<CoordinatorBroker>;
}

/** Offsets to commit on one topic. */
export interface CommitTopic {
  readonly topic: string;
  readonly partitions: { partition: number; offset: string }[];
}

/** kafkajs's internal cluster factory (the same private hook the agent uses for its batched requests). */
export function internalCluster(kafka: Kafka): InternalCluster {
  const symbol = Object.getOwnPropertySymbols(kafka).find(
    (candidate) => candidate.description === 'private:Kafka:createCluster',
  );
  const factory = symbol === undefined ? undefined : (kafka as unknown as Record<symbol, unknown>)[symbol];
  if (typeof factory !== 'function')
    throw new Error('kafkajs has no internal cluster factory (kafkajs 2.x expected)');
  return (factory as (options: object) => InternalCluster)({});
}

// Longer than one request timeout (kafkajs: 30 s), so that a commit that timed out while the brokers were
// still creating `__consumer_offsets` on busy cores is retried at least once.
const coordinatorDeadlineMs = 120_000;

function isRetriable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { retriable?: unknown }).retriable === true;
}

/**
 * Commits offsets the way an admin tool does, without a consumer: one OffsetCommit with generation -1 and no
 * member id, sent to the group's coordinator. A real broker answers NOT_COORDINATOR or
 * COORDINATOR_LOAD_IN_PROGRESS while it creates and loads `__consumer_offsets` (the mock never does), so
 * retriable errors are retried with a fresh coordinator lookup until a deadline. Returns the partitions committed.
 */
export async function commitWithoutMember(
  cluster: InternalCluster,
  groupId: string,
  topics: CommitTopic[],
): Promise<number> {
  const deadline = Date.now() + coordinatorDeadlineMs;
  for (let attempt = 0; ; attempt++) {
    try {
      const coordinator = await cluster.findGroupCoordinator({ groupId });
      const { responses } = await coordinator.offsetCommit({
        groupId,
        groupGenerationId: -1,
        memberId: '',
        topics,
      });
      let committed = 0;
      for (const { topic, partitions } of responses) {
        for (const { partition, errorCode } of partitions) {
          if (errorCode !== 0)
            throw new Error(`OffsetCommit ${groupId} ${topic}/${partition}: error code ${errorCode}`);
          committed++;
        }
      }
      return committed;
    } catch (error) {
      if (!isRetriable(error) || Date.now() >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, 50 * 2 ** attempt)));
    }
  }
}
