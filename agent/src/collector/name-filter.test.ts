import { compileNameFilter } from './name-filter';

describe('compileNameFilter', () => {
  it('passes names that an allow matches and no deny matches', () => {
    const passes = compileNameFilter({ allow: ['^orders-', '^payments$'], deny: ['-test$'] });
    expect(['orders-eu', 'payments', 'orders-eu-test', 'paymentsx', 'billing'].filter(passes)).toEqual([
      'orders-eu',
      'payments',
    ]);
  });

  it('passes nothing with an empty allow list', () => {
    expect(compileNameFilter({ allow: [], deny: [] })('anything')).toBe(false);
  });
});
