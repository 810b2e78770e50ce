import {
  decodeConsumerGroupDescribeResponse,
  encodeConsumerGroupDescribeRequest,
} from './consumer-group-describe';
import {
  compactArray,
  compactString,
  concat,
  hex,
  int16,
  int32,
  int8,
  noTags,
  oneTag,
  sampleUuid,
} from './fixtures/bytes';

function assignment(topics: [string, number[]][]): Buffer {
  return concat(
    compactArray(
      topics.map(([name, partitions]) =>
        concat(sampleUuid, compactString(name), compactArray(partitions.map(int32)), noTags),
      ),
    ),
    noTags,
  );
}

function member(version: number, memberType = 1): Buffer {
  return concat(
    compactString('m-1'), // MemberId
    compactString(null), // InstanceId
    compactString('rack-a'), // RackId
    int32(5), // MemberEpoch
    compactString('consumer-orders-1'), // ClientId
    compactString('/10.0.0.7'), // ClientHost
    compactArray([compactString('in')]), // SubscribedTopicNames
    compactString(null), // SubscribedTopicRegex
    assignment([['in', [0, 2]]]), // Assignment
    assignment([['in', [0, 1, 2]]]), // TargetAssignment
    version >= 1 ? int8(memberType) : Buffer.alloc(0), // MemberType (v1+)
    oneTag(9, hex('abcd')), // a tagged field this agent does not know
  );
}

function group(members: Buffer[]): Buffer {
  return concat(
    int16(0), // ErrorCode
    compactString(null), // ErrorMessage
    compactString('orders'), // GroupId
    compactString('Reconciling'), // GroupState
    int32(7), // GroupEpoch
    int32(6), // AssignmentEpoch
    compactString('uniform'), // AssignorName
    compactArray(members),
    int32(-2147483648), // AuthorizedOperations (not asked for)
    noTags,
  );
}

const expectedMember = {
  memberId: 'm-1',
  instanceId: null,
  rackId: 'rack-a',
  memberEpoch: 5,
  clientId: 'consumer-orders-1',
  clientHost: '/10.0.0.7',
  subscribedTopicNames: ['in'],
  subscribedTopicRegex: null,
  assignment: [{ topicId: 'AAECAwQFBgcICQoLDA0ODw', topicName: 'in', partitions: [0, 2] }],
  targetAssignment: [{ topicId: 'AAECAwQFBgcICQoLDA0ODw', topicName: 'in', partitions: [0, 1, 2] }],
};

describe('ConsumerGroupDescribe', () => {
  it('encodes the group ids and the authorized-operations flag (v0 and v1 are the same)', () => {
    const expected = hex(
      '03 03' + Buffer.from('g1').toString('hex') + '03' + Buffer.from('g2').toString('hex') + '00 00',
    );
    expect(
      encodeConsumerGroupDescribeRequest({ groupIds: ['g1', 'g2'], includeAuthorizedOperations: false }, 0),
    ).toEqual(expected);
    expect(
      encodeConsumerGroupDescribeRequest({ groupIds: ['g1', 'g2'], includeAuthorizedOperations: false }, 1),
    ).toEqual(expected);
  });

  it('decodes v1 groups with members, current and target assignments, member types and null strings', () => {
    const body = concat(int32(0), compactArray([group([member(1, 1), member(1, 0)])]), noTags);
    const { groups } = decodeConsumerGroupDescribeResponse(body, 1);
    expect(groups).toEqual([
      {
        errorCode: 0,
        errorMessage: null,
        groupId: 'orders',
        groupState: 'Reconciling',
        groupEpoch: 7,
        assignmentEpoch: 6,
        assignorName: 'uniform',
        members: [
          { ...expectedMember, memberType: 'consumer' },
          { ...expectedMember, memberType: 'classic' },
        ],
        authorizedOperations: -2147483648,
      },
    ]);
  });

  it('decodes v0, which has no member type', () => {
    const body = concat(int32(0), compactArray([group([member(0)])]), noTags);
    expect(decodeConsumerGroupDescribeResponse(body, 0).groups[0]?.members[0]?.memberType).toBe('unknown');
    // The same bytes read as v1 would take the member's tag count for its type and then run short.
    expect(() => decodeConsumerGroupDescribeResponse(body, 1)).toThrow(/^ConsumerGroupDescribe v1 response:/);
  });

  it('returns per-group error codes and messages', () => {
    const failed = concat(
      int16(69),
      compactString('Group nope not found.'),
      compactString('nope'),
      compactString(''),
      int32(-1),
      int32(-1),
      compactString(''),
      compactArray([]),
      int32(-2147483648),
      noTags,
    );
    const { groups } = decodeConsumerGroupDescribeResponse(
      concat(int32(0), compactArray([failed]), noTags),
      1,
    );
    expect(groups[0]).toMatchObject({ errorCode: 69, errorMessage: 'Group nope not found.', groupState: '' });
  });

  it('fails with the API name and field on truncated or garbage bytes', () => {
    const body = concat(int32(0), compactArray([group([member(1)])]), noTags);
    for (let length = 0; length < body.length; length++) {
      expect(() => decodeConsumerGroupDescribeResponse(body.subarray(0, length), 1)).toThrow(
        /^ConsumerGroupDescribe v1 response: /,
      );
    }
    expect(() => decodeConsumerGroupDescribeResponse(hex('00000000 7f'), 1)).toThrow(
      'ConsumerGroupDescribe v1 response: Groups claims 126 elements with only 0 bytes left',
    );
    expect(() => decodeConsumerGroupDescribeResponse(body, 2)).toThrow(
      'ConsumerGroupDescribe v2 response: the codec implements versions 0 to 1',
    );
  });
});
