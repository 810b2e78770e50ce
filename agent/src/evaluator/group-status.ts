import type { PartitionRuleId, PartitionStatusResult } from './partition-status';
import { GROUP_STATUS_CODE, isPartitionError, type GroupStatus, type PartitionStatus } from './status-codes';

/** Which group rule decided the status (machine-readable); see {@link evaluateGroupStatus}. */
export type GroupRuleId =
  'group-not-found' | 'no-partitions' | 'partition-errors' | 'partition-warnings' | 'all-partitions-ok';

/** One partition of a group with its evaluated status. */
export interface EvaluatedPartition {
  /** Topic name. */
  readonly topic: string;
  /** Partition number. */
  readonly partition: number;
  /** Result of `evaluatePartitionStatus` for the group on this partition. */
  readonly result: PartitionStatusResult;
}

/** Inputs of {@link evaluateGroupStatus}. */
export interface GroupStatusInput {
  /** False when the cluster does not know the group (deleted, expired, or never existed). */
  readonly found: boolean;
  /** Every partition the group has committed offsets for. */
  readonly partitions: readonly EvaluatedPartition[];
}

/** A partition named in a group result: why the group rule fired. */
export interface PartitionReference {
  /** Topic name. */
  readonly topic: string;
  /** Partition number. */
  readonly partition: number;
  /** The partition's status. */
  readonly status: PartitionStatus;
  /** The partition rule that gave it that status. */
  readonly rule: PartitionRuleId;
}

/** The partition of a group with the largest current lag (Burrow's `maxlag`). */
export interface MaxLagPartition extends PartitionReference {
  /** Its current lag: log end now minus the committed offset now, at least 0. */
  readonly currentLag: number;
}

/** A group's status with the rule that decided it and the partitions that made it fire. */
export interface GroupStatusResult {
  /** Burrow group status. */
  readonly status: GroupStatus;
  /** Metric value of `status` (see `GROUP_STATUS_CODE`). */
  readonly code: number;
  /** The rule that fired. */
  readonly rule: GroupRuleId;
  /** One sentence for people, naming the partitions. */
  readonly reason: string;
  /** The partitions behind the status, sorted by topic and partition; empty when OK or NOTFOUND. */
  readonly partitions: readonly PartitionReference[];
  /** Share of partitions whose commit window is full, 0..1 (Burrow's `complete`). */
  readonly complete: number;
  /** Sum of the partitions' current lag (partitions without commits count 0). */
  readonly totalLag: number;
  /**
   * The partition with the largest current lag (unknown lags count 0); ties go to the lowest
   * topic, then partition (Burrow picks one at random). Null without partitions or for
   * NOTFOUND.
   */
  readonly maxLag: MaxLagPartition | null;
}

/** At most this many partitions are named in a reason sentence; `partitions` has them all. */
const PARTITIONS_NAMED_IN_REASON = 5;

/**
 * Burrow-compatible status of a consumer group: the worst of its partitions.
 *
 * Rules, first match wins:
 * 1. `group-not-found` → NOTFOUND: the cluster does not know the group.
 * 2. `no-partitions` → OK: the group exists but has committed nowhere (nothing can be wrong yet).
 * 3. `partition-errors` → ERR: any partition is STOP, STALL or REWIND; names all of them.
 * 4. `partition-warnings` → WARN: any partition is WARN; names all of them.
 * 5. `all-partitions-ok` → OK.
 *
 * @throws RangeError on a partition number that is not a non-negative integer, an empty
 *   topic name, or the same topic and partition listed twice.
 */
export function evaluateGroupStatus(input: GroupStatusInput): GroupStatusResult {
  // An unknown group's partitions are stale leftovers: they count for nothing.
  const sorted = input.found ? validatedAndSorted(input.partitions) : [];
  const complete =
    sorted.length === 0 ? 0 : sorted.filter((entry) => entry.result.complete >= 1).length / sorted.length;
  const totalLag = sorted.reduce((sum, entry) => sum + (entry.result.currentLag ?? 0), 0);
  let maxLag: MaxLagPartition | null = null;
  // Sorted by topic and partition, and only a strictly larger lag replaces: ties keep the lowest.
  for (const entry of sorted) {
    const currentLag = entry.result.currentLag ?? 0;
    if (maxLag === null || currentLag > maxLag.currentLag) maxLag = { ...reference(entry), currentLag };
  }
  const decide = (
    status: GroupStatus,
    rule: GroupRuleId,
    reason: string,
    partitions: readonly PartitionReference[] = [],
  ): GroupStatusResult => ({
    status,
    code: GROUP_STATUS_CODE[status],
    rule,
    reason,
    partitions,
    complete,
    totalLag,
    maxLag,
  });

  if (!input.found) return decide('NOTFOUND', 'group-not-found', 'the cluster does not know this group');
  if (sorted.length === 0) return decide('OK', 'no-partitions', 'the group has no committed offsets');

  const errors = sorted.filter((entry) => isPartitionError(entry.result.status)).map(reference);
  if (errors.length > 0) {
    return decide('ERR', 'partition-errors', describe(errors, sorted.length, 'in error'), errors);
  }
  const warnings = sorted.filter((entry) => entry.result.status === 'WARN').map(reference);
  if (warnings.length > 0) {
    return decide(
      'WARN',
      'partition-warnings',
      describe(warnings, sorted.length, 'falling behind'),
      warnings,
    );
  }
  return decide('OK', 'all-partitions-ok', `all ${sorted.length} partitions OK`);
}

function reference(entry: EvaluatedPartition): PartitionReference {
  return {
    topic: entry.topic,
    partition: entry.partition,
    status: entry.result.status,
    rule: entry.result.rule,
  };
}

function describe(partitions: readonly PartitionReference[], total: number, what: string): string {
  const named = partitions
    .slice(0, PARTITIONS_NAMED_IN_REASON)
    .map((entry) => `${entry.topic}/${entry.partition} ${entry.status} (${entry.rule})`)
    .join(', ');
  const more =
    partitions.length > PARTITIONS_NAMED_IN_REASON
      ? ` and ${partitions.length - PARTITIONS_NAMED_IN_REASON} more`
      : '';
  return `${partitions.length} of ${total} partitions ${what}: ${named}${more}`;
}

function validatedAndSorted(partitions: readonly EvaluatedPartition[]): EvaluatedPartition[] {
  const seen = new Set<string>();
  for (const entry of partitions) {
    if (entry.topic.length === 0) throw new RangeError('topic must be a non-empty name');
    if (!Number.isSafeInteger(entry.partition) || entry.partition < 0) {
      throw new RangeError(
        `partition of topic ${entry.topic} must be a non-negative integer, got ${entry.partition}`,
      );
    }
    const key = `${entry.topic}\u0000${entry.partition}`;
    if (seen.has(key)) throw new RangeError(`${entry.topic}/${entry.partition} is listed twice`);
    seen.add(key);
  }
  return [...partitions].sort((a, b) =>
    a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1,
  );
}
