/**
 * The request body that ConsumerGroupDescribe, ShareGroupDescribe and StreamsGroupDescribe share: the same
 * fields, in the same flexible layout, in every version the agent sends.
 */
import { assertCodecVersion, type KafkaApi } from './api';
import { WireWriter } from './wire';

export interface GroupDescribeRequest {
  readonly groupIds: readonly string[];
  readonly includeAuthorizedOperations: boolean;
}

/** The request body of `api` (without the request header's tagged fields). */
export function encodeGroupDescribeRequest(
  api: KafkaApi,
  request: GroupDescribeRequest,
  version: number,
): Buffer {
  assertCodecVersion(api, version, 'request');
  return new WireWriter()
    .compactArray(request.groupIds, (writer, groupId) => writer.compactString(groupId))
    .bool(request.includeAuthorizedOperations)
    .emptyTaggedFields()
    .bytes();
}
