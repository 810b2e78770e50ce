import { partitionLag } from './partition-lag';

describe('partitionLag', () => {
  it('is the distance from the committed offset to the log end', () => {
    expect(partitionLag({ logStartOffset: 0, logEndOffset: 100, committedOffset: 60 })).toEqual({
      kind: 'committed',
      messages: 40,
    });
  });

  it('is zero when the group is caught up', () => {
    expect(partitionLag({ logStartOffset: 5, logEndOffset: 100, committedOffset: 100 })).toEqual({
      kind: 'committed',
      messages: 0,
    });
  });

  it('is never negative when the commit was read after the log end', () => {
    expect(partitionLag({ logStartOffset: 0, logEndOffset: 100, committedOffset: 103 })).toEqual({
      kind: 'committed',
      messages: 0,
    });
  });

  it('reports a partition without a commit explicitly instead of as -1', () => {
    expect(partitionLag({ logStartOffset: 0, logEndOffset: 100, committedOffset: null })).toEqual({
      kind: 'no-commit',
    });
  });

  it('counts records deleted by retention before the group read them', () => {
    expect(partitionLag({ logStartOffset: 500, logEndOffset: 800, committedOffset: 200 })).toEqual({
      kind: 'behind-log-start',
      messages: 300,
      lostMessages: 300,
    });
  });

  it('handles an empty log', () => {
    expect(partitionLag({ logStartOffset: 0, logEndOffset: 0, committedOffset: 0 })).toEqual({
      kind: 'committed',
      messages: 0,
    });
  });

  it.each([
    [{ logStartOffset: -1, logEndOffset: 10, committedOffset: 0 }, /logStartOffset must be/],
    [{ logStartOffset: 0, logEndOffset: 1.5, committedOffset: 0 }, /logEndOffset must be/],
    [{ logStartOffset: 0, logEndOffset: 10, committedOffset: Number.NaN }, /committedOffset must be/],
    [
      { logStartOffset: 20, logEndOffset: 10, committedOffset: 15 },
      /logStartOffset 20 is after logEndOffset 10/,
    ],
  ])('rejects inconsistent offsets %o', (offsets, message) => {
    expect(() => partitionLag(offsets)).toThrow(message);
  });
});
