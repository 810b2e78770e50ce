/**
 * Pure mapping of Kafka's group API answers onto the collector's model: group types,
 * states in one vocabulary, members and share-partition offsets.
 */
import {
  type GroupDescription,
  type GroupListing,
  type GroupMember,
  type GroupType,
  type SharePartitionOffset,
  type TopicAssignment,
} from '../protocol/cluster-state';
import { describeErrorCode, KafkaErrorCode } from './kafka-protocol/api';
import { type DescribedConsumerGroup } from './kafka-protocol/consumer-group-describe';
import { type ShareGroupOffsetsGroup } from './kafka-protocol/describe-share-group-offsets';
import { type ListedGroup } from './kafka-protocol/list-groups';
import { type DescribedShareGroup } from './kafka-protocol/share-group-describe';
import { type DescribedStreamsGroup } from './kafka-protocol/streams-group-describe';
import { type TopicPartitions } from './kafka-protocol/topic-partitions';

const groupTypes: ReadonlySet<string> = new Set(['classic', 'consumer', 'share', 'streams']);

/**
 * Kafka's group type name (ListGroups v5 sends lower case), or `unknown` for a type newer
 * than the agent. An empty type comes only from a broker that knows no other type than classic.
 */
export function groupTypeOf(name: string): GroupType {
  if (name === '') return 'classic';
  const lower = name.toLowerCase();
  return groupTypes.has(lower) ? (lower as GroupType) : 'unknown';
}

// States of the consumer (KIP-848) and streams (KIP-1071) protocols that have no classic
// name, mapped onto the classic phase that means the same to someone reading lag:
// Assigning (the coordinator computes a new target assignment) is the start of a
// rebalance; Reconciling (members revoke and take partitions to reach it) is its
// completion; NotReady (a streams group waiting for its topics) cannot consume yet, like
// a group preparing a rebalance. Empty, Stable and Dead mean the same in every protocol.
const classicStates: Readonly<Record<string, string>> = {
  Assigning: 'PreparingRebalance',
  Reconciling: 'CompletingRebalance',
  NotReady: 'PreparingRebalance',
};

/**
 * A state in the classic vocabulary (Stable, Empty, PreparingRebalance,
 * CompletingRebalance, Dead), so dashboards and alerts read one set of names for every
 * group type. Classic and share states pass through unchanged, as does any state unknown
 * to the agent; the exact state is kept beside it.
 */
export function classicGroupState(groupType: GroupType, kafkaState: string): string {
  if (groupType === 'consumer' || groupType === 'streams') return classicStates[kafkaState] ?? kafkaState;
  return kafkaState;
}

/** A group from ListGroups v5. */
export function listingOf(listed: ListedGroup): GroupListing {
  return {
    group: listed.groupId,
    protocolType: listed.protocolType,
    groupType: groupTypeOf(listed.groupType),
    state: listed.groupState,
  };
}

/**
 * Whether a listed group is collected. Classic groups only with the consumer protocol type
 * (or none: a group that only commits offsets), because only those have committed offsets
 * and a decodable assignment (Connect and custom protocols are skipped); consumer, share
 * and streams groups always; types newer than the agent never, since their meaning is unknown.
 */
export function isCollectedGroup(listing: GroupListing): boolean {
  switch (listing.groupType) {
    case 'classic':
      return listing.protocolType === 'consumer' || listing.protocolType === '';
    case 'consumer':
    case 'share':
    case 'streams':
      return true;
    case 'unknown':
      return false;
  }
}

function assignmentOf(topics: readonly TopicPartitions[]): TopicAssignment[] {
  // A topic deleted since the assignment has no name left; it has nothing to measure either.
  return topics
    .filter((topic) => topic.topicName !== '')
    .map((topic) => ({ topic: topic.topicName, partitions: [...topic.partitions] }));
}

/** The error a group-level error code means, or null for none; GROUP_ID_NOT_FOUND is the caller's to handle. */
export function groupError(
  api: string,
  groupId: string,
  errorCode: number,
  errorMessage: string | null,
): Error | null {
  if (errorCode === KafkaErrorCode.none) return null;
  const detail = errorMessage ? `: ${errorMessage}` : '';
  return new Error(
    `${api} of group ${JSON.stringify(groupId)} failed: ${describeErrorCode(errorCode)}${detail}`,
  );
}

/** A group the coordinator does not know (any more): Dead, as classic DescribeGroups reports it. */
export function deadGroup(listing: GroupListing): GroupDescription {
  return {
    group: listing.group,
    groupType: listing.groupType,
    state: 'Dead',
    kafkaState: 'Dead',
    protocolType: listing.protocolType,
    members: [],
  };
}

/** A consumer-protocol group from ConsumerGroupDescribe (without a group error). */
export function consumerGroupDescription(described: DescribedConsumerGroup): GroupDescription {
  return {
    group: described.groupId,
    groupType: 'consumer',
    state: classicGroupState('consumer', described.groupState),
    kafkaState: described.groupState,
    protocolType: 'consumer',
    members: described.members.map((member): GroupMember => ({
      memberId: member.memberId,
      clientId: member.clientId,
      clientHost: member.clientHost,
      assignment: assignmentOf(member.assignment),
    })),
  };
}

/** A share group from ShareGroupDescribe (without a group error). */
export function shareGroupDescription(described: DescribedShareGroup): GroupDescription {
  return {
    group: described.groupId,
    groupType: 'share',
    state: classicGroupState('share', described.groupState),
    kafkaState: described.groupState,
    protocolType: 'share',
    members: described.members.map((member): GroupMember => ({
      memberId: member.memberId,
      clientId: member.clientId,
      clientHost: member.clientHost,
      assignment: assignmentOf(member.assignment),
    })),
  };
}

/**
 * A streams group from StreamsGroupDescribe (without a group error). A member's partitions
 * are those of its active tasks on the topics their subtopology reads (source and
 * repartition topics); standby and warm-up tasks restore state and read no input. Before
 * the topology is initialised the assignment is unknown and left empty.
 */
export function streamsGroupDescription(described: DescribedStreamsGroup): GroupDescription {
  const topicsOf = new Map<string, readonly string[]>();
  for (const subtopology of described.topology?.subtopologies ?? []) {
    topicsOf.set(subtopology.subtopologyId, [
      ...subtopology.sourceTopics,
      ...subtopology.repartitionSourceTopics,
    ]);
  }
  return {
    group: described.groupId,
    groupType: 'streams',
    state: classicGroupState('streams', described.groupState),
    kafkaState: described.groupState,
    protocolType: 'streams',
    members: described.members.map((member): GroupMember => {
      const partitionsByTopic = new Map<string, Set<number>>();
      for (const task of member.assignment.activeTasks) {
        for (const topic of topicsOf.get(task.subtopologyId) ?? []) {
          const partitions = partitionsByTopic.get(topic) ?? new Set<number>();
          for (const partition of task.partitions) partitions.add(partition);
          partitionsByTopic.set(topic, partitions);
        }
      }
      return {
        memberId: member.memberId,
        clientId: member.clientId,
        clientHost: member.clientHost,
        assignment: [...partitionsByTopic].map(([topic, partitions]) => ({
          topic,
          partitions: [...partitions].sort((a, b) => a - b),
        })),
      };
    }),
  };
}

/**
 * A listed group described from its listing alone, when its coordinator lacks the
 * describe API of its type: the listed state, no members.
 */
export function listedOnlyDescription(listing: GroupListing): GroupDescription {
  const kafkaState = listing.state ?? 'Unknown';
  return {
    group: listing.group,
    groupType: listing.groupType,
    state: classicGroupState(listing.groupType, kafkaState),
    kafkaState,
    protocolType: listing.protocolType,
    members: [],
  };
}

/**
 * Share-partition offsets of one group. Negative start offsets and lags are Kafka's
 * "unknown"; partitions answered with an error (a topic deleted meanwhile) are left out.
 */
export function shareOffsetsOf(group: ShareGroupOffsetsGroup): SharePartitionOffset[] {
  const offsets: SharePartitionOffset[] = [];
  for (const topic of group.topics) {
    for (const partition of topic.partitions) {
      if (partition.errorCode !== KafkaErrorCode.none) continue;
      offsets.push({
        topic: topic.topicName,
        partition: partition.partitionIndex,
        startOffset: partition.startOffset < 0 ? null : partition.startOffset,
        lag: partition.lag < 0 ? null : partition.lag,
      });
    }
  }
  return offsets;
}
