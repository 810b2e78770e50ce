/** Allow and deny regular expressions for group or topic names. */
export interface NameFilterConfig {
  readonly allow: readonly string[];
  readonly deny: readonly string[];
}

/** Compiles allow/deny lists into a predicate: a name passes when an allow matches and no deny does. */
export function compileNameFilter(config: NameFilterConfig): (name: string) => boolean {
  const allow = config.allow.map((source) => new RegExp(source));
  const deny = config.deny.map((source) => new RegExp(source));
  return (name) => allow.some((pattern) => pattern.test(name)) && !deny.some((pattern) => pattern.test(name));
}
