import { evaluateGroupStatus, type EvaluatedPartition } from './group-status';
import type { PartitionRuleId, PartitionStatusResult } from './partition-status';
import { PARTITION_STATUS_CODE, type PartitionStatus } from './status-codes';

const RULE_OF: Record<PartitionStatus, PartitionRuleId> = {
  OK: 'lag-decreasing',
  WARN: 'lag-not-decreasing',
  STOP: 'stopped',
  STALL: 'stalled',
  REWIND: 'rewind',
};

function partition(
  topic: string,
  number: number,
  status: PartitionStatus,
  currentLag = 10,
  complete = 1,
): EvaluatedPartition {
  const result: PartitionStatusResult = {
    status,
    code: PARTITION_STATUS_CODE[status],
    rule: RULE_OF[status],
    reason: 'test',
    currentLag,
    complete,
    start: null,
    end: null,
  };
  return { topic, partition: number, result };
}

describe('evaluateGroupStatus', () => {
  it('is NOTFOUND for a group the cluster does not know', () => {
    expect(evaluateGroupStatus({ found: false, partitions: [] })).toEqual({
      status: 'NOTFOUND',
      code: 0,
      rule: 'group-not-found',
      reason: 'the cluster does not know this group',
      partitions: [],
      complete: 0,
      totalLag: 0,
      maxLag: null,
    });
  });

  it('is OK for a known group without commits', () => {
    expect(evaluateGroupStatus({ found: true, partitions: [] })).toMatchObject({
      status: 'OK',
      code: 1,
      rule: 'no-partitions',
      maxLag: null,
    });
  });

  it('is OK when every partition is OK', () => {
    const result = evaluateGroupStatus({
      found: true,
      partitions: [partition('orders', 0, 'OK', 5), partition('orders', 1, 'OK', 7)],
    });
    expect(result).toEqual({
      status: 'OK',
      code: 1,
      rule: 'all-partitions-ok',
      reason: 'all 2 partitions OK',
      partitions: [],
      complete: 1,
      totalLag: 12,
      maxLag: { topic: 'orders', partition: 1, status: 'OK', rule: 'lag-decreasing', currentLag: 7 },
    });
  });

  it('is WARN when a partition is WARN, naming it', () => {
    const result = evaluateGroupStatus({
      found: true,
      partitions: [partition('orders', 0, 'OK'), partition('orders', 1, 'WARN')],
    });
    expect(result).toMatchObject({ status: 'WARN', code: 2, rule: 'partition-warnings' });
    expect(result.partitions).toEqual([
      { topic: 'orders', partition: 1, status: 'WARN', rule: 'lag-not-decreasing' },
    ]);
    expect(result.reason).toBe('1 of 2 partitions falling behind: orders/1 WARN (lag-not-decreasing)');
  });

  it.each<PartitionStatus>(['STOP', 'STALL', 'REWIND'])('is ERR when a partition is %s', (status) => {
    const result = evaluateGroupStatus({
      found: true,
      partitions: [partition('orders', 0, 'OK'), partition('orders', 1, status)],
    });
    expect(result).toMatchObject({ status: 'ERR', code: 3, rule: 'partition-errors' });
    expect(result.partitions).toEqual([{ topic: 'orders', partition: 1, status, rule: RULE_OF[status] }]);
  });

  it('lets errors win over warnings and names only the errors, sorted by topic and partition', () => {
    const result = evaluateGroupStatus({
      found: true,
      partitions: [
        partition('payments', 3, 'STALL'),
        partition('orders', 10, 'REWIND'),
        partition('orders', 2, 'STOP'),
        partition('orders', 0, 'WARN'),
      ],
    });
    expect(result.status).toBe('ERR');
    expect(result.partitions.map((entry) => `${entry.topic}/${entry.partition}`)).toEqual([
      'orders/2',
      'orders/10',
      'payments/3',
    ]);
    expect(result.reason).toBe(
      '3 of 4 partitions in error: orders/2 STOP (stopped), orders/10 REWIND (rewind), payments/3 STALL (stalled)',
    );
  });

  it('names at most five partitions in the reason but lists them all', () => {
    const partitions = Array.from({ length: 8 }, (_, index) => partition('t', index, 'STOP'));
    const result = evaluateGroupStatus({ found: true, partitions });
    expect(result.partitions).toHaveLength(8);
    expect(result.reason).toMatch(
      /^8 of 8 partitions in error: t\/0 STOP \(stopped\), .*t\/4 STOP \(stopped\) and 3 more$/,
    );
  });

  it('is NOTFOUND for an unknown group even if stale partitions are passed', () => {
    expect(evaluateGroupStatus({ found: false, partitions: [partition('t', 0, 'STOP', 99)] })).toMatchObject({
      status: 'NOTFOUND',
      partitions: [],
      complete: 0,
      totalLag: 0,
    });
  });

  it('reports completeness as the share of partitions with full windows', () => {
    const result = evaluateGroupStatus({
      found: true,
      partitions: [
        partition('t', 0, 'OK', 0, 1),
        partition('t', 1, 'OK', 0, 0.5),
        partition('t', 2, 'OK', 0, 1),
        partition('t', 3, 'OK', 0, 0),
      ],
    });
    expect(result.complete).toBe(0.5);
  });

  it('counts partitions without commits as 0 in the total lag', () => {
    const noCommits = partition('t', 1, 'OK');
    const result = evaluateGroupStatus({
      found: true,
      partitions: [
        partition('t', 0, 'OK', 4),
        { ...noCommits, result: { ...noCommits.result, currentLag: null } },
      ],
    });
    expect(result.totalLag).toBe(4);
  });

  it('names the partition with the largest current lag, ties to the lowest topic and partition', () => {
    const result = evaluateGroupStatus({
      found: true,
      partitions: [
        partition('payments', 0, 'OK', 30),
        partition('orders', 7, 'WARN', 30),
        partition('orders', 3, 'STALL', 30),
        partition('orders', 1, 'OK', 2),
      ],
    });
    expect(result.maxLag).toEqual({
      topic: 'orders',
      partition: 3,
      status: 'STALL',
      rule: 'stalled',
      currentLag: 30,
    });
    const unknown = partition('t', 0, 'OK');
    const nothingKnown = evaluateGroupStatus({
      found: true,
      partitions: [{ ...unknown, result: { ...unknown.result, currentLag: null } }],
    });
    expect(nothingKnown.maxLag).toMatchObject({ topic: 't', partition: 0, currentLag: 0 });
  });

  it('does not reorder the caller’s array', () => {
    const partitions = [partition('b', 0, 'STOP'), partition('a', 0, 'STOP')];
    evaluateGroupStatus({ found: true, partitions });
    expect(partitions.map((entry) => entry.topic)).toEqual(['b', 'a']);
  });

  describe('bad input', () => {
    it.each([
      [[partition('', 0, 'OK')], /topic must be a non-empty name/],
      [[partition('t', -1, 'OK')], /partition of topic t must be a non-negative integer, got -1/],
      [[partition('t', 1.5, 'OK')], /must be a non-negative integer, got 1.5/],
      [[partition('t', Number.NaN, 'OK')], /must be a non-negative integer, got NaN/],
      [[partition('t', 0, 'OK'), partition('t', 0, 'WARN')], /t\/0 is listed twice/],
    ])('rejects %#', (partitions, message) => {
      expect(() => evaluateGroupStatus({ found: true, partitions })).toThrow(RangeError);
      expect(() => evaluateGroupStatus({ found: true, partitions })).toThrow(message);
    });
  });
});
