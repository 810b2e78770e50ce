import {
  classicGroupState,
  groupTypeOf,
  isCollectedGroup,
  listingOf,
  shareOffsetsOf,
  streamsGroupDescription,
} from './group-mapping';
import { type StreamsTasks } from './kafka-protocol/streams-group-describe';

describe('group types and states', () => {
  it('reads Kafka type names, treating an untyped v5 answer as classic and new names as unknown', () => {
    expect(['classic', 'consumer', 'share', 'streams', 'Consumer', '', 'pool'].map(groupTypeOf)).toEqual([
      'classic',
      'consumer',
      'share',
      'streams',
      'consumer',
      'classic',
      'unknown',
    ]);
  });

  it('maps consumer and streams states onto the classic names, keeping known and unknown ones', () => {
    expect(
      ['Empty', 'Assigning', 'Reconciling', 'Stable', 'Dead'].map((state) =>
        classicGroupState('consumer', state),
      ),
    ).toEqual(['Empty', 'PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead']);
    expect(classicGroupState('streams', 'NotReady')).toBe('PreparingRebalance');
    expect(classicGroupState('classic', 'PreparingRebalance')).toBe('PreparingRebalance');
    expect(classicGroupState('share', 'Stable')).toBe('Stable');
    expect(classicGroupState('consumer', 'Hibernating')).toBe('Hibernating');
  });

  it('collects consumer-like groups of every type, and classic groups only with the consumer protocol', () => {
    const collected = (groupType: string, protocolType: string) =>
      isCollectedGroup(listingOf({ groupId: 'g', protocolType, groupState: 'Stable', groupType }));
    expect(collected('classic', 'consumer')).toBe(true);
    expect(collected('classic', '')).toBe(true);
    expect(collected('classic', 'connect')).toBe(false);
    expect(collected('consumer', 'consumer')).toBe(true);
    expect(collected('share', 'share')).toBe(true);
    expect(collected('streams', 'streams')).toBe(true);
    expect(collected('pool', 'pool')).toBe(false);
  });
});

describe('shareOffsetsOf', () => {
  it("turns Kafka's -1 into unknown and leaves out partitions answered with an error", () => {
    expect(
      shareOffsetsOf({
        groupId: 'jobs',
        errorCode: 0,
        errorMessage: null,
        topics: [
          {
            topicName: 'in',
            topicId: 'id',
            partitions: [
              {
                partitionIndex: 0,
                startOffset: 100,
                leaderEpoch: 0,
                lag: 40,
                errorCode: 0,
                errorMessage: null,
              },
              {
                partitionIndex: 1,
                startOffset: -1,
                leaderEpoch: 0,
                lag: -1,
                errorCode: 0,
                errorMessage: null,
              },
              {
                partitionIndex: 2,
                startOffset: 5,
                leaderEpoch: 0,
                lag: 0,
                errorCode: 3,
                errorMessage: 'gone',
              },
            ],
          },
        ],
      }),
    ).toEqual([
      { topic: 'in', partition: 0, startOffset: 100, lag: 40 },
      { topic: 'in', partition: 1, startOffset: null, lag: null },
    ]);
  });
});

describe('streamsGroupDescription', () => {
  const tasks = (active: StreamsTasks['activeTasks']): StreamsTasks => ({
    activeTasks: active,
    standbyTasks: [{ subtopologyId: '0', partitions: [5] }],
    warmupTasks: [],
  });
  const member = (memberId: string, active: StreamsTasks['activeTasks']) => ({
    memberId,
    memberEpoch: 4,
    instanceId: null,
    rackId: null,
    clientId: `${memberId}-client`,
    clientHost: '/10.0.0.3',
    topologyEpoch: 0,
    processId: 'p',
    assignment: tasks(active),
    targetAssignment: tasks([]),
    isClassic: false,
  });

  it("maps each member's active tasks onto the partitions of the topics their subtopology reads", () => {
    const description = streamsGroupDescription({
      errorCode: 0,
      errorMessage: null,
      groupId: 'wordcount',
      groupState: 'Stable',
      groupEpoch: 4,
      assignmentEpoch: 4,
      topology: {
        epoch: 0,
        subtopologies: [
          { subtopologyId: '0', sourceTopics: ['text'], repartitionSourceTopics: [] },
          { subtopologyId: '1', sourceTopics: [], repartitionSourceTopics: ['wordcount-counts-repartition'] },
        ],
      },
      members: [
        member('a', [
          { subtopologyId: '0', partitions: [2, 0] },
          { subtopologyId: '1', partitions: [0] },
        ]),
        member('b', [{ subtopologyId: '9', partitions: [1] }]),
      ],
      authorizedOperations: 0,
    });
    expect(description).toEqual({
      group: 'wordcount',
      groupType: 'streams',
      state: 'Stable',
      kafkaState: 'Stable',
      protocolType: 'streams',
      members: [
        {
          memberId: 'a',
          clientId: 'a-client',
          clientHost: '/10.0.0.3',
          // Standby tasks read no input; a task's partitions are those of each topic of its subtopology.
          assignment: [
            { topic: 'text', partitions: [0, 2] },
            { topic: 'wordcount-counts-repartition', partitions: [0] },
          ],
        },
        // A subtopology the topology does not (yet) list gives no partitions.
        { memberId: 'b', clientId: 'b-client', clientHost: '/10.0.0.3', assignment: [] },
      ],
    });
  });
});
