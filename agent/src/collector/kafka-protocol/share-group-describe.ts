/**
 * ShareGroupDescribe (API key 77) v1, the first stable version of share groups (KIP-932);
 * v0 was Kafka 4.0's early access and is gone since 4.1.
 */
import { assertCodecVersion, type KafkaApi } from './api';
import { readAssignment, type TopicPartitions } from './topic-partitions';
import { encodeGroupDescribeRequest, type GroupDescribeRequest } from './group-describe-request';
import { WireReader } from './wire';

export const shareGroupDescribeApi: KafkaApi = {
  key: 77,
  name: 'ShareGroupDescribe',
  minVersion: 1,
  maxVersion: 1,
};

export type ShareGroupDescribeRequest = GroupDescribeRequest;

export interface ShareGroupMemberDescription {
  readonly memberId: string;
  readonly rackId: string | null;
  readonly memberEpoch: number;
  readonly clientId: string;
  readonly clientHost: string;
  readonly subscribedTopicNames: readonly string[];
  readonly assignment: readonly TopicPartitions[];
}

export interface DescribedShareGroup {
  readonly errorCode: number;
  readonly errorMessage: string | null;
  readonly groupId: string;
  /** Empty, Stable or Dead; empty on error. */
  readonly groupState: string;
  readonly groupEpoch: number;
  readonly assignmentEpoch: number;
  readonly assignorName: string;
  readonly members: readonly ShareGroupMemberDescription[];
  readonly authorizedOperations: number;
}

export interface ShareGroupDescribeResponse {
  readonly throttleTimeMs: number;
  readonly groups: readonly DescribedShareGroup[];
}

/** The request body (without the request header's tagged fields). */
export function encodeShareGroupDescribeRequest(request: ShareGroupDescribeRequest, version: number): Buffer {
  return encodeGroupDescribeRequest(shareGroupDescribeApi, request, version);
}

function readMember(reader: WireReader): ShareGroupMemberDescription {
  const memberId = reader.compactString('MemberId');
  const rackId = reader.compactNullableString('RackId');
  const memberEpoch = reader.int32('MemberEpoch');
  const clientId = reader.compactString('ClientId');
  const clientHost = reader.compactString('ClientHost');
  const subscribedTopicNames = reader.compactArray('SubscribedTopicNames', (name) =>
    name.compactString('SubscribedTopicNames[]'),
  );
  const assignment = readAssignment(reader, 'Assignment');
  reader.taggedFields('Member');
  return { memberId, rackId, memberEpoch, clientId, clientHost, subscribedTopicNames, assignment };
}

function readGroup(reader: WireReader): DescribedShareGroup {
  const errorCode = reader.int16('ErrorCode');
  const errorMessage = reader.compactNullableString('ErrorMessage');
  const groupId = reader.compactString('GroupId');
  const groupState = reader.compactString('GroupState');
  const groupEpoch = reader.int32('GroupEpoch');
  const assignmentEpoch = reader.int32('AssignmentEpoch');
  const assignorName = reader.compactString('AssignorName');
  const members = reader.compactArray('Members', readMember);
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
export function decodeShareGroupDescribeResponse(body: Buffer, version: number): ShareGroupDescribeResponse {
  assertCodecVersion(shareGroupDescribeApi, version, 'response');
  const reader = new WireReader(body, `ShareGroupDescribe v${version} response`);
  const throttleTimeMs = reader.int32('ThrottleTimeMs');
  const groups = reader.compactArray('Groups', readGroup);
  reader.taggedFields('ShareGroupDescribeResponse');
  reader.end();
  return { throttleTimeMs, groups };
}
