/**
 * The group APIs kafkajs lacks, sent over kafkajs's own broker connections: ListGroups v5
 * to every broker; ConsumerGroupDescribe, ShareGroupDescribe, StreamsGroupDescribe and
 * DescribeShareGroupOffsets to each group's coordinator. Each method says "unsupported"
 * (null, or the groups left over) when the broker does not announce a version the codec
 * implements, so the caller can take the classic path; every other failure rejects.
 */
import { chooseApiVersion, describeErrorCode, KafkaErrorCode, type KafkaApi } from './kafka-protocol/api';
import {
  consumerGroupDescribeApi,
  decodeConsumerGroupDescribeResponse,
  encodeConsumerGroupDescribeRequest,
  type DescribedConsumerGroup,
} from './kafka-protocol/consumer-group-describe';
import {
  decodeDescribeShareGroupOffsetsResponse,
  describeShareGroupOffsetsApi,
  encodeDescribeShareGroupOffsetsRequest,
  type ShareGroupOffsetsGroup,
} from './kafka-protocol/describe-share-group-offsets';
import {
  decodeListGroupsResponse,
  encodeListGroupsRequest,
  listGroupsApi,
  type ListedGroup,
} from './kafka-protocol/list-groups';
import {
  decodeShareGroupDescribeResponse,
  encodeShareGroupDescribeRequest,
  shareGroupDescribeApi,
  type DescribedShareGroup,
} from './kafka-protocol/share-group-describe';
import {
  decodeStreamsGroupDescribeResponse,
  encodeStreamsGroupDescribeRequest,
  streamsGroupDescribeApi,
  type DescribedStreamsGroup,
} from './kafka-protocol/streams-group-describe';
import {
  brokerApiVersions,
  sendFlexibleRequest,
  type KafkajsBroker,
  type KafkajsCluster,
} from './kafkajs-internals';

/** Groups described by their coordinators, and those whose coordinator lacks the API. */
export interface CoordinatorAnswers<T> {
  readonly described: readonly T[];
  readonly unsupported: readonly string[];
}

function versionOn(broker: KafkajsBroker, api: KafkaApi): number | null {
  return chooseApiVersion(api, brokerApiVersions(broker, api));
}

/** The new group APIs over one kafkajs internal cluster (which the caller connects and closes). */
export class KafkaGroupApis {
  constructor(private readonly cluster: KafkajsCluster) {}

  /**
   * ListGroups v5 from every broker (each lists the groups it coordinates), all types and
   * states; null when any broker lacks v5, since a partial list would hide groups.
   */
  async listGroups(): Promise<ListedGroup[] | null> {
    await this.cluster.connect();
    // Every broker must be asked, so the broker list is refreshed first, as kafkajs's own
    // admin.listGroups does (the classic path pays the same Metadata request).
    await this.cluster.refreshMetadata();
    const brokers = await Promise.all(
      this.cluster.getNodeIds().map((nodeId) => this.cluster.findBroker({ nodeId })),
    );
    const versions = brokers.map((broker) => versionOn(broker, listGroupsApi));
    if (brokers.length === 0 || versions.some((version) => version === null)) return null;
    const answers = await Promise.all(
      brokers.map((broker, index) => {
        const version = versions[index] ?? listGroupsApi.maxVersion;
        return sendFlexibleRequest(broker, {
          api: listGroupsApi,
          version,
          body: encodeListGroupsRequest({ statesFilter: [], typesFilter: [] }, version),
          decode: (body) => decodeListGroupsResponse(body, version),
          throttleTimeMs: (response) => response.throttleTimeMs,
        });
      }),
    );
    const groups: ListedGroup[] = [];
    for (const [index, answer] of answers.entries()) {
      if (answer.errorCode !== KafkaErrorCode.none) {
        throw new Error(
          `ListGroups on broker ${brokers[index]?.nodeId ?? '?'} failed: ${describeErrorCode(answer.errorCode)}`,
        );
      }
      groups.push(...answer.groups);
    }
    return groups;
  }

  /** ConsumerGroupDescribe, one request per coordinator. Group-level errors are in the answers. */
  describeConsumerGroups(groupIds: readonly string[]): Promise<CoordinatorAnswers<DescribedConsumerGroup>> {
    return this.perCoordinator(groupIds, consumerGroupDescribeApi, async (broker, version, ids) => {
      const response = await sendFlexibleRequest(broker, {
        api: consumerGroupDescribeApi,
        version,
        body: encodeConsumerGroupDescribeRequest(
          { groupIds: ids, includeAuthorizedOperations: false },
          version,
        ),
        decode: (body) => decodeConsumerGroupDescribeResponse(body, version),
        throttleTimeMs: (answer) => answer.throttleTimeMs,
      });
      return response.groups;
    });
  }

  /** ShareGroupDescribe, one request per coordinator. Group-level errors are in the answers. */
  describeShareGroups(groupIds: readonly string[]): Promise<CoordinatorAnswers<DescribedShareGroup>> {
    return this.perCoordinator(groupIds, shareGroupDescribeApi, async (broker, version, ids) => {
      const response = await sendFlexibleRequest(broker, {
        api: shareGroupDescribeApi,
        version,
        body: encodeShareGroupDescribeRequest({ groupIds: ids, includeAuthorizedOperations: false }, version),
        decode: (body) => decodeShareGroupDescribeResponse(body, version),
        throttleTimeMs: (answer) => answer.throttleTimeMs,
      });
      return response.groups;
    });
  }

  /** StreamsGroupDescribe, one request per coordinator. Group-level errors are in the answers. */
  describeStreamsGroups(groupIds: readonly string[]): Promise<CoordinatorAnswers<DescribedStreamsGroup>> {
    return this.perCoordinator(groupIds, streamsGroupDescribeApi, async (broker, version, ids) => {
      const response = await sendFlexibleRequest(broker, {
        api: streamsGroupDescribeApi,
        version,
        body: encodeStreamsGroupDescribeRequest(
          { groupIds: ids, includeAuthorizedOperations: false },
          version,
        ),
        decode: (body) => decodeStreamsGroupDescribeResponse(body, version),
        throttleTimeMs: (answer) => answer.throttleTimeMs,
      });
      return response.groups;
    });
  }

  /** DescribeShareGroupOffsets of every topic-partition of one group; null when the coordinator lacks the API. */
  async describeShareGroupOffsets(groupId: string): Promise<ShareGroupOffsetsGroup | null> {
    const answers = await this.perCoordinator(
      [groupId],
      describeShareGroupOffsetsApi,
      async (broker, version, ids) => {
        const response = await sendFlexibleRequest(broker, {
          api: describeShareGroupOffsetsApi,
          version,
          body: encodeDescribeShareGroupOffsetsRequest(
            { groups: ids.map((id) => ({ groupId: id, topics: null })) },
            version,
          ),
          decode: (body) => decodeDescribeShareGroupOffsetsResponse(body, version),
          throttleTimeMs: (answer) => answer.throttleTimeMs,
        });
        return response.groups;
      },
    );
    if (answers.unsupported.length > 0) return null;
    const answer = answers.described.find((group) => group.groupId === groupId);
    if (!answer)
      throw new Error(`DescribeShareGroupOffsets did not answer for group ${JSON.stringify(groupId)}`);
    return answer;
  }

  private async perCoordinator<T extends { readonly groupId: string }>(
    groupIds: readonly string[],
    api: KafkaApi,
    send: (broker: KafkajsBroker, version: number, groupIds: readonly string[]) => Promise<readonly T[]>,
  ): Promise<CoordinatorAnswers<T>> {
    if (groupIds.length === 0) return { described: [], unsupported: [] };
    await this.cluster.connect();
    const coordinators = await Promise.all(
      groupIds.map(async (groupId) => ({
        groupId,
        broker: await this.cluster.findGroupCoordinator({ groupId }),
      })),
    );
    const byBroker = new Map<KafkajsBroker, string[]>();
    for (const { groupId, broker } of coordinators) {
      const ids = byBroker.get(broker);
      if (ids) ids.push(groupId);
      else byBroker.set(broker, [groupId]);
    }
    const described: T[] = [];
    const unsupported: string[] = [];
    await Promise.all(
      [...byBroker].map(async ([broker, ids]) => {
        const version = versionOn(broker, api);
        if (version === null) {
          unsupported.push(...ids);
          return;
        }
        const answers = await send(broker, version, ids);
        const answered = new Set(answers.map((answer) => answer.groupId));
        const missing = ids.filter((id) => !answered.has(id));
        if (missing.length > 0) {
          throw new Error(
            `${api.name} v${version} on broker ${broker.nodeId ?? '?'} did not answer for group(s) ${missing.join(', ')}` +
              ` (it answered for ${[...answered].map((id) => JSON.stringify(id)).join(', ') || 'none'})`,
          );
        }
        described.push(...answers);
      }),
    );
    return { described, unsupported };
  }
}
