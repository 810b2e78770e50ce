import {
  compactArray,
  compactString,
  concat,
  hex,
  int16,
  int32,
  int64,
  int8,
  noTags,
  oneTag,
} from './fixtures/bytes';
import {
  decodeStreamsGroupDescribeResponse,
  encodeStreamsGroupDescribeRequest,
} from './streams-group-describe';

const keyValue = concat(compactString('segment.ms'), compactString('1000'), noTags);
const topicInfo = (name: string) =>
  concat(compactString(name), int32(0), int16(0), compactArray([keyValue]), noTags);
const taskIds = (subtopologyId: string, partitions: number[]) =>
  concat(compactString(subtopologyId), compactArray(partitions.map(int32)), noTags);
const tasks = (active: Buffer[], standby: Buffer[] = []) =>
  concat(compactArray(active), compactArray(standby), compactArray([]), noTags);

const topology = concat(
  int8(1), // present
  int32(2), // Epoch
  compactArray([
    concat(
      compactString('0'),
      compactArray([compactString('text')]), // SourceTopics
      compactArray([compactString('app-counts-repartition')]), // RepartitionSinkTopics
      compactArray([topicInfo('app-store-changelog')]), // StateChangelogTopics
      compactArray([]), // RepartitionSourceTopics
      noTags,
    ),
    concat(
      compactString('1'),
      compactArray([]),
      compactArray([]),
      compactArray([]),
      compactArray([topicInfo('app-counts-repartition')]),
      noTags,
    ),
  ]),
  noTags,
);

const streamsMember = concat(
  compactString('w-1'), // MemberId
  int32(9), // MemberEpoch
  compactString(null), // InstanceId
  compactString(null), // RackId
  compactString('app-client'), // ClientId
  compactString('/10.0.0.5'), // ClientHost
  int32(2), // TopologyEpoch
  compactString('process-1'), // ProcessId
  concat(int8(1), compactString('host-a'), hex('1f90'), noTags), // UserEndpoint host-a:8080
  compactArray([keyValue]), // ClientTags
  compactArray([concat(compactString('0'), int32(0), int64(12), noTags)]), // TaskOffsets
  compactArray([]), // TaskEndOffsets
  tasks([taskIds('0', [0, 1]), taskIds('1', [0])], [taskIds('0', [2])]), // Assignment
  tasks([]), // TargetAssignment
  int8(0), // IsClassic
  oneTag(4, hex('00')),
);

function group(topologyBytes: Buffer, members: Buffer[]): Buffer {
  return concat(
    int16(0),
    compactString(null),
    compactString('app'),
    compactString('Stable'),
    int32(9),
    int32(9),
    topologyBytes,
    compactArray(members),
    int32(-2147483648),
    noTags,
  );
}

describe('StreamsGroupDescribe v0', () => {
  it('encodes the group ids and the authorized-operations flag', () => {
    expect(
      encodeStreamsGroupDescribeRequest({ groupIds: ['app'], includeAuthorizedOperations: false }, 0),
    ).toEqual(hex('02 04' + Buffer.from('app').toString('hex') + '00 00'));
    expect(() =>
      encodeStreamsGroupDescribeRequest({ groupIds: [], includeAuthorizedOperations: false }, 1),
    ).toThrow('StreamsGroupDescribe v1 request: the codec implements versions 0 to 0');
  });

  it('decodes the topology, members with endpoints, task offsets and task assignments', () => {
    const [described] = decodeStreamsGroupDescribeResponse(
      concat(int32(0), compactArray([group(topology, [streamsMember])]), noTags),
      0,
    ).groups;
    expect(described?.topology).toEqual({
      epoch: 2,
      subtopologies: [
        { subtopologyId: '0', sourceTopics: ['text'], repartitionSourceTopics: [] },
        { subtopologyId: '1', sourceTopics: [], repartitionSourceTopics: ['app-counts-repartition'] },
      ],
    });
    expect(described?.members).toEqual([
      {
        memberId: 'w-1',
        memberEpoch: 9,
        instanceId: null,
        rackId: null,
        clientId: 'app-client',
        clientHost: '/10.0.0.5',
        topologyEpoch: 2,
        processId: 'process-1',
        assignment: {
          activeTasks: [
            { subtopologyId: '0', partitions: [0, 1] },
            { subtopologyId: '1', partitions: [0] },
          ],
          standbyTasks: [{ subtopologyId: '0', partitions: [2] }],
          warmupTasks: [],
        },
        targetAssignment: { activeTasks: [], standbyTasks: [], warmupTasks: [] },
        isClassic: false,
      },
    ]);
  });

  it('reads a null topology (a describe error) and null subtopologies (not initialised)', () => {
    const nullTopology = decodeStreamsGroupDescribeResponse(
      concat(int32(0), compactArray([group(int8(-1), [])]), noTags),
      0,
    );
    expect(nullTopology.groups[0]?.topology).toBeNull();
    const uninitialised = decodeStreamsGroupDescribeResponse(
      concat(
        int32(0),
        compactArray([group(concat(int8(1), int32(0), compactArray(null), noTags), [])]),
        noTags,
      ),
      0,
    );
    expect(uninitialised.groups[0]?.topology).toEqual({ epoch: 0, subtopologies: null });
  });

  it('fails with the API name on every truncation', () => {
    const body = concat(int32(0), compactArray([group(topology, [streamsMember])]), noTags);
    for (let length = 0; length < body.length; length++) {
      expect(() => decodeStreamsGroupDescribeResponse(body.subarray(0, length), 0)).toThrow(
        /^StreamsGroupDescribe v0 response: /,
      );
    }
  });
});
