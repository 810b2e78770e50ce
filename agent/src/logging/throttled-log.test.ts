import { ThrottledLog } from './throttled-log';

describe('ThrottledLog', () => {
  function setUp(maxKinds?: number) {
    const clock = { now: 0 };
    const lines: string[] = [];
    const log = new ThrottledLog({ log: (line) => lines.push(line), now: () => clock.now, maxKinds });
    return { clock, lines, log };
  }

  it('logs one line per kind a minute, then says how many it left out', () => {
    const { clock, lines, log } = setUp();
    expect(log.log('a', 'first a')).toBe(true);
    expect(log.log('a', 'second a')).toBe(false);
    expect(log.log('b', 'first b')).toBe(true);
    clock.now = 59_999;
    expect(log.log('a', 'third a')).toBe(false);
    clock.now = 60_000;
    expect(log.log('a', 'fourth a')).toBe(true);
    expect(lines).toEqual(['first a', 'first b', 'fourth a (2 more like it since the last one logged)']);
  });

  it('logs again when the clock goes backwards', () => {
    const { clock, lines, log } = setUp();
    clock.now = 100_000;
    log.log('a', 'one');
    clock.now = 1_000;
    log.log('a', 'two');
    expect(lines).toEqual(['one', 'two']);
  });

  it('puts kinds past the bound together', () => {
    const { lines, log } = setUp(2);
    log.log('a', 'a');
    log.log('b', 'b');
    log.log('c', 'c');
    log.log('d', 'd');
    // c and d share the overflow kind, logged once.
    expect(lines).toEqual(['a', 'b', 'c']);
  });
});
