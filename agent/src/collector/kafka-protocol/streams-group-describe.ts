/**
 * StreamsGroupDescribe (API key 89) v0: groups of the streams rebalance protocol
 * (KIP-1071). Members own tasks (a subtopology and partition numbers), not partitions;
 * the topology says which topics each subtopology reads. v1 only adds the topology
 * description and the assignor name, which the agent does not need.
 */
import { assertCodecVersion, type KafkaApi } from './api';
import { encodeGroupDescribeRequest, type GroupDescribeRequest } from './group-describe-request';
import { WireReader } from './wire';

export const streamsGroupDescribeApi: KafkaApi = {
  key: 89,
  name: 'StreamsGroupDescribe',
  minVersion: 0,
  maxVersion: 0,
};

export type StreamsGroupDescribeRequest = GroupDescribeRequest;

/** A subtopology and the topics it reads: user source topics and internal repartition topics. */
export interface StreamsSubtopology {
  readonly subtopologyId: string;
  readonly sourceTopics: readonly string[];
  readonly repartitionSourceTopics: readonly string[];
}

/** Tasks of one subtopology: the partition numbers of its input topics. */
export interface StreamsTaskIds {
  readonly subtopologyId: string;
  readonly partitions: readonly number[];
}

export interface StreamsTasks {
  readonly activeTasks: readonly StreamsTaskIds[];
  readonly standbyTasks: readonly StreamsTaskIds[];
  readonly warmupTasks: readonly StreamsTaskIds[];
}

export interface StreamsGroupMemberDescription {
  readonly memberId: string;
  readonly memberEpoch: number;
  readonly instanceId: string | null;
  readonly rackId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  readonly topologyEpoch: number;
  readonly processId: string;
  readonly assignment: StreamsTasks;
  readonly targetAssignment: StreamsTasks;
  /** True for a classic member not upgraded yet. */
  readonly isClassic: boolean;
}

export interface DescribedStreamsGroup {
  readonly errorCode: number;
  readonly errorMessage: string | null;
  readonly groupId: string;
  /** Empty, NotReady, Assigning, Reconciling, Stable or Dead; empty on error. */
  readonly groupState: string;
  readonly groupEpoch: number;
  readonly assignmentEpoch: number;
  /** Null on error; null subtopologies while the group is not initialised. */
  readonly topology: {
    readonly epoch: number;
    readonly subtopologies: readonly StreamsSubtopology[] | null;
  } | null;
  readonly members: readonly StreamsGroupMemberDescription[];
  readonly authorizedOperations: number;
}

export interface StreamsGroupDescribeResponse {
  readonly throttleTimeMs: number;
  readonly groups: readonly DescribedStreamsGroup[];
}

/** The request body (without the request header's tagged fields). */
export function encodeStreamsGroupDescribeRequest(
  request: StreamsGroupDescribeRequest,
  version: number,
): Buffer {
  return encodeGroupDescribeRequest(streamsGroupDescribeApi, request, version);
}

function readStrings(reader: WireReader, field: string): string[] {
  return reader.compactArray(field, (item) => item.compactString(`${field}[]`));
}

function skipKeyValues(reader: WireReader, field: string): void {
  reader.compactArray(field, (item) => {
    item.compactString('Key');
    item.compactString('Value');
    item.taggedFields('KeyValue');
  });
}

/** TopicInfo: only the name matters here. */
function readTopicInfoName(reader: WireReader): string {
  const name = reader.compactString('TopicInfo.Name');
  reader.int32('TopicInfo.Partitions');
  reader.int16('TopicInfo.ReplicationFactor');
  skipKeyValues(reader, 'TopicInfo.TopicConfigs');
  reader.taggedFields('TopicInfo');
  return name;
}

function readSubtopology(reader: WireReader): StreamsSubtopology {
  const subtopologyId = reader.compactString('SubtopologyId');
  const sourceTopics = readStrings(reader, 'SourceTopics');
  readStrings(reader, 'RepartitionSinkTopics');
  reader.compactArray('StateChangelogTopics', readTopicInfoName);
  const repartitionSourceTopics = reader.compactArray('RepartitionSourceTopics', readTopicInfoName);
  reader.taggedFields('Subtopology');
  return { subtopologyId, sourceTopics, repartitionSourceTopics };
}

function readTaskIds(reader: WireReader, field: string): StreamsTaskIds[] {
  return reader.compactArray(field, (item) => {
    const subtopologyId = item.compactString(`${field}.SubtopologyId`);
    const partitions = item.compactArray(`${field}.Partitions`, (partition) =>
      partition.int32('Partitions[]'),
    );
    item.taggedFields('TaskIds');
    return { subtopologyId, partitions };
  });
}

function readTasks(reader: WireReader, field: string): StreamsTasks {
  const activeTasks = readTaskIds(reader, `${field}.ActiveTasks`);
  const standbyTasks = readTaskIds(reader, `${field}.StandbyTasks`);
  const warmupTasks = readTaskIds(reader, `${field}.WarmupTasks`);
  reader.taggedFields(field);
  return { activeTasks, standbyTasks, warmupTasks };
}

function skipTaskOffsets(reader: WireReader, field: string): void {
  reader.compactArray(field, (item) => {
    item.compactString('TaskOffset.SubtopologyId');
    item.int32('TaskOffset.Partition');
    item.int64('TaskOffset.Offset');
    item.taggedFields('TaskOffset');
  });
}

function readMember(reader: WireReader): StreamsGroupMemberDescription {
  const memberId = reader.compactString('MemberId');
  const memberEpoch = reader.int32('MemberEpoch');
  const instanceId = reader.compactNullableString('InstanceId');
  const rackId = reader.compactNullableString('RackId');
  const clientId = reader.compactString('ClientId');
  const clientHost = reader.compactString('ClientHost');
  const topologyEpoch = reader.int32('TopologyEpoch');
  const processId = reader.compactString('ProcessId');
  reader.nullableStruct('UserEndpoint', (endpoint) => {
    endpoint.compactString('UserEndpoint.Host');
    endpoint.uint16('UserEndpoint.Port');
    endpoint.taggedFields('Endpoint');
  });
  skipKeyValues(reader, 'ClientTags');
  skipTaskOffsets(reader, 'TaskOffsets');
  skipTaskOffsets(reader, 'TaskEndOffsets');
  const assignment = readTasks(reader, 'Assignment');
  const targetAssignment = readTasks(reader, 'TargetAssignment');
  const isClassic = reader.bool('IsClassic');
  reader.taggedFields('Member');
  return {
    memberId,
    memberEpoch,
    instanceId,
    rackId,
    clientId,
    clientHost,
    topologyEpoch,
    processId,
    assignment,
    targetAssignment,
    isClassic,
  };
}

function readGroup(reader: WireReader): DescribedStreamsGroup {
  const errorCode = reader.int16('ErrorCode');
  const errorMessage = reader.compactNullableString('ErrorMessage');
  const groupId = reader.compactString('GroupId');
  const groupState = reader.compactString('GroupState');
  const groupEpoch = reader.int32('GroupEpoch');
  const assignmentEpoch = reader.int32('AssignmentEpoch');
  const topology = reader.nullableStruct('Topology', (struct) => {
    const epoch = struct.int32('Topology.Epoch');
    const subtopologies = struct.compactNullableArray('Subtopologies', readSubtopology);
    struct.taggedFields('Topology');
    return { epoch, subtopologies };
  });
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
    topology,
    members,
    authorizedOperations,
  };
}

/** Decodes the response body (after the response header). */
export function decodeStreamsGroupDescribeResponse(
  body: Buffer,
  version: number,
): StreamsGroupDescribeResponse {
  assertCodecVersion(streamsGroupDescribeApi, version, 'response');
  const reader = new WireReader(body, `StreamsGroupDescribe v${version} response`);
  const throttleTimeMs = reader.int32('ThrottleTimeMs');
  const groups = reader.compactArray('Groups', readGroup);
  reader.taggedFields('StreamsGroupDescribeResponse');
  reader.end();
  return { throttleTimeMs, groups };
}
