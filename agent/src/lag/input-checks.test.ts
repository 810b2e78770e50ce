import { assertNonNegative, assertNotBefore, assertOffset, assertTimeMs } from './input-checks';

describe('assertOffset', () => {
  it.each([0, 1, Number.MAX_SAFE_INTEGER])('accepts %p', (value) => {
    expect(() => assertOffset('offset', value)).not.toThrow();
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER + 1])(
    'rejects %p with a RangeError naming the argument',
    (value) => {
      expect(() => assertOffset('committedOffset', value)).toThrow(RangeError);
      expect(() => assertOffset('committedOffset', value)).toThrow(/committedOffset must be/);
    },
  );
});

describe('assertTimeMs', () => {
  it.each([0, 1.5, 1_700_000_000_000])('accepts %p', (value) => {
    expect(() => assertTimeMs('nowMs', value)).not.toThrow();
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('rejects %p', (value) => {
    expect(() => assertTimeMs('nowMs', value)).toThrow(/nowMs must be a finite, non-negative time/);
  });
});

describe('assertNonNegative', () => {
  it('accepts zero and fractions', () => {
    expect(() => assertNonNegative('rate', 0)).not.toThrow();
    expect(() => assertNonNegative('rate', 0.25)).not.toThrow();
  });

  it.each([-0.5, Number.NaN, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY])('rejects %p', (value) => {
    expect(() => assertNonNegative('rate', value)).toThrow(/rate must be a finite, non-negative number/);
  });
});

describe('assertNotBefore', () => {
  it('accepts equal and later times', () => {
    expect(() => assertNotBefore('b', 5, 'a', 5)).not.toThrow();
    expect(() => assertNotBefore('b', 6, 'a', 5)).not.toThrow();
  });

  it('rejects time going backwards, naming both readings', () => {
    expect(() => assertNotBefore('timeMs', 4, 'latest point', 5)).toThrow(
      new RangeError('timeMs (4) is before latest point (5); time must not go backwards'),
    );
  });
});
