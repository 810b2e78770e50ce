/**
 * Numeric status codes the agent exports (agent/src/evaluator/status-codes.ts); a test
 * checks that they match the agent's.
 */

/** `streamops_consumergroup_status_code` (Burrow's numbering). */
export const groupStatusCodes = { NOTFOUND: 0, OK: 1, WARN: 2, ERR: 3 } as const;
/** `streamops_consumergroup_partition_status_code`. */
export const partitionStatusCodes = { OK: 1, WARN: 2, STOP: 3, STALL: 4, REWIND: 5 } as const;
/** `streamops_consumergroup_threshold_status_code`. */
export const thresholdStatusCodes = { UNKNOWN: 0, OK: 1, WARN: 2, ERR: 3 } as const;
