import { type GroupDescription, type GroupListing, type GroupType } from '../protocol/cluster-state';
import { describeByType, type GroupDescribers } from './describe-by-type';
import { type CoordinatorAnswers } from './group-apis';
import { type DescribedConsumerGroup } from './kafka-protocol/consumer-group-describe';
import { type DescribedShareGroup } from './kafka-protocol/share-group-describe';
import { type DescribedStreamsGroup } from './kafka-protocol/streams-group-describe';

function listing(group: string, groupType: GroupType, state: string | null = 'Stable'): GroupListing {
  return { group, groupType, state, protocolType: groupType === 'share' ? 'share' : 'consumer' };
}

function consumerAnswer(groupId: string, errorCode = 0, groupState = 'Stable'): DescribedConsumerGroup {
  return {
    errorCode,
    errorMessage: errorCode === 0 ? null : 'nope',
    groupId,
    groupState,
    groupEpoch: 3,
    assignmentEpoch: 3,
    assignorName: 'uniform',
    members: [
      {
        memberId: 'm',
        instanceId: null,
        rackId: null,
        memberEpoch: 3,
        clientId: 'c',
        clientHost: '/h',
        subscribedTopicNames: ['in'],
        subscribedTopicRegex: null,
        assignment: [
          { topicId: 'id', topicName: 'in', partitions: [0] },
          { topicId: 'gone', topicName: '', partitions: [1] },
        ],
        targetAssignment: [{ topicId: 'id', topicName: 'in', partitions: [0, 1] }],
        memberType: 'consumer',
      },
    ],
    authorizedOperations: -2147483648,
  };
}

function shareAnswer(groupId: string, errorCode = 0): DescribedShareGroup {
  return {
    errorCode,
    errorMessage: null,
    groupId,
    groupState: 'Empty',
    groupEpoch: 1,
    assignmentEpoch: 1,
    assignorName: 'simple',
    members: [],
    authorizedOperations: -2147483648,
  };
}

function streamsAnswer(groupId: string, errorCode = 0): DescribedStreamsGroup {
  return {
    errorCode,
    errorMessage: null,
    groupId,
    groupState: 'NotReady',
    groupEpoch: 1,
    assignmentEpoch: 0,
    topology: { epoch: 0, subtopologies: null },
    members: [],
    authorizedOperations: -2147483648,
  };
}

function classicDescription(group: string, state = 'Stable'): GroupDescription {
  return { group, groupType: 'classic', state, kafkaState: state, protocolType: 'consumer', members: [] };
}

/** Describers answering from fixed tables, recording what was asked. */
function describers(options: {
  classic?: Record<string, string>;
  consumer?: Record<string, DescribedConsumerGroup>;
  share?: Record<string, DescribedShareGroup>;
  streams?: Record<string, DescribedStreamsGroup>;
  consumerUnsupported?: boolean;
  shareUnsupported?: boolean;
  streamsUnsupported?: boolean;
}): GroupDescribers & { asked: string[] } {
  const asked: string[] = [];
  const answer = <T>(
    api: string,
    table: Record<string, T>,
    unsupported: boolean | undefined,
    ids: readonly string[],
    missing: (id: string) => T,
  ): Promise<CoordinatorAnswers<T>> => {
    asked.push(`${api} ${ids.join(',')}`);
    return Promise.resolve(
      unsupported
        ? { described: [], unsupported: [...ids] }
        : { described: ids.map((id) => table[id] ?? missing(id)), unsupported: [] },
    );
  };
  return {
    asked,
    classic: (listings) => {
      asked.push(`classic ${listings.map((l) => l.group).join(',')}`);
      return Promise.resolve(
        listings.map((l) => classicDescription(l.group, options.classic?.[l.group] ?? 'Dead')),
      );
    },
    consumer: (ids) =>
      answer('consumer', options.consumer ?? {}, options.consumerUnsupported, ids, (id) =>
        consumerAnswer(id, 69),
      ),
    share: (ids) =>
      answer('share', options.share ?? {}, options.shareUnsupported, ids, (id) => shareAnswer(id, 69)),
    streams: (ids) =>
      answer('streams', options.streams ?? {}, options.streamsUnsupported, ids, (id) =>
        streamsAnswer(id, 69),
      ),
  };
}

describe('describeByType', () => {
  it('describes each group with its own API and keeps the listed order', async () => {
    const apis = describers({
      classic: { old: 'Stable' },
      consumer: { new: consumerAnswer('new', 0, 'Assigning') },
      share: { jobs: shareAnswer('jobs') },
      streams: { app: streamsAnswer('app') },
    });
    const groups = await describeByType(
      [
        listing('new', 'consumer'),
        listing('old', 'classic'),
        listing('jobs', 'share'),
        listing('app', 'streams', 'NotReady'),
      ],
      apis,
    );
    expect(groups).toEqual([
      {
        group: 'new',
        groupType: 'consumer',
        state: 'PreparingRebalance',
        kafkaState: 'Assigning',
        protocolType: 'consumer',
        // The current assignment, not the target; a topic without a name (deleted) is dropped.
        members: [
          { memberId: 'm', clientId: 'c', clientHost: '/h', assignment: [{ topic: 'in', partitions: [0] }] },
        ],
      },
      classicDescription('old'),
      {
        group: 'jobs',
        groupType: 'share',
        state: 'Empty',
        kafkaState: 'Empty',
        protocolType: 'share',
        members: [],
      },
      {
        group: 'app',
        groupType: 'streams',
        state: 'PreparingRebalance',
        kafkaState: 'NotReady',
        protocolType: 'streams',
        members: [],
      },
    ]);
    expect(apis.asked).toEqual(['consumer new', 'classic old', 'share jobs', 'streams app']);
  });

  it('follows a group that became a consumer group after it was listed as classic', async () => {
    const apis = describers({ consumer: { moving: consumerAnswer('moving') } });
    const [moving] = await describeByType([listing('moving', 'classic')], apis);
    expect(moving).toMatchObject({ group: 'moving', groupType: 'consumer', state: 'Stable' });
    expect(apis.asked).toEqual(['classic moving', 'consumer moving']);
  });

  it('follows a group that went back to classic after it was listed as a consumer group', async () => {
    const apis = describers({ classic: { back: 'Empty' } });
    const [back] = await describeByType([listing('back', 'consumer')], apis);
    expect(back).toEqual(classicDescription('back', 'Empty'));
    expect(apis.asked).toEqual(['consumer back', 'classic back']);
  });

  it('reports Dead a group neither API knows, asking each once', async () => {
    const apis = describers({});
    const groups = await describeByType([listing('gone', 'consumer'), listing('deleted', 'classic')], apis);
    expect(groups.map((group) => [group.group, group.groupType, group.state])).toEqual([
      ['gone', 'consumer', 'Dead'],
      ['deleted', 'classic', 'Dead'],
    ]);
    expect(apis.asked).toEqual(['consumer gone', 'classic deleted,gone', 'consumer deleted']);
  });

  it('takes the classic path where a coordinator lacks ConsumerGroupDescribe, and the listing where it lacks the share or streams API', async () => {
    const apis = describers({
      classic: { c: 'Stable' },
      consumerUnsupported: true,
      shareUnsupported: true,
      streamsUnsupported: true,
    });
    const groups = await describeByType(
      [listing('c', 'consumer'), listing('s', 'share', 'Stable'), listing('t', 'streams', 'Reconciling')],
      apis,
    );
    expect(groups).toEqual([
      classicDescription('c'),
      {
        group: 's',
        groupType: 'share',
        state: 'Stable',
        kafkaState: 'Stable',
        protocolType: 'share',
        members: [],
      },
      {
        group: 't',
        groupType: 'streams',
        state: 'CompletingRebalance',
        kafkaState: 'Reconciling',
        protocolType: 'consumer',
        members: [],
      },
    ]);
  });

  it('reports Dead the share and streams groups their coordinator does not know', async () => {
    const groups = await describeByType([listing('s', 'share'), listing('t', 'streams')], describers({}));
    expect(groups.map((group) => [group.group, group.state])).toEqual([
      ['s', 'Dead'],
      ['t', 'Dead'],
    ]);
  });

  it('rejects on other group errors, naming the group and the error', async () => {
    const apis = describers({ consumer: { locked: consumerAnswer('locked', 30) } });
    await expect(describeByType([listing('locked', 'consumer')], apis)).rejects.toThrow(
      'ConsumerGroupDescribe of group "locked" failed: GROUP_AUTHORIZATION_FAILED (30): nope',
    );
    const share = describers({ share: { busy: shareAnswer('busy', 14) } });
    await expect(describeByType([listing('busy', 'share')], share)).rejects.toThrow(
      'ShareGroupDescribe of group "busy" failed: COORDINATOR_LOAD_IN_PROGRESS (14)',
    );
  });

  it('leaves out groups of a type newer than the agent', async () => {
    const apis = describers({});
    expect(await describeByType([listing('future', 'unknown')], apis)).toEqual([]);
    expect(apis.asked).toEqual([]);
  });
});
