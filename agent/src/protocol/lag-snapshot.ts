/** The evaluated lag view of a cluster: what the JSON API returns and the metrics render. */

import { type GroupStatus, type PartitionStatus, type ThresholdStatus } from '../evaluator/status-codes';
import { type GroupType } from './cluster-state';

/** Why a status was given: the rule, the partitions it fired on, and a sentence for people. */
export interface StatusReason {
  readonly rule: string;
  readonly message: string;
  readonly partitions: readonly { readonly topic: string; readonly partition: number }[];
}

/** One group's view of one partition. */
export interface PartitionLagView {
  readonly topic: string;
  readonly partition: number;
  /** Null when the group never committed on this partition. */
  readonly committedOffset: number | null;
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  /** Null when there is no commit. */
  readonly lagMessages: number | null;
  /** Records deleted by retention before the group read them (0 normally). */
  readonly lostMessages: number;
  /** Null when it cannot be estimated (no commit, no history yet). */
  readonly lagSeconds: number | null;
  /** How lagSeconds was obtained (record timestamp, interpolation, ...). */
  readonly lagSecondsMethod: string;
  readonly status: PartitionStatus;
  /** Member that owns the partition now, if any. */
  readonly memberId: string | null;
}

/** One group's view of one topic, rolled up from its partitions. */
export interface TopicLagView {
  readonly topic: string;
  readonly lagMessages: number;
  readonly lagSeconds: number | null;
  /** Messages per second; positive while lag grows. Null until two cycles were seen. */
  readonly lagVelocity: number | null;
  /** Seconds; +Infinity when not draining; null until rates are known. */
  readonly timeToDrainSeconds: number | null;
  /** 0..1: lag over records held; 1 means unread records are next to be deleted. */
  readonly retentionRisk: number;
}

/** A member of a group; member details never go on lag series. */
export interface MemberView {
  readonly memberId: string;
  readonly clientId: string;
  readonly host: string;
  readonly assignedPartitions: number;
}

/**
 * The evaluated state of one group whose lag is measured from committed offsets: classic
 * and consumer-protocol groups alike, and streams groups.
 */
export interface GroupLagView {
  readonly group: string;
  readonly groupType: GroupType;
  /** Stable, Empty, PreparingRebalance, CompletingRebalance (the classic names, for every type). */
  readonly state: string;
  /** The state as Kafka reported it for the group's type (for consumer groups Assigning or Reconciling too). */
  readonly kafkaState: string;
  readonly protocolType: string;
  readonly members: readonly MemberView[];
  readonly lagMessages: number;
  readonly lagSeconds: number | null;
  readonly status: GroupStatus;
  readonly statusReasons: readonly StatusReason[];
  /**
   * The partition with the largest current lag (Burrow's `maxlag`; ties to the lowest topic
   * and partition); null without partitions. Absent from views made before it existed.
   */
  readonly maxLag?: {
    readonly topic: string;
    readonly partition: number;
    readonly status: PartitionStatus;
    readonly currentLag: number;
  } | null;
  readonly thresholdStatus: ThresholdStatus;
  readonly thresholdReason: string;
  /** Thresholds applied to this group. */
  readonly thresholds: { readonly warnSeconds: number; readonly errSeconds: number };
  readonly topics: readonly TopicLagView[];
  readonly partitions: readonly PartitionLagView[];
}

/** A share group's progress on one partition, as Kafka computes it. */
export interface SharePartitionView {
  readonly topic: string;
  readonly partition: number;
  /** Share-partition start offset: every record below it is acknowledged; null before the group has state. */
  readonly startOffset: number | null;
  /** Kafka's share lag (KIP-1226): records of the partition not yet acknowledged; null when unknown. */
  readonly lagMessages: number | null;
}

/**
 * A share group (KIP-932). Its members share partitions and acknowledge records one by
 * one, so there are no committed offsets, no commit window and no Burrow status: the view
 * carries Kafka's own share-partition start offsets and share lag instead.
 */
export interface ShareGroupView {
  readonly group: string;
  readonly groupType: 'share';
  /** Empty, Stable or Dead. */
  readonly state: string;
  readonly kafkaState: string;
  readonly protocolType: string;
  readonly members: readonly MemberView[];
  /** Sum of the known share lags; null when Kafka reported none. */
  readonly lagMessages: number | null;
  readonly partitions: readonly SharePartitionView[];
}

/** Collector health of one cluster. */
export interface CollectorHealth {
  readonly up: boolean;
  /** Unix ms of the last successful cycle; null before the first. */
  readonly lastSuccessMs: number | null;
  readonly lastCycleDurationMs: number | null;
  readonly lastError: string | null;
  readonly successfulCycles: number;
  readonly failedCycles: number;
  /**
   * Where the commit window's entries come from: `offsets_topic` (commits and their times read
   * from `__consumer_offsets`) or `polling` (committed offsets fetched each cycle, timed by the
   * cycle). Absent before the first cycle that reported it.
   */
  readonly commitSource?: 'offsets_topic' | 'polling';
  /** Commit-log records written but not read yet (carried to the next cycle by the byte cap); 0 when polling. */
  readonly commitLogBacklogRecords?: number;
}

/** Everything known about one cluster: health plus the last good evaluated snapshot. */
export interface ClusterLagSnapshot {
  readonly cluster: string;
  readonly health: CollectorHealth;
  /** Unix ms the groups were observed; null before the first successful cycle. */
  readonly observedAtMs: number | null;
  /** Groups with committed offsets: classic, consumer and streams groups. */
  readonly groups: readonly GroupLagView[];
  readonly shareGroups: readonly ShareGroupView[];
  readonly topics: readonly {
    readonly topic: string;
    readonly partitions: readonly { partition: number; logStartOffset: number; logEndOffset: number }[];
  }[];
}
