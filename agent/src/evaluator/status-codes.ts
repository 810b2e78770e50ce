/**
 * Status names and the numeric codes exported as metric values.
 *
 * | metric                                          | 0        | 1  | 2    | 3    | 4     | 5      |
 * | ----------------------------------------------- | -------- | -- | ---- | ---- | ----- | ------ |
 * | `streamops_consumergroup_status_code`           | NOTFOUND | OK | WARN | ERR  |       |        |
 * | `streamops_consumergroup_partition_status_code` |          | OK | WARN | STOP | STALL | REWIND |
 * | `streamops_consumergroup_threshold_status_code` | UNKNOWN  | OK | WARN | ERR  |       |        |
 *
 * Group codes are Burrow's (NOTFOUND 0, OK 1, WARN 2, ERR 3), so "status ≥ 3" alerts carry
 * over. Partition codes are dense, following the metric catalogue: Burrow itself numbers
 * STOP, STALL and REWIND 4, 5 and 6, because they share one enumeration with ERR. Every
 * partition error code is ≥ 3, so a "≥ 3 means error" rule holds for both metrics.
 */

/** Burrow partition status: how the group's commits on one partition behave over the window. */
export type PartitionStatus = 'OK' | 'WARN' | 'STOP' | 'STALL' | 'REWIND';

/** Burrow group status: the worst partition status, or NOTFOUND for a group the cluster does not know. */
export type GroupStatus = 'NOTFOUND' | 'OK' | 'WARN' | 'ERR';

/** Status of a group's time lag against its warn and error thresholds; UNKNOWN when no time lag is known. */
export type ThresholdStatus = 'UNKNOWN' | 'OK' | 'WARN' | 'ERR';

/** Metric value of each group status (Burrow's numbering). */
export const GROUP_STATUS_CODE: Readonly<Record<GroupStatus, number>> = Object.freeze({
  NOTFOUND: 0,
  OK: 1,
  WARN: 2,
  ERR: 3,
});

/** Metric value of each partition status. */
export const PARTITION_STATUS_CODE: Readonly<Record<PartitionStatus, number>> = Object.freeze({
  OK: 1,
  WARN: 2,
  STOP: 3,
  STALL: 4,
  REWIND: 5,
});

/** Metric value of each threshold status. */
export const THRESHOLD_STATUS_CODE: Readonly<Record<ThresholdStatus, number>> = Object.freeze({
  UNKNOWN: 0,
  OK: 1,
  WARN: 2,
  ERR: 3,
});

/** True for the partition statuses that make a group ERR: STOP, STALL and REWIND. */
export function isPartitionError(status: PartitionStatus): boolean {
  return status === 'STOP' || status === 'STALL' || status === 'REWIND';
}
