import { BatchTimeline, type MessageTimeHandler } from './batch-timeline';

type Timed = [index: number, start: number, end: number, shared: boolean, failed: boolean];

function recorder(): { onMessage: MessageTimeHandler; timed: Timed[] } {
  const timed: Timed[] = [];
  return { onMessage: (...args) => timed.push(args), timed };
}

describe('BatchTimeline', () => {
  it('gives each resolved message the time since the previous one ended', () => {
    const { onMessage, timed } = recorder();
    const timeline = new BatchTimeline([10, 11, 12], 100);
    timeline.resolve(10, 101, onMessage);
    timeline.resolve(11, 101.5, onMessage);
    timeline.resolve(12, 104, onMessage);
    timeline.finish(104.1, false, onMessage);
    expect(timed).toEqual([
      [0, 100, 101, false, false],
      [1, 101, 101.5, false, false],
      [2, 101.5, 104, false, false],
    ]);
    expect(timeline.ended).toBe(3);
  });

  it('splits time evenly when one resolve covers several messages or the batch end resolves them', () => {
    const { onMessage, timed } = recorder();
    const timeline = new BatchTimeline([0, 1, 5, 6], 0);
    timeline.resolve(5, 3, onMessage);
    timeline.resolve(5, 3.5, onMessage);
    timeline.finish(5, false, onMessage);
    expect(timed).toEqual([
      [0, 0, 1, true, false],
      [1, 1, 2, true, false],
      [2, 2, 3, true, false],
      [3, 3, 5, false, false],
    ]);
  });

  it('on failure times only the message being handled', () => {
    const { onMessage, timed } = recorder();
    const timeline = new BatchTimeline([0, 1, 2], 0);
    timeline.resolve(0, 1, onMessage);
    timeline.finish(4, true, onMessage);
    expect(timed).toEqual([
      [0, 0, 1, false, false],
      [1, 1, 4, false, true],
    ]);
  });

  it('ignores resolves below the messages not yet ended', () => {
    const { onMessage, timed } = recorder();
    const timeline = new BatchTimeline([7, 8], 0);
    timeline.resolve(3, 1, onMessage);
    timeline.resolve(8, 2, onMessage);
    timeline.finish(3, true, onMessage);
    expect(timed).toEqual([
      [0, 0, 1, true, false],
      [1, 1, 2, true, false],
    ]);
  });
});
