import { type BrokerControl, type BrokerStatus, type GroupState, type TopicState } from '../control';
import { type KraftCluster } from './kraft-cluster';
import { waitUntilTopicsServed } from './topic-readiness';

/** Raised by the {@link BrokerControl} methods that only librdkafka's mock can do, on a real Kafka cluster. */
export class FaultNotOnRealKafkaError extends Error {
  constructor(method: string) {
    super(
      `${method} is a control-port fault of the mock broker and does not exist on real Kafka: ` +
        "start the broker with startTestBroker({ kind: 'mock' }) for it (down/up work on both)",
    );
    this.name = 'FaultNotOnRealKafkaError';
  }
}

// A KRaft controller refuses a CreateTopics that would write more than 10,000 metadata records (one per topic and
// one per partition) with POLICY_VIOLATION; batches stay well below that.
const maxRecordsPerCreateTopics = 5_000;

function createTopicsBatches<T extends { partitions: number }>(topics: readonly T[]): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let records = 0;
  for (const topic of topics) {
    const cost = 1 + topic.partitions;
    if (current.length > 0 && records + cost > maxRecordsPerCreateTopics) {
      batches.push(current);
      current = [];
      records = 0;
    }
    current.push(topic);
    records += cost;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/**
 * {@link BrokerControl} of a real Kafka test cluster: topics through the admin API, `down`/`up` as SIGKILL and
 * restart of a node (the crash a user's cluster sees). Response delays, pushed errors and leader moves exist
 * only on the mock.
 */
export class KafkaClusterControl implements BrokerControl {
  readonly available = true;

  constructor(private readonly cluster: KraftCluster) {}

  async down(brokerId: number): Promise<void> {
    await Promise.all(this.targets(brokerId).map((nodeId) => this.cluster.killNode(nodeId)));
  }

  async up(brokerId: number): Promise<void> {
    // All at once: a quorum of 3 that lost every voter needs 2 back before any of them is ready.
    await Promise.all(this.targets(brokerId).map((nodeId) => this.cluster.restartNode(nodeId)));
  }

  rtt(): Promise<void> {
    return Promise.reject(new FaultNotOnRealKafkaError('rtt'));
  }

  pushErrors(): Promise<void> {
    return Promise.reject(new FaultNotOnRealKafkaError('pushErrors'));
  }

  setLeader(): Promise<void> {
    return Promise.reject(new FaultNotOnRealKafkaError('setLeader'));
  }

  command(): Promise<string> {
    return Promise.reject(new FaultNotOnRealKafkaError('command'));
  }

  async createTopic(name: string, partitions: number, replicationFactor?: number): Promise<void> {
    await this.createTopics([{ name, partitions, replicationFactor }]);
  }

  /** Creates topics in one CreateTopics request; resolves once every node serves all of them. */
  async createTopics(
    topics: readonly { name: string; partitions: number; replicationFactor?: number | undefined }[],
  ): Promise<void> {
    if (topics.length === 0) return;
    await this.withAdmin(async (admin) => {
      for (const batch of createTopicsBatches(topics)) {
        const created = await admin.createTopics({
          topics: batch.map((topic) => ({
            topic: topic.name,
            numPartitions: topic.partitions,
            replicationFactor: topic.replicationFactor ?? -1,
          })),
          waitForLeaders: false,
        });
        if (!created)
          throw new Error(`a topic of ${batch.map((topic) => topic.name).join(', ')} already exists`);
      }
    });
    const partitions = topics.reduce((sum, topic) => sum + topic.partitions, 0);
    await waitUntilTopicsServed({
      brokers: this.cluster.adminBootstrap,
      topics: topics.map((topic) => topic.name),
      // Each broker creates its replicas' logs as it replays the metadata: thousands take a while on 2 cores.
      timeoutMs: 30_000 + 20 * partitions,
    });
  }

  async deleteTopic(name: string): Promise<void> {
    await this.withAdmin((admin) => admin.deleteTopics({ topics: [name] }));
  }

  async status(): Promise<BrokerStatus> {
    return this.withAdmin(async (admin) => {
      const described = await admin.describeCluster();
      const upIds = new Set(described.brokers.map((broker) => broker.nodeId));
      const names = (await admin.listTopics()).sort();
      const metadata = names.length > 0 ? await admin.fetchTopicMetadata({ topics: names }) : { topics: [] };
      const topics: TopicState[] = [];
      for (const topic of metadata.topics) {
        const offsets = await admin.fetchTopicOffsets(topic.name);
        const byPartition = new Map(offsets.map((entry) => [entry.partition, entry]));
        topics.push({
          name: topic.name,
          internal: topic.name.startsWith('__'),
          partitions: topic.partitions
            .map((partition) => ({
              partition: partition.partitionId,
              leader: partition.leader,
              leaderEpoch: -1, // kafkajs does not surface it
              replicas: partition.replicas,
              startOffset: Number(byPartition.get(partition.partitionId)?.low ?? -1),
              endOffset: Number(byPartition.get(partition.partitionId)?.high ?? -1),
              lastStableOffset: Number(byPartition.get(partition.partitionId)?.high ?? -1),
            }))
            .sort((a, b) => a.partition - b.partition),
        });
      }
      const listed = await admin.listGroups();
      const groups: GroupState[] = [];
      if (listed.groups.length > 0) {
        const { groups: describedGroups } = await admin.describeGroups(
          listed.groups.map((group) => group.groupId),
        );
        for (const group of describedGroups) {
          groups.push({
            groupId: group.groupId,
            state: group.state,
            generation: -1,
            members: group.members.length,
          });
        }
      }
      return {
        controller: await this.cluster.quorumLeader(),
        brokers: this.cluster.nodeIds.map((id, index) => {
          const [host = '', port = ''] = (this.cluster.bootstrap[index] ?? '').split(':');
          return { id, host, port: Number(port), up: upIds.has(id), rttMs: 0 };
        }),
        topics,
        groups,
      };
    });
  }

  private targets(brokerId: number): number[] {
    if (brokerId === -1) return this.cluster.nodeIds;
    if (!this.cluster.nodeIds.includes(brokerId)) {
      throw new RangeError(
        `no broker ${brokerId} in this cluster (brokers ${this.cluster.nodeIds.join(', ')})`,
      );
    }
    return [brokerId];
  }

  private async withAdmin<T>(
    work: (admin: ReturnType<KraftCluster['adminClient']>) => Promise<T>,
  ): Promise<T> {
    const admin = this.cluster.adminClient();
    await admin.connect();
    try {
      return await work(admin);
    } finally {
      await admin.disconnect();
    }
  }
}
