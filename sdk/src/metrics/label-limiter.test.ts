import { LabelLimits, LabelValueLimiter, OVERFLOW_LABEL_VALUE } from './label-limiter';

describe('LabelValueLimiter', () => {
  it('admits values up to the limit, then replaces new ones and reports each replacement', () => {
    const overflows: string[] = [];
    const limiter = new LabelValueLimiter('topic', 2, (label) => overflows.push(label));
    expect(limiter.admit('a')).toBe('a');
    expect(limiter.admit('b')).toBe('b');
    expect(limiter.admit('a')).toBe('a');
    expect(limiter.admit('c')).toBe(OVERFLOW_LABEL_VALUE);
    expect(limiter.admit('d')).toBe(OVERFLOW_LABEL_VALUE);
    expect(limiter.admit('b')).toBe('b');
    expect(overflows).toEqual(['topic', 'topic']);
    expect(limiter.size).toBe(2);
  });
});

describe('LabelLimits', () => {
  it('keeps one limit per label name', () => {
    const overflows: string[] = [];
    const limits = new LabelLimits(1, (label) => overflows.push(label));
    expect(limits.admit('topic', 'orders')).toBe('orders');
    expect(limits.admit('group', 'billing')).toBe('billing');
    expect(limits.admit('topic', 'payments')).toBe(OVERFLOW_LABEL_VALUE);
    expect(limits.admit('topic', 'orders')).toBe('orders');
    expect(overflows).toEqual(['topic']);
  });
});
