import { anonymousPrincipal, BearerToken, bearerTokenOf, IngestTokens, mayReport } from './tokens';

describe('bearerTokenOf', () => {
  it('takes one token after the scheme, in any case', () => {
    expect(bearerTokenOf('Bearer abc')).toBe('abc');
    expect(bearerTokenOf('bearer   abc  ')).toBe('abc');
    expect(bearerTokenOf('BEARER abc')).toBe('abc');
  });

  it('refuses anything else', () => {
    for (const header of [undefined, '', 'Bearer', 'Bearer ', 'Basic abc', 'Bearer a b', 'Bearerabc']) {
      expect(bearerTokenOf(header)).toBeNull();
    }
  });
});

describe('BearerToken', () => {
  it('matches only its own token', () => {
    const token = new BearerToken('r3ad');
    expect(token.matches('Bearer r3ad')).toBe(true);
    expect(token.matches('Bearer r3a')).toBe(false);
    expect(token.matches('Bearer r3add')).toBe(false);
    expect(token.matches(undefined)).toBe(false);
    expect(token.matches('r3ad')).toBe(false);
  });

  it('refuses an empty token', () => {
    expect(() => new BearerToken('  ', 'server.readToken')).toThrow('server.readToken must not be empty');
  });
});

describe('IngestTokens', () => {
  const tokens = new IngestTokens([
    { name: 'default', token: 'all' },
    { name: 'orders-team', token: 'ord', pipelines: ['orders', 'orders-retry'] },
  ]);

  it('is open, with the anonymous principal, when no token is configured', () => {
    const open = new IngestTokens([]);
    expect(open.required).toBe(false);
    expect(open.authenticate(undefined)).toBe(anonymousPrincipal);
    expect(open.authenticate('Bearer anything')).toBe(anonymousPrincipal);
  });

  it('names the principal of the token presented, with its pipelines', () => {
    expect(tokens.required).toBe(true);
    expect(tokens.names).toEqual(['default', 'orders-team']);
    expect(tokens.authenticate('Bearer all')).toEqual({ name: 'default', pipelines: null });
    const scoped = tokens.authenticate('Bearer ord');
    expect(scoped?.name).toBe('orders-team');
    expect([...(scoped?.pipelines ?? [])]).toEqual(['orders', 'orders-retry']);
  });

  it('refuses missing, malformed and unknown tokens', () => {
    for (const header of [undefined, 'Bearer', 'Basic all', 'Bearer al', 'Bearer ordx', 'Bearer all ord']) {
      expect(tokens.authenticate(header)).toBeNull();
    }
  });

  it('refuses bad configurations', () => {
    expect(() => new IngestTokens([{ name: '', token: 'x' }])).toThrow('empty name');
    expect(
      () =>
        new IngestTokens([
          { name: 'a', token: 'x' },
          { name: 'a', token: 'y' },
        ]),
    ).toThrow('ingest token name "a" is used twice');
    expect(
      () =>
        new IngestTokens([
          { name: 'a', token: 'x' },
          { name: 'b', token: 'x' },
        ]),
    ).toThrow('ingest token "b" has the same value as another token');
    expect(() => new IngestTokens([{ name: 'a', token: ' ' }])).toThrow('must not be empty');
    expect(() => new IngestTokens([{ name: 'a', token: 'x', pipelines: [] }])).toThrow('lists no pipeline');
  });

  it('mayReport follows the pipelines of the principal', () => {
    const scoped = tokens.authenticate('Bearer ord');
    expect(scoped).not.toBeNull();
    if (scoped === null) return;
    expect(mayReport(scoped, 'orders')).toBe(true);
    expect(mayReport(scoped, 'payments')).toBe(false);
    expect(mayReport(anonymousPrincipal, 'payments')).toBe(true);
  });
});
