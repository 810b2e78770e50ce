import { type GroupLagView, type PartitionLagView } from '../protocol/lag-snapshot';
import { formatSeconds, renderLagTable } from './lag-table';

function partition(overrides: Partial<PartitionLagView>): PartitionLagView {
  return {
    topic: 'orders',
    partition: 0,
    committedOffset: 90,
    logStartOffset: 0,
    logEndOffset: 100,
    lagMessages: 10,
    lostMessages: 0,
    lagSeconds: 2.25,
    lagSecondsMethod: 'record-timestamp',
    status: 'OK',
    memberId: null,
    ...overrides,
  };
}

function group(
  name: string,
  partitions: PartitionLagView[],
  status: GroupLagView['status'] = 'OK',
): GroupLagView {
  return {
    group: name,
    groupType: 'classic',
    state: 'Stable',
    kafkaState: 'Stable',
    protocolType: 'consumer',
    members: [],
    lagMessages: 0,
    lagSeconds: null,
    status,
    statusReasons: [],
    thresholdStatus: 'OK',
    thresholdReason: '',
    thresholds: { warnSeconds: 60, errSeconds: 300 },
    topics: [],
    partitions,
  };
}

describe('formatSeconds', () => {
  it.each([
    [null, '-'],
    [Number.NaN, '-'],
    [0, '0.0s'],
    [0.44, '0.4s'],
    [12.4, '12s'],
    [185, '3m05s'],
    [7260, '2h01m'],
    [Number.POSITIVE_INFINITY, 'inf'],
  ])('formats %p as %p', (seconds, text) => {
    expect(formatSeconds(seconds)).toBe(text);
  });
});

describe('renderLagTable', () => {
  it('aligns one row per partition with numbers right-aligned', () => {
    const table = renderLagTable([
      group(
        'billing',
        [
          partition({}),
          partition({
            partition: 1,
            committedOffset: null,
            lagMessages: null,
            lagSeconds: null,
            status: 'STOP',
          }),
        ],
        'ERR',
      ),
    ]);
    expect(table.split('\n')).toEqual([
      'GROUP                  TOPIC   PARTITION  COMMITTED  END  LAG  TIME LAG  STATUS',
      'billing (Stable, ERR)  orders          0         90  100   10      2.3s  OK',
      'billing (Stable, ERR)  orders          1          -  100    -         -  STOP',
    ]);
  });

  it('shows a group without partitions on one row', () => {
    expect(renderLagTable([group('idle', [])]).split('\n')[1]).toBe(
      'idle (Stable, OK)  -              -          -    -    -         -  OK',
    );
  });
});
