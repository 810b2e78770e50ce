/**
 * ListGroups (API key 16) v5, the first version that reports each group's type (KIP-848).
 * Older versions know only classic groups, for which kafkajs's own ListGroups suffices.
 */
import { assertCodecVersion, type KafkaApi } from './api';
import { WireReader, WireWriter } from './wire';

export const listGroupsApi: KafkaApi = { key: 16, name: 'ListGroups', minVersion: 5, maxVersion: 5 };

/** Empty filters list every group. */
export interface ListGroupsRequest {
  /** Group states to list, in Kafka's spelling (`Stable`, `Empty`, ...). */
  readonly statesFilter: readonly string[];
  /** Group types to list: `classic`, `consumer`, `share`, `streams`. */
  readonly typesFilter: readonly string[];
}

/** One group as a broker lists it. */
export interface ListedGroup {
  readonly groupId: string;
  readonly protocolType: string;
  readonly groupState: string;
  readonly groupType: string;
}

export interface ListGroupsResponse {
  readonly throttleTimeMs: number;
  readonly errorCode: number;
  readonly groups: readonly ListedGroup[];
}

/** The request body (without the request header's tagged fields). */
export function encodeListGroupsRequest(request: ListGroupsRequest, version: number): Buffer {
  assertCodecVersion(listGroupsApi, version, 'request');
  return new WireWriter()
    .compactArray(request.statesFilter, (writer, state) => writer.compactString(state))
    .compactArray(request.typesFilter, (writer, type) => writer.compactString(type))
    .emptyTaggedFields()
    .bytes();
}

/** Decodes the response body (after the response header). */
export function decodeListGroupsResponse(body: Buffer, version: number): ListGroupsResponse {
  assertCodecVersion(listGroupsApi, version, 'response');
  const reader = new WireReader(body, `ListGroups v${version} response`);
  const throttleTimeMs = reader.int32('ThrottleTimeMs');
  const errorCode = reader.int16('ErrorCode');
  const groups = reader.compactArray('Groups', (group) => {
    const listed: ListedGroup = {
      groupId: group.compactString('GroupId'),
      protocolType: group.compactString('ProtocolType'),
      groupState: group.compactString('GroupState'),
      groupType: group.compactString('GroupType'),
    };
    group.taggedFields('ListedGroup');
    return listed;
  });
  reader.taggedFields('ListGroupsResponse');
  reader.end();
  return { throttleTimeMs, errorCode, groups };
}
