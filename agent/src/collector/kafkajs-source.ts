import { AssignerProtocol, Kafka, logLevel, type Admin, type KafkaConfig, type SASLOptions } from 'kafkajs';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { type AwsCredentialIdentityProvider } from '@smithy/types';
import { type ClusterConfig } from '../config/schema';
import { resolveSecret } from '../config/secrets';
import {
  partitionKey,
  type CommitLogRead,
  type CommittedOffset,
  type GroupDescription,
  type GroupListing,
  type PartitionOffset,
  type PartitionWatermarks,
  type SharePartitionOffset,
} from '../protocol/cluster-state';
import { type ClusterSource } from './cluster-source';
import { KafkaGroupApis } from './group-apis';
import { describeByType } from './describe-by-type';
import { groupError, listingOf, shareOffsetsOf } from './group-mapping';
import { KafkaErrorCode } from './kafka-protocol/api';
import { internalClusterFactory, type KafkajsCluster } from './kafkajs-internals';
import { MskIamTokenProvider } from './msk-iam-token';
import { OffsetsTopicReader, type OffsetsTopicReaderOptions } from './offsets-topic-reader';

const READ_COMMITTED = 1;
// ListOffsets timestamps that ask for the first and the next offset of a partition.
const EARLIEST_OFFSET = -2;
const LATEST_OFFSET = -1;
const RECORD_FETCH_MAX_BYTES_PER_PARTITION = 64 * 1024;

/** Settings of a {@link KafkajsClusterSource} beyond the kafkajs client's. */
export interface KafkajsClusterSourceOptions {
  /** How `__consumer_offsets` is read (default: 150 s back on the first read, the system clock). */
  readonly commitLog?: OffsetsTopicReaderOptions;
}

/** What {@link kafkajsConfig} reaches outside the config for; injectable for tests. */
export interface KafkajsConfigDependencies {
  /** AWS credentials for MSK IAM; by default the AWS default chain (env, IRSA web identity, shared files, ECS/EC2 metadata). */
  readonly awsCredentials?: (region: string) => AwsCredentialIdentityProvider;
  readonly nowMs?: () => number;
}

function defaultAwsCredentials(region: string): AwsCredentialIdentityProvider {
  // STS (IRSA's AssumeRoleWithWebIdentity) is asked in the cluster's region unless AWS_REGION says otherwise.
  return defaultProvider({ clientConfig: { region: process.env.AWS_REGION || region } });
}

/** Builds the kafkajs client configuration, resolving secret references now. */
export function kafkajsConfig(
  cluster: ClusterConfig,
  requestTimeoutMs: number,
  dependencies: KafkajsConfigDependencies = {},
): KafkaConfig {
  const config: KafkaConfig = {
    clientId: cluster.clientId,
    brokers: [...cluster.brokers],
    requestTimeout: requestTimeoutMs,
    connectionTimeout: Math.min(requestTimeoutMs, 5_000),
    // The collector retries on its next cycle; long client-side retry chains would only delay the error.
    retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 1_000 },
    logLevel: logLevel.NOTHING,
  };
  if (cluster.sasl?.mechanism === 'aws-msk-iam') {
    const { region } = cluster.sasl;
    const tokens = new MskIamTokenProvider({
      region,
      credentials: (dependencies.awsCredentials ?? defaultAwsCredentials)(region),
      ...(dependencies.nowMs ? { nowMs: dependencies.nowMs } : {}),
    });
    config.sasl = { mechanism: 'oauthbearer', oauthBearerProvider: tokens.oauthBearerProvider };
  } else if (cluster.sasl) {
    const key = `clusters.${cluster.name}.sasl`;
    config.sasl = {
      mechanism: cluster.sasl.mechanism,
      username: resolveSecret(cluster.sasl.username, `${key}.username`),
      password: resolveSecret(cluster.sasl.password, `${key}.password`),
    } as SASLOptions;
  }
  if (cluster.tls?.enabled) {
    const key = `clusters.${cluster.name}.tls`;
    const { ca, cert, key: privateKey, rejectUnauthorized } = cluster.tls;
    config.ssl = {
      rejectUnauthorized,
      ...(ca ? { ca: [resolveSecret(ca, `${key}.ca`)] } : {}),
      ...(cert ? { cert: resolveSecret(cert, `${key}.cert`) } : {}),
      ...(privateKey ? { key: resolveSecret(privateKey, `${key}.key`) } : {}),
    };
  }
  return config;
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const list = groups.get(key);
    if (list) list.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

/** The first listing of each group: brokers list the groups they coordinate, and a moving coordinator may list one twice. */
function uniqueGroups(listings: readonly GroupListing[]): GroupListing[] {
  const seen = new Set<string>();
  return listings.filter((listing) => !seen.has(listing.group) && seen.add(listing.group));
}

function decodeAssignment(raw: Buffer): GroupDescription['members'][number]['assignment'] {
  if (raw.length === 0) return [];
  try {
    const decoded = AssignerProtocol.MemberAssignment.decode(raw);
    if (!decoded) return [];
    return Object.entries(decoded.assignment).map(([topic, partitions]) => ({ topic, partitions }));
  } catch {
    // A group using a non-consumer protocol (Connect, a custom assignor) has its own format.
    return [];
  }
}

/**
 * {@link ClusterSource} over kafkajs: admin for classic groups and commits, the internal
 * cluster for offsets and fetches, and the group APIs kafkajs lacks (ListGroups v5,
 * ConsumerGroupDescribe, ShareGroupDescribe, StreamsGroupDescribe,
 * DescribeShareGroupOffsets) over a second internal cluster's connections. Brokers without
 * those APIs get the classic path.
 */
export class KafkajsClusterSource implements ClusterSource {
  private readonly admin: Admin;
  private readonly createCluster: () => KafkajsCluster;
  private cluster: KafkajsCluster;
  // Its own cluster: it never tracks topics, so a deleted topic cannot fail its metadata refreshes.
  private readonly groupCluster: KafkajsCluster;
  private readonly groupApis: KafkaGroupApis;
  private readonly targetTopics = new Set<string>();
  private connected: Promise<void> | null = null;
  private readonly commitLogOptions: OffsetsTopicReaderOptions;
  // Made on the first read; its own cluster, so a refused __consumer_offsets never fails other calls.
  private commitLogReader: OffsetsTopicReader | null = null;

  constructor(config: KafkaConfig, options: KafkajsClusterSourceOptions = {}) {
    const kafka = new Kafka(config);
    this.admin = kafka.admin();
    const factory = internalClusterFactory(kafka);
    // Short metadata age: leader moves must be followed within a cycle or two.
    this.createCluster = () => factory({ metadataMaxAge: 10_000, allowAutoTopicCreation: false });
    this.cluster = this.createCluster();
    this.groupCluster = this.createCluster();
    this.groupApis = new KafkaGroupApis(this.groupCluster);
    this.commitLogOptions = options.commitLog ?? { nowMs: Date.now, startBackMs: 150_000 };
  }

  private connect(): Promise<void> {
    if (!this.connected) {
      this.connected = Promise.all([
        this.admin.connect(),
        this.cluster.connect(),
        this.groupCluster.connect(),
      ]).then(
        () => undefined,
        (error: unknown) => {
          this.connected = null;
          throw error;
        },
      );
    }
    return this.connected;
  }

  async listGroups(): Promise<GroupListing[]> {
    await this.connect();
    const listed = await this.groupApis.listGroups();
    if (listed === null) {
      // No ListGroups v5: a broker older than Kafka 3.7 (or the mock) knows classic groups only.
      const { groups } = await this.admin.listGroups();
      return uniqueGroups(
        groups.map(({ groupId, protocolType }) => ({
          group: groupId,
          protocolType,
          groupType: 'classic' as const,
          state: null,
        })),
      );
    }
    return uniqueGroups(listed.map(listingOf));
  }

  async describeGroups(groups: readonly GroupListing[]): Promise<GroupDescription[]> {
    if (groups.length === 0) return [];
    await this.connect();
    return describeByType(groups, {
      classic: (listings) => this.describeClassicGroups(listings),
      consumer: (groupIds) => this.groupApis.describeConsumerGroups(groupIds),
      share: (groupIds) => this.groupApis.describeShareGroups(groupIds),
      streams: (groupIds) => this.groupApis.describeStreamsGroups(groupIds),
    });
  }

  /** Classic DescribeGroups through kafkajs's admin, batched per coordinator by kafkajs. */
  private async describeClassicGroups(listings: readonly GroupListing[]): Promise<GroupDescription[]> {
    const { groups: described } = await this.admin.describeGroups(listings.map((listing) => listing.group));
    return described.map((group) => ({
      group: group.groupId,
      groupType: 'classic',
      state: group.state,
      kafkaState: group.state,
      protocolType: group.protocolType,
      members: group.members.map((member) => ({
        memberId: member.memberId,
        clientId: member.clientId,
        clientHost: member.clientHost,
        assignment: decodeAssignment(member.memberAssignment),
      })),
    }));
  }

  async fetchShareGroupOffsets(group: string): Promise<SharePartitionOffset[]> {
    await this.connect();
    const answer = await this.groupApis.describeShareGroupOffsets(group);
    // Without the API (Kafka before 4.1) the group's progress is unknown, not an error.
    if (answer === null || answer.errorCode === KafkaErrorCode.groupIdNotFound) return [];
    const error = groupError('DescribeShareGroupOffsets', group, answer.errorCode, answer.errorMessage);
    if (error) throw error;
    return shareOffsetsOf(answer);
  }

  async fetchCommittedOffsets(group: string): Promise<CommittedOffset[]> {
    await this.connect();
    const topics = await this.admin.fetchOffsets({ groupId: group });
    return topics.flatMap(({ topic, partitions }) =>
      partitions.map(({ partition, offset }) => {
        const value = Number(offset);
        return { topic, partition, offset: value < 0 ? null : value };
      }),
    );
  }

  async fetchWatermarks(topics: readonly string[]): Promise<PartitionWatermarks[]> {
    if (topics.length === 0) return [];
    await this.connect();
    const existing = new Set(await this.admin.listTopics());
    // kafkajs keeps every target topic forever and fails each metadata refresh once one is
    // deleted, so the internal cluster is replaced when a topic it tracks disappears.
    if ([...this.targetTopics].some((topic) => !existing.has(topic))) await this.replaceCluster();
    const wanted = topics.filter((topic) => existing.has(topic));
    if (wanted.length === 0) return [];
    await this.cluster.addMultipleTargetTopics(wanted);
    for (const topic of wanted) this.targetTopics.add(topic);
    await this.cluster.refreshMetadataIfNecessary();
    try {
      return await this.listWatermarksPerLeader(wanted);
    } catch (error) {
      // A moved leader answers NOT_LEADER; the next cycle must ask the new one.
      await this.cluster.refreshMetadata().catch(() => undefined);
      throw error;
    }
  }

  /**
   * ListOffsets (earliest and latest) sent to each partition leader directly, two requests
   * per broker. kafkajs's own fetchTopicsOffset merges answers in time quadratic in the
   * number of topics, which dominated cycles with thousands of partitions.
   */
  private async listWatermarksPerLeader(topics: readonly string[]): Promise<PartitionWatermarks[]> {
    const byLeader = new Map<string, Map<string, number[]>>();
    for (const topic of topics) {
      const partitions = this.partitionsOf(topic).map(({ partition }) => partition);
      for (const [nodeId, leaderPartitions] of Object.entries(
        this.cluster.findLeaderForPartitions(topic, partitions),
      )) {
        let leaderTopics = byLeader.get(nodeId);
        if (!leaderTopics) {
          leaderTopics = new Map();
          byLeader.set(nodeId, leaderTopics);
        }
        leaderTopics.set(topic, leaderPartitions);
      }
    }
    const starts = new Map<string, number>();
    const ends = new Map<string, number>();
    await Promise.all(
      [...byLeader].map(async ([nodeId, leaderTopics]) => {
        const broker = await this.cluster.findBroker({ nodeId });
        const request = (timestamp: number) =>
          broker.listOffsets({
            isolationLevel: READ_COMMITTED,
            topics: [...leaderTopics].map(([topic, partitions]) => ({
              topic,
              partitions: partitions.map((partition) => ({ partition, timestamp })),
            })),
          });
        const [earliest, latest] = await Promise.all([request(EARLIEST_OFFSET), request(LATEST_OFFSET)]);
        for (const [answer, target] of [
          [earliest, starts],
          [latest, ends],
        ] as const) {
          for (const { topic, partitions } of answer.responses) {
            for (const { partition, offset } of partitions)
              target.set(partitionKey(topic, partition), Number(offset));
          }
        }
      }),
    );
    const watermarks: PartitionWatermarks[] = [];
    for (const topic of topics) {
      for (const { partition } of this.partitionsOf(topic)) {
        const key = partitionKey(topic, partition);
        const logEndOffset = ends.get(key);
        if (logEndOffset === undefined) continue;
        watermarks.push({ topic, partition, logStartOffset: starts.get(key) ?? 0, logEndOffset });
      }
    }
    return watermarks;
  }

  private async replaceCluster(): Promise<void> {
    const previous = this.cluster;
    this.cluster = this.createCluster();
    this.targetTopics.clear();
    await previous.disconnect().catch(() => undefined);
    await this.cluster.connect();
  }

  private partitionsOf(topic: string): { partition: number }[] {
    return this.cluster
      .findTopicPartitionMetadata(topic)
      .map(({ partitionId }) => ({ partition: partitionId }));
  }

  async fetchRecordTimestamps(positions: readonly PartitionOffset[]): Promise<Map<string, number>> {
    const timestamps = new Map<string, number>();
    if (positions.length === 0) return timestamps;
    await this.connect();
    const byLeader = new Map<string, PartitionOffset[]>();
    for (const [topic, topicPositions] of groupBy(positions, (position) => position.topic)) {
      const leaders = this.cluster.findLeaderForPartitions(
        topic,
        topicPositions.map((position) => position.partition),
      );
      for (const [nodeId, partitions] of Object.entries(leaders)) {
        const list = byLeader.get(nodeId) ?? [];
        list.push(...topicPositions.filter((position) => partitions.includes(position.partition)));
        byLeader.set(nodeId, list);
      }
    }
    const wanted = new Map(
      positions.map((position) => [partitionKey(position.topic, position.partition), position.offset]),
    );
    await Promise.all(
      [...byLeader].map(async ([nodeId, leaderPositions]) => {
        const broker = await this.cluster.findBroker({ nodeId });
        const response = await broker.fetch({
          isolationLevel: READ_COMMITTED,
          maxWaitTime: 0,
          minBytes: 0,
          maxBytes: RECORD_FETCH_MAX_BYTES_PER_PARTITION * leaderPositions.length,
          topics: [...groupBy(leaderPositions, (position) => position.topic)].map(([topic, list]) => ({
            topic,
            partitions: list.map(({ partition, offset }) => ({
              partition,
              fetchOffset: String(offset),
              maxBytes: RECORD_FETCH_MAX_BYTES_PER_PARTITION,
            })),
          })),
        });
        for (const { topicName, partitions } of response.responses) {
          for (const { partition, errorCode, messages } of partitions) {
            const key = partitionKey(topicName, partition);
            const offset = wanted.get(key);
            if (errorCode !== 0 || offset === undefined) continue;
            // A fetch returns whole batches, so records before the wanted offset may come first.
            const record = messages.find((message) => Number(message.offset) >= offset);
            if (record) timestamps.set(key, Number(record.timestamp));
          }
        }
      }),
    );
    return timestamps;
  }

  /** Commits read from `__consumer_offsets` since the last call, without joining a group. */
  readCommitLog(): Promise<CommitLogRead> {
    this.commitLogReader ??= new OffsetsTopicReader(this.createCluster(), this.commitLogOptions);
    return this.commitLogReader.read();
  }

  async close(): Promise<void> {
    this.connected = null;
    const reader = this.commitLogReader;
    this.commitLogReader = null;
    await Promise.allSettled([
      this.admin.disconnect(),
      this.cluster.disconnect(),
      this.groupCluster.disconnect(),
      ...(reader ? [reader.close()] : []),
    ]);
  }
}
