/**
 * Describing a list of groups with the API of each group's type, and the retries that keep
 * a group visible while it changes protocol. The APIs are passed in, so the logic is
 * tested without a broker.
 */
import { type GroupDescription, type GroupListing } from '../protocol/cluster-state';
import { type CoordinatorAnswers } from './group-apis';
import {
  consumerGroupDescription,
  deadGroup,
  groupError,
  listedOnlyDescription,
  shareGroupDescription,
  streamsGroupDescription,
} from './group-mapping';
import { KafkaErrorCode } from './kafka-protocol/api';
import { type DescribedConsumerGroup } from './kafka-protocol/consumer-group-describe';
import { type DescribedShareGroup } from './kafka-protocol/share-group-describe';
import { type DescribedStreamsGroup } from './kafka-protocol/streams-group-describe';

/** The describe APIs, each batched per coordinator by its implementation. */
export interface GroupDescribers {
  /** Classic DescribeGroups; a group it does not know as classic comes back with state Dead. */
  readonly classic: (groups: readonly GroupListing[]) => Promise<GroupDescription[]>;
  readonly consumer: (groupIds: readonly string[]) => Promise<CoordinatorAnswers<DescribedConsumerGroup>>;
  readonly share: (groupIds: readonly string[]) => Promise<CoordinatorAnswers<DescribedShareGroup>>;
  readonly streams: (groupIds: readonly string[]) => Promise<CoordinatorAnswers<DescribedStreamsGroup>>;
}

/**
 * Describes each group with the API of its listed type, in the order listed:
 * - consumer groups with ConsumerGroupDescribe; where the coordinator lacks it, classic;
 * - classic groups with DescribeGroups;
 * - share groups with ShareGroupDescribe, streams groups with StreamsGroupDescribe; where
 *   the coordinator lacks the API, from the listing (type and state, no members);
 * - groups of a type newer than the agent not at all (they are left out of the result).
 *
 * Classic and consumer groups convert into each other when their members switch protocol
 * (Kafka's upgrade and downgrade), possibly between ListGroups and the describe, so a group
 * one API does not know is asked once with the other before it is reported Dead. Group
 * errors other than "not found" reject: the cycle fails rather than report a partial view.
 */
export async function describeByType(
  groups: readonly GroupListing[],
  describers: GroupDescribers,
): Promise<GroupDescription[]> {
  const described = new Map<string, GroupDescription>();
  const ofType = (type: GroupListing['groupType']) => groups.filter((listing) => listing.groupType === type);

  const consumerUnknown = await describeConsumer(ofType('consumer'), describers, described);
  const askedBoth = new Set(consumerUnknown.map((listing) => listing.group));
  const classicDead = await describeClassic(
    [...ofType('classic'), ...consumerUnknown],
    describers,
    described,
  );
  const maybeConverted = classicDead.filter((listing) => !askedBoth.has(listing.group));
  const unknownToBoth = [
    ...classicDead.filter((listing) => askedBoth.has(listing.group)),
    ...(await describeConsumer(maybeConverted, describers, described)),
  ];
  for (const listing of unknownToBoth) described.set(listing.group, deadGroup(listing));
  await describeWith(
    'ShareGroupDescribe',
    ofType('share'),
    describers.share,
    shareGroupDescription,
    described,
  );
  await describeWith(
    'StreamsGroupDescribe',
    ofType('streams'),
    describers.streams,
    streamsGroupDescription,
    described,
  );

  return groups.flatMap((listing) => described.get(listing.group) ?? []);
}

/** Consumer groups into `into`; returns those the coordinator does not know as one (or cannot describe). */
async function describeConsumer(
  listings: readonly GroupListing[],
  describers: GroupDescribers,
  into: Map<string, GroupDescription>,
): Promise<GroupListing[]> {
  if (listings.length === 0) return [];
  const byName = new Map(listings.map((listing) => [listing.group, listing]));
  const answers = await describers.consumer([...byName.keys()]);
  const unknown = answers.unsupported.flatMap((group) => byName.get(group) ?? []);
  for (const answer of answers.described) {
    const listing = byName.get(answer.groupId);
    if (!listing) continue;
    if (answer.errorCode === KafkaErrorCode.groupIdNotFound) {
      unknown.push(listing);
      continue;
    }
    const error = groupError('ConsumerGroupDescribe', answer.groupId, answer.errorCode, answer.errorMessage);
    if (error) throw error;
    into.set(answer.groupId, consumerGroupDescription(answer));
  }
  return unknown;
}

/** Classic groups into `into`; returns those DescribeGroups answered Dead for. */
async function describeClassic(
  listings: readonly GroupListing[],
  describers: GroupDescribers,
  into: Map<string, GroupDescription>,
): Promise<GroupListing[]> {
  if (listings.length === 0) return [];
  const byName = new Map(listings.map((listing) => [listing.group, listing]));
  const dead: GroupListing[] = [];
  for (const description of await describers.classic(listings)) {
    const listing = byName.get(description.group);
    if (!listing) continue;
    if (description.state === 'Dead') dead.push(listing);
    else into.set(description.group, description);
  }
  return dead;
}

/**
 * Groups of a type without a classic counterpart into `into`: one the coordinator does not
 * know is Dead; without the API (Kafka 4.0's early-access share groups, brokers before
 * streams groups) the listing's type and state remain.
 */
async function describeWith<
  T extends { readonly groupId: string; readonly errorCode: number; readonly errorMessage: string | null },
>(
  api: string,
  listings: readonly GroupListing[],
  describe: (groupIds: readonly string[]) => Promise<CoordinatorAnswers<T>>,
  toDescription: (answer: T) => GroupDescription,
  into: Map<string, GroupDescription>,
): Promise<void> {
  if (listings.length === 0) return;
  const byName = new Map(listings.map((listing) => [listing.group, listing]));
  const answers = await describe([...byName.keys()]);
  for (const group of answers.unsupported) {
    const listing = byName.get(group);
    if (listing) into.set(group, listedOnlyDescription(listing));
  }
  for (const answer of answers.described) {
    const listing = byName.get(answer.groupId);
    if (!listing) continue;
    if (answer.errorCode === KafkaErrorCode.groupIdNotFound) {
      into.set(answer.groupId, deadGroup(listing));
      continue;
    }
    const error = groupError(api, answer.groupId, answer.errorCode, answer.errorMessage);
    if (error) throw error;
    into.set(answer.groupId, toDescription(answer));
  }
}
