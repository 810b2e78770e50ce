import { CommitWindow, DEFAULT_COMMIT_WINDOW_SIZE } from './commit-window';

describe('CommitWindow', () => {
  it('holds 10 commits by default, like Burrow', () => {
    const window = new CommitWindow();
    expect(DEFAULT_COMMIT_WINDOW_SIZE).toBe(10);
    expect(window.capacity).toBe(10);
    expect(window.length).toBe(0);
    expect(window.latest()).toBeNull();
    expect(window.snapshot()).toEqual({ capacity: 10, commits: [] });
  });

  it('stores each commit with its lag against the log end known at the time', () => {
    const window = new CommitWindow();
    expect(window.record({ offset: 100, timestampMs: 1000, logEndOffset: 150 })).toBe('added');
    expect(window.record({ offset: 120, timestampMs: 2000, logEndOffset: null })).toBe('added');
    expect(window.snapshot().commits).toEqual([
      { offset: 100, timestampMs: 1000, lag: 50 },
      { offset: 120, timestampMs: 2000, lag: null },
    ]);
    expect(window.latest()).toEqual({ offset: 120, timestampMs: 2000, lag: null });
  });

  it('never stores a negative lag for a commit read ahead of the log end', () => {
    const window = new CommitWindow();
    window.record({ offset: 105, timestampMs: 1, logEndOffset: 100 });
    expect(window.latest()?.lag).toBe(0);
  });

  it('slides: the oldest commit leaves when a new one arrives in a full window', () => {
    const window = new CommitWindow({ size: 3 });
    for (let step = 1; step <= 5; step += 1)
      window.record({ offset: step, timestampMs: step, logEndOffset: 10 });
    expect(window.length).toBe(3);
    expect(window.snapshot().commits.map((commit) => commit.offset)).toEqual([3, 4, 5]);
  });

  it('keeps commits with the same time as separate entries when minDistanceMs is 0', () => {
    const window = new CommitWindow();
    window.record({ offset: 1, timestampMs: 5, logEndOffset: 9 });
    window.record({ offset: 2, timestampMs: 5, logEndOffset: 9 });
    expect(window.length).toBe(2);
  });

  describe('minDistanceMs', () => {
    it('folds a commit that comes too soon into the latest, keeping the stored time', () => {
      const window = new CommitWindow({ minDistanceMs: 1000 });
      window.record({ offset: 10, timestampMs: 0, logEndOffset: 50 });
      expect(window.record({ offset: 20, timestampMs: 400, logEndOffset: 50 })).toBe('merged-into-latest');
      expect(window.record({ offset: 30, timestampMs: 900, logEndOffset: 60 })).toBe('merged-into-latest');
      expect(window.snapshot().commits).toEqual([{ offset: 30, timestampMs: 0, lag: 30 }]);
      expect(window.record({ offset: 40, timestampMs: 1000, logEndOffset: 60 })).toBe('added');
      expect(window.length).toBe(2);
    });

    it('still fills the window when a consumer commits far more often than the distance', () => {
      const window = new CommitWindow({ size: 10, minDistanceMs: 1000 });
      for (let ms = 0; ms <= 20_000; ms += 100)
        window.record({ offset: ms, timestampMs: ms, logEndOffset: ms + 5 });
      const commits = window.snapshot().commits;
      expect(commits).toHaveLength(10);
      for (let index = 1; index < commits.length; index += 1) {
        expect((commits[index]?.timestampMs ?? 0) - (commits[index - 1]?.timestampMs ?? 0)).toBe(1000);
      }
    });
  });

  it('clear() empties the window', () => {
    const window = new CommitWindow();
    window.record({ offset: 1, timestampMs: 1, logEndOffset: 1 });
    window.clear();
    expect(window.length).toBe(0);
  });

  it('returns snapshots that later commits do not change', () => {
    const window = new CommitWindow();
    window.record({ offset: 1, timestampMs: 1, logEndOffset: 1 });
    const snapshot = window.snapshot();
    window.record({ offset: 2, timestampMs: 2, logEndOffset: 2 });
    expect(snapshot.commits).toHaveLength(1);
  });

  it('merges a commit stamped before the latest one into it, as Burrow does, instead of throwing', () => {
    // Coordinators of one group can disagree by a few ms, and a commit read a cycle late can
    // carry an earlier time than one already stored: Burrow folds it into the latest slot.
    const window = new CommitWindow();
    window.record({ offset: 5, timestampMs: 1000, logEndOffset: 9 });
    window.record({ offset: 8, timestampMs: 2000, logEndOffset: 9 });
    expect(window.record({ offset: 9, timestampMs: 1999, logEndOffset: 9 })).toBe('merged-into-latest');
    expect(window.snapshot().commits).toEqual([
      { offset: 5, timestampMs: 1000, lag: 4 },
      { offset: 9, timestampMs: 2000, lag: 0 },
    ]);
    expect(window.record({ offset: 10, timestampMs: 2000, logEndOffset: 12 })).toBe('added');
    expect(window.length).toBe(3);
  });

  describe('bad input', () => {
    it.each([0, -1, 2.5, Number.NaN])('rejects size %p', (size) => {
      expect(() => new CommitWindow({ size })).toThrow(/size must be a positive integer/);
    });

    it.each([-1, Number.NaN])('rejects minDistanceMs %p', (minDistanceMs) => {
      expect(() => new CommitWindow({ minDistanceMs })).toThrow(/minDistanceMs must be/);
    });

    it.each([
      [{ offset: -1, timestampMs: 0, logEndOffset: 0 }, /offset must be a non-negative safe integer/],
      [{ offset: Number.NaN, timestampMs: 0, logEndOffset: 0 }, /offset must be/],
      [{ offset: 0, timestampMs: Number.NaN, logEndOffset: 0 }, /timestampMs must be/],
      [{ offset: 0, timestampMs: 0, logEndOffset: -5 }, /logEndOffset must be/],
    ])('rejects %o', (commit, message) => {
      expect(() => new CommitWindow().record(commit)).toThrow(message);
    });
  });
});
