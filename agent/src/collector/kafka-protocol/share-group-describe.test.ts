import {
  compactArray,
  compactString,
  concat,
  hex,
  int16,
  int32,
  noTags,
  oneTag,
  sampleUuid,
} from './fixtures/bytes';
import { decodeShareGroupDescribeResponse, encodeShareGroupDescribeRequest } from './share-group-describe';

const shareMember = concat(
  compactString('s-1'), // MemberId
  compactString(null), // RackId
  int32(3), // MemberEpoch
  compactString('share-worker'), // ClientId
  compactString('/10.0.0.8'), // ClientHost
  compactArray([compactString('jobs')]), // SubscribedTopicNames
  concat(compactArray([concat(sampleUuid, compactString('jobs'), compactArray([int32(0)]), noTags)]), noTags),
  noTags,
);

function shareGroup(errorCode: number, errorMessage: string | null, members: Buffer[]): Buffer {
  return concat(
    int16(errorCode),
    compactString(errorMessage),
    compactString('workers'),
    compactString(errorCode === 0 ? 'Stable' : ''),
    int32(4),
    int32(4),
    compactString('simple'),
    compactArray(members),
    int32(-2147483648),
    oneTag(1, hex('00')),
  );
}

describe('ShareGroupDescribe v1', () => {
  it('encodes the group ids and the authorized-operations flag', () => {
    expect(
      encodeShareGroupDescribeRequest({ groupIds: ['workers'], includeAuthorizedOperations: true }, 1),
    ).toEqual(hex('02 08' + Buffer.from('workers').toString('hex') + '01 00'));
    expect(() =>
      encodeShareGroupDescribeRequest({ groupIds: [], includeAuthorizedOperations: false }, 0),
    ).toThrow('ShareGroupDescribe v0 request: the codec implements versions 1 to 1');
  });

  it('decodes state, members and assignments, and group errors', () => {
    const body = concat(
      int32(0),
      compactArray([shareGroup(0, null, [shareMember]), shareGroup(30, 'not authorized', [])]),
      noTags,
    );
    expect(decodeShareGroupDescribeResponse(body, 1).groups).toEqual([
      {
        errorCode: 0,
        errorMessage: null,
        groupId: 'workers',
        groupState: 'Stable',
        groupEpoch: 4,
        assignmentEpoch: 4,
        assignorName: 'simple',
        members: [
          {
            memberId: 's-1',
            rackId: null,
            memberEpoch: 3,
            clientId: 'share-worker',
            clientHost: '/10.0.0.8',
            subscribedTopicNames: ['jobs'],
            assignment: [{ topicId: 'AAECAwQFBgcICQoLDA0ODw', topicName: 'jobs', partitions: [0] }],
          },
        ],
        authorizedOperations: -2147483648,
      },
      expect.objectContaining({ errorCode: 30, errorMessage: 'not authorized', members: [] }),
    ]);
  });

  it('fails with the API name on every truncation and on trailing garbage', () => {
    const body = concat(int32(0), compactArray([shareGroup(0, null, [shareMember])]), noTags);
    for (let length = 0; length < body.length; length++) {
      expect(() => decodeShareGroupDescribeResponse(body.subarray(0, length), 1)).toThrow(
        /^ShareGroupDescribe v1 response: /,
      );
    }
    expect(() => decodeShareGroupDescribeResponse(concat(body, hex('0000')), 1)).toThrow(
      'ShareGroupDescribe v1 response: 2 unexpected bytes after the end of the response',
    );
  });
});
