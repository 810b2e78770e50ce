/**
 * ConsumerGroupDescribe (API key 69) v0 and v1: groups of the consumer group protocol
 * (KIP-848), which classic DescribeGroups reports as Dead. v1 adds each member's type
 * (KIP-1099): classic members remain in a consumer group during an online upgrade.
 */
import { assertCodecVersion, type KafkaApi } from './api';
import { readAssignment, type TopicPartitions } from './topic-partitions';
import { encodeGroupDescribeRequest, type GroupDescribeRequest } from './group-describe-request';
import { WireReader } from './wire';

export const consumerGroupDescribeApi: KafkaApi = {
  key: 69,
  name: 'ConsumerGroupDescribe',
  minVersion: 0,
  maxVersion: 1,
};

export type ConsumerGroupDescribeRequest = GroupDescribeRequest;

/** Which protocol a member speaks; `unknown` before v1 and when the broker sends -1. */
export type ConsumerGroupMemberType = 'classic' | 'consumer' | 'unknown';

export interface ConsumerGroupMemberDescription {
  readonly memberId: string;
  readonly instanceId: string | null;
  readonly rackId: string | null;
  readonly memberEpoch: number;
  readonly clientId: string;
  readonly clientHost: string;
  readonly subscribedTopicNames: readonly string[];
  readonly subscribedTopicRegex: string | null;
  /** What the member owns now. */
  readonly assignment: readonly TopicPartitions[];
  /** What the assignor wants it to own once reconciled. */
  readonly targetAssignment: readonly TopicPartitions[];
  readonly memberType: ConsumerGroupMemberType;
}

export interface DescribedConsumerGroup {
  readonly errorCode: number;
  readonly errorMessage: string | null;
  readonly groupId: string;
  /** Empty, Assigning, Reconciling, Stable or Dead; empty on error. */
  readonly groupState: string;
  readonly groupEpoch: number;
  readonly assignmentEpoch: number;
  readonly assignorName: string;
  readonly members: readonly ConsumerGroupMemberDescription[];
  readonly authorizedOperations: number;
}

export interface ConsumerGroupDescribeResponse {
  readonly throttleTimeMs: number;
  readonly groups: readonly DescribedConsumerGroup[];
}

/** The request body (without the request header's tagged fields). */
export function encodeConsumerGroupDescribeRequest(
  request: ConsumerGroupDescribeRequest,
  version: number,
): Buffer {
  return encodeGroupDescribeRequest(consumerGroupDescribeApi, request, version);
}

function memberType(code: number): ConsumerGroupMemberType {
  if (code === 0) return 'classic';
  if (code === 1) return 'consumer';
  return 'unknown';
}

function readMember(reader: WireReader, version: number): ConsumerGroupMemberDescription {
  const memberId = reader.compactString('MemberId');
  const instanceId = reader.compactNullableString('InstanceId');
  const rackId = reader.compactNullableString('RackId');
  const memberEpoch = reader.int32('MemberEpoch');
  const clientId = reader.compactString('ClientId');
  const clientHost = reader.compactString('ClientHost');
  const subscribedTopicNames = reader.compactArray('SubscribedTopicNames', (name) =>
    name.compactString('SubscribedTopicNames[]'),
  );
  const subscribedTopicRegex = reader.compactNullableString('SubscribedTopicRegex');
  const assignment = readAssignment(reader, 'Assignment');
  const targetAssignment = readAssignment(reader, 'TargetAssignment');
  const type = version >= 1 ? memberType(reader.int8('MemberType')) : 'unknown';
  reader.taggedFields('Member');
  return {
    memberId,
    instanceId,
    rackId,
    memberEpoch,
    clientId,
    clientHost,
    subscribedTopicNames,
    subscribedTopicRegex,
    assignment,
    targetAssignment,
    memberType: type,
  };
}

function readGroup(reader: WireReader, version: number): DescribedConsumerGroup {
  const errorCode = reader.int16('ErrorCode');
  const errorMessage = reader.compactNullableString('ErrorMessage');
  const groupId = reader.compactString('GroupId');
  const groupState = reader.compactString('GroupState');
  const groupEpoch = reader.int32('GroupEpoch');
  const assignmentEpoch = reader.int32('AssignmentEpoch');
  const assignorName = reader.compactString('AssignorName');
  const members = reader.compactArray('Members', (member) => readMember(member, version));
  const authorizedOperations = reader.int32('AuthorizedOperations');
  reader.taggedFields('DescribedGroup');
  return {
    errorCode,
    errorMessage,
    groupId,
    groupState,
    groupEpoch,
    assignmentEpoch,
    assignorName,
    members,
    authorizedOperations,
  };
}

/** Decodes the response body (after the response header). */
export function decodeConsumerGroupDescribeResponse(
  body: Buffer,
  version: number,
): ConsumerGroupDescribeResponse {
  assertCodecVersion(consumerGroupDescribeApi, version, 'response');
  const reader = new WireReader(body, `ConsumerGroupDescribe v${version} response`);
  const throttleTimeMs = reader.int32('ThrottleTimeMs');
  const groups = reader.compactArray('Groups', (group) => readGroup(group, version));
  reader.taggedFields('ConsumerGroupDescribeResponse');
  reader.end();
  return { throttleTimeMs, groups };
}
