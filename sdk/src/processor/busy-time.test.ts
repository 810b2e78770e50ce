import { CounterCell } from '../metrics/cell-metrics';
import { type Clock } from '../options/types';
import { BusyTimeAccount } from './busy-time';

class ManualClock implements Clock {
  seconds = 100;
  wallMs(): number {
    return this.seconds * 1000;
  }
  monotonicSeconds(): number {
    return this.seconds;
  }
}

describe('BusyTimeAccount', () => {
  it('counts overlapping work once and idle time not at all', () => {
    const clock = new ManualClock();
    const cell = new CounterCell({});
    const account = new BusyTimeAccount(clock, cell);
    clock.seconds = 101;
    account.begin(); // busy from 101
    clock.seconds = 102;
    account.begin();
    clock.seconds = 103;
    account.end();
    clock.seconds = 104;
    account.end(); // idle from 104
    clock.seconds = 108;
    account.begin(); // busy from 108
    clock.seconds = 110;
    expect(account.busySeconds()).toBe(5);
    expect(account.wallSeconds()).toBe(10);
    expect(account.utilisation()).toBe(0.5);
    expect(cell.value).toBe(5);
    clock.seconds = 111;
    account.end();
    expect(cell.value).toBe(6);
    expect(account.busySeconds()).toBe(6);
  });

  it('ignores an end without a begin, and reports 0 before time passes', () => {
    const clock = new ManualClock();
    const account = new BusyTimeAccount(clock);
    account.end();
    expect(account.utilisation()).toBe(0);
    account.begin();
    clock.seconds += 2;
    expect(account.utilisation()).toBe(1);
  });
});
