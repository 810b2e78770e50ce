import {
  GROUP_STATUS_CODE,
  PARTITION_STATUS_CODE,
  THRESHOLD_STATUS_CODE,
  isPartitionError,
  type PartitionStatus,
} from './status-codes';

describe('status codes', () => {
  it('numbers group statuses as Burrow does', () => {
    expect(GROUP_STATUS_CODE).toEqual({ NOTFOUND: 0, OK: 1, WARN: 2, ERR: 3 });
  });

  it('numbers partition statuses densely, every error at 3 or above', () => {
    expect(PARTITION_STATUS_CODE).toEqual({ OK: 1, WARN: 2, STOP: 3, STALL: 4, REWIND: 5 });
  });

  it('numbers threshold statuses like group statuses, with 0 for unknown', () => {
    expect(THRESHOLD_STATUS_CODE).toEqual({ UNKNOWN: 0, OK: 1, WARN: 2, ERR: 3 });
  });

  it('gives every status a distinct code within its metric', () => {
    for (const codes of [GROUP_STATUS_CODE, PARTITION_STATUS_CODE, THRESHOLD_STATUS_CODE]) {
      const values = Object.values(codes);
      expect(new Set(values).size).toBe(values.length);
    }
  });

  it('cannot be changed at run time', () => {
    expect(Object.isFrozen(GROUP_STATUS_CODE)).toBe(true);
    expect(Object.isFrozen(PARTITION_STATUS_CODE)).toBe(true);
    expect(Object.isFrozen(THRESHOLD_STATUS_CODE)).toBe(true);
  });

  it.each<[PartitionStatus, boolean]>([
    ['OK', false],
    ['WARN', false],
    ['STOP', true],
    ['STALL', true],
    ['REWIND', true],
  ])('isPartitionError(%s) is %p, matching a code of 3 or more', (status, isError) => {
    expect(isPartitionError(status)).toBe(isError);
    expect(PARTITION_STATUS_CODE[status] >= 3).toBe(isError);
  });
});
