import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Bearer tokens: the ingest tokens (each with a name and, optionally, the pipelines it may
 * report for) and the read token of the GET endpoints.
 *
 * Tokens are compared as SHA-256 digests with `timingSafeEqual`, and a presented token is
 * compared with every configured one, so neither the time taken nor an early exit tells
 * how much of a token was right or which one matched.
 */

/** One configured ingest token, its secret already resolved. */
export interface IngestTokenSpec {
  /** Who holds it: binds the instances it reports, names it in logs. Unique. */
  readonly name: string;
  readonly token: string;
  /** Pipelines it may report for; absent or null for every pipeline. */
  readonly pipelines?: readonly string[] | null;
}

/** Who sent a request, as far as its token tells. */
export interface IngestPrincipal {
  /** Name of the token; {@link anonymousPrincipal}'s when no token is configured. */
  readonly name: string;
  /** Pipelines it may report for; null for all. */
  readonly pipelines: ReadonlySet<string> | null;
}

/** The principal of every request when ingest has no token (authentication off). */
export const anonymousPrincipal: IngestPrincipal = { name: 'anonymous', pipelines: null };

/** Name the single `ingest.token` gets. */
export const defaultTokenName = 'default';

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * The token of an `Authorization: Bearer <token>` header (scheme in any case, one token,
 * trailing blanks allowed); null when the header is absent or is anything else.
 */
export function bearerTokenOf(header: string | undefined): string | null {
  const match = /^bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  return match?.[1] ?? null;
}

/** A single token (the read token), compared in constant time. */
export class BearerToken {
  private readonly expected: Buffer;

  /** @throws RangeError when the token is empty or blank. */
  constructor(token: string, what = 'token') {
    if (token.trim() === '') throw new RangeError(`${what} must not be empty`);
    this.expected = digest(token);
  }

  /** True when `authorization` carries the token. */
  matches(authorization: string | undefined): boolean {
    const presented = bearerTokenOf(authorization);
    // Hashing a placeholder keeps a missing header as costly as a wrong one.
    const ok = timingSafeEqual(digest(presented ?? ''), this.expected);
    return presented !== null && ok;
  }
}

/**
 * The configured ingest tokens. With none, ingest is open and every request is
 * {@link anonymousPrincipal}.
 */
export class IngestTokens {
  private readonly entries: readonly { digest: Buffer; principal: IngestPrincipal }[];

  /** @throws RangeError on an empty token or name, a name or a token given twice, or an empty pipeline list. */
  constructor(specs: readonly IngestTokenSpec[]) {
    const names = new Set<string>();
    const digests: Buffer[] = [];
    this.entries = specs.map((spec, index) => {
      if (spec.name.trim() === '') throw new RangeError(`ingest token ${index} has an empty name`);
      if (names.has(spec.name))
        throw new RangeError(`ingest token name ${JSON.stringify(spec.name)} is used twice`);
      names.add(spec.name);
      if (spec.token.trim() === '') {
        throw new RangeError(`ingest token ${JSON.stringify(spec.name)} must not be empty`);
      }
      const tokenDigest = digest(spec.token);
      if (digests.some((other) => other.equals(tokenDigest))) {
        // Two names for one secret would make the binding of instances to names meaningless.
        throw new RangeError(`ingest token ${JSON.stringify(spec.name)} has the same value as another token`);
      }
      digests.push(tokenDigest);
      if (spec.pipelines !== undefined && spec.pipelines !== null && spec.pipelines.length === 0) {
        throw new RangeError(
          `ingest token ${JSON.stringify(spec.name)} lists no pipeline; leave pipelines out for all`,
        );
      }
      const pipelines =
        spec.pipelines === undefined || spec.pipelines === null ? null : new Set(spec.pipelines);
      return { digest: tokenDigest, principal: { name: spec.name, pipelines } };
    });
  }

  /** True when requests must carry a token. */
  get required(): boolean {
    return this.entries.length > 0;
  }

  /** Names of the configured tokens, in order. */
  get names(): readonly string[] {
    return this.entries.map((entry) => entry.principal.name);
  }

  /**
   * Who `authorization` (the whole header) authenticates: the token's principal,
   * {@link anonymousPrincipal} when no token is configured, null when it carries no
   * configured token.
   */
  authenticate(authorization: string | undefined): IngestPrincipal | null {
    if (!this.required) return anonymousPrincipal;
    const presented = digest(bearerTokenOf(authorization) ?? '');
    let found: IngestPrincipal | null = null;
    // Every entry is compared: no early exit on the first match.
    for (const entry of this.entries) {
      if (timingSafeEqual(presented, entry.digest) && found === null) found = entry.principal;
    }
    return bearerTokenOf(authorization) === null ? null : found;
  }
}

/** True when `principal` may report series of `pipeline`. */
export function mayReport(principal: IngestPrincipal, pipeline: string): boolean {
  return principal.pipelines === null || principal.pipelines.has(pipeline);
}
