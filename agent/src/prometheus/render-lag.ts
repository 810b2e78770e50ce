import { GROUP_STATUS_CODE, PARTITION_STATUS_CODE, THRESHOLD_STATUS_CODE } from '../evaluator/status-codes';
import { agentLagMetrics as m, kafkaLagExporterCompatibilityMetrics as compat } from '../metrics/catalogue';
import { type ClusterLagSnapshot, type GroupLagView, type ShareGroupView } from '../protocol/lag-snapshot';
import { ExpositionBuilder } from './exposition';

/**
 * The series every group has, whatever its type: the info series (the only one with the
 * group type, so lag and status series keep their identity when a group changes protocol)
 * and its members.
 */
function addGroupIdentity(
  out: ExpositionBuilder,
  cluster: string,
  group: GroupLagView | ShareGroupView,
): void {
  const g = group.group;
  out.add(m.groupInfo, [cluster, g, group.state, group.protocolType, group.groupType, group.kafkaState], 1);
  out.add(m.groupMembers, [cluster, g], group.members.length);
  for (const member of group.members) {
    out.add(m.memberInfo, [cluster, g, member.memberId, member.clientId, member.host], 1);
    out.add(m.memberAssignedPartitions, [cluster, g, member.memberId], member.assignedPartitions);
  }
}

/** What to render. */
export interface LagRenderOptions {
  /** `topic` leaves out every per-partition series. */
  readonly granularity: 'partition' | 'topic';
  /** Also render kafka-lag-exporter's metric names. */
  readonly kafkaLagExporterCompatibility: boolean;
}

/**
 * Renders the lag snapshots of every cluster into one exposition. This only reads the
 * snapshots; collection and evaluation happened before. Every family is declared even
 * without samples, so a dashboard can tell "no groups" from "no agent".
 */
export function renderLagMetrics(
  snapshots: readonly ClusterLagSnapshot[],
  options: LagRenderOptions,
): ExpositionBuilder {
  const out = new ExpositionBuilder();
  for (const definition of Object.values(m)) out.declare(definition);
  const perPartition = options.granularity === 'partition';

  for (const snapshot of snapshots) {
    const { cluster, health } = snapshot;
    out.add(m.collectorUp, [cluster], health.up ? 1 : 0);
    out.add(
      m.collectorLastSuccess,
      [cluster],
      health.lastSuccessMs === null ? 0 : health.lastSuccessMs / 1000,
    );
    if (health.lastCycleDurationMs !== null) {
      out.add(m.collectorCycleDuration, [cluster], health.lastCycleDurationMs / 1000);
    }
    out.add(m.collectorCycles, [cluster, 'success'], health.successfulCycles);
    out.add(m.collectorCycles, [cluster, 'error'], health.failedCycles);
    out.add(m.collectorGroups, [cluster], snapshot.groups.length + snapshot.shareGroups.length);
    if (health.commitSource !== undefined) {
      for (const source of ['offsets_topic', 'polling'] as const) {
        out.add(m.collectorCommitSource, [cluster, source], health.commitSource === source ? 1 : 0);
      }
    }
    if (health.commitLogBacklogRecords !== undefined) {
      out.add(m.collectorCommitLogBacklog, [cluster], health.commitLogBacklogRecords);
    }

    for (const group of snapshot.groups) {
      const g = group.group;
      out.add(m.groupLagMessages, [cluster, g], group.lagMessages);
      if (group.lagSeconds !== null) out.add(m.groupLagSeconds, [cluster, g], group.lagSeconds);
      out.add(m.groupStatus, [cluster, g], GROUP_STATUS_CODE[group.status]);
      out.add(m.groupThresholdStatus, [cluster, g], THRESHOLD_STATUS_CODE[group.thresholdStatus]);
      addGroupIdentity(out, cluster, group);
      for (const topic of group.topics) {
        const labels = [cluster, g, topic.topic];
        out.add(m.topicLagMessages, labels, topic.lagMessages);
        if (topic.lagSeconds !== null) out.add(m.topicLagSeconds, labels, topic.lagSeconds);
        if (topic.lagVelocity !== null) out.add(m.topicLagVelocity, labels, topic.lagVelocity);
        if (topic.timeToDrainSeconds !== null) out.add(m.topicTimeToDrain, labels, topic.timeToDrainSeconds);
        out.add(m.topicRetentionRisk, labels, topic.retentionRisk);
      }
      if (perPartition) {
        for (const partition of group.partitions) {
          const labels = [cluster, g, partition.topic, String(partition.partition)];
          out.add(m.partitionStatus, labels, PARTITION_STATUS_CODE[partition.status]);
          if (partition.committedOffset === null) continue;
          out.add(m.partitionCommittedOffset, labels, partition.committedOffset);
          if (partition.lagMessages !== null) out.add(m.partitionLagMessages, labels, partition.lagMessages);
          if (partition.lagSeconds !== null) out.add(m.partitionLagSeconds, labels, partition.lagSeconds);
        }
      }
      if (options.kafkaLagExporterCompatibility) {
        for (const partition of group.partitions) {
          const labels = [cluster, g, partition.topic, String(partition.partition)];
          if (partition.lagMessages !== null) out.add(compat.partitionLag, labels, partition.lagMessages);
          if (partition.lagSeconds !== null)
            out.add(compat.partitionLagSeconds, labels, partition.lagSeconds);
        }
        if (group.lagSeconds !== null) out.add(compat.groupMaxLagSeconds, [cluster, g], group.lagSeconds);
      }
    }
    for (const group of snapshot.shareGroups) {
      const g = group.group;
      addGroupIdentity(out, cluster, group);
      if (group.lagMessages !== null) out.add(m.shareGroupLagMessages, [cluster, g], group.lagMessages);
      if (!perPartition) continue;
      for (const partition of group.partitions) {
        const labels = [cluster, g, partition.topic, String(partition.partition)];
        if (partition.lagMessages !== null) {
          out.add(m.shareGroupPartitionLagMessages, labels, partition.lagMessages);
        }
        if (partition.startOffset !== null) {
          out.add(m.shareGroupPartitionStartOffset, labels, partition.startOffset);
        }
      }
    }
    if (perPartition) {
      for (const topic of snapshot.topics) {
        for (const partition of topic.partitions) {
          const labels = [cluster, topic.topic, String(partition.partition)];
          out.add(m.partitionLogEndOffset, labels, partition.logEndOffset);
          out.add(m.partitionLogStartOffset, labels, partition.logStartOffset);
        }
      }
    }
  }
  return out;
}
