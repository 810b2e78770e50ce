/**
 * Finds the metric names a PromQL expression reads, so that tests can check every
 * dashboard query and rule against the metric catalogues.
 *
 * It is a scanner, not a parser: it removes what cannot be a metric name (strings and
 * so label values, label matchers, range and subquery durations, label lists after
 * by/without/on/ignoring/group_left/group_right, numbers and durations, Grafana
 * variables), then takes every remaining identifier that is not a keyword, an
 * aggregation operator or a function call. It throws on what it does not understand
 * (unbalanced brackets, `__name__` matchers) rather than miss a name.
 */

const keywords = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
  'atan2',
  'inf',
  'nan',
  'start',
  'end',
]);

/** Aggregation operators: followed by `(` or by a by/without clause. */
const aggregations = new Set([
  'sum',
  'min',
  'max',
  'avg',
  'group',
  'stddev',
  'stdvar',
  'count',
  'count_values',
  'bottomk',
  'topk',
  'quantile',
  'limitk',
  'limit_ratio',
]);

/** Label-list clauses whose parenthesised list holds label names, not metrics. */
const labelListClause = /\b(by|without|on|ignoring|group_left|group_right)\s*\(([^()]*)\)/gi;

function removeStrings(expr: string): string {
  let output = '';
  let index = 0;
  while (index < expr.length) {
    const character = expr[index]!;
    if (character === '"' || character === "'" || character === '`') {
      const quote = character;
      index += 1;
      while (index < expr.length && expr[index] !== quote) {
        if (expr[index] === '\\' && quote !== '`') index += 1;
        index += 1;
      }
      if (index >= expr.length) throw new Error(`unterminated string in ${expr}`);
      index += 1;
      output += '""';
      continue;
    }
    if (character === '#') {
      // A comment runs to the end of the line.
      while (index < expr.length && expr[index] !== '\n') index += 1;
      continue;
    }
    output += character;
    index += 1;
  }
  return output;
}

/** Removes bracketed groups (`{...}` or `[...]`), which never contain metric names. */
function removeBracketed(expr: string, open: string, close: string): string {
  let output = '';
  let depth = 0;
  for (const character of expr) {
    if (character === open) {
      depth += 1;
      continue;
    }
    if (character === close) {
      depth -= 1;
      if (depth < 0) throw new Error(`unbalanced ${close} in ${expr}`);
      output += ' ';
      continue;
    }
    if (depth === 0) output += character;
  }
  if (depth !== 0) throw new Error(`unbalanced ${open} in ${expr}`);
  return output;
}

/** Metric names read by a PromQL expression (Grafana variables allowed), sorted and unique. */
export function metricNamesIn(expr: string): string[] {
  if (/__name__/.test(expr)) throw new Error(`__name__ matchers are not checked: ${expr}`);
  let text = removeStrings(expr);
  text = removeBracketed(text, '{', '}');
  text = removeBracketed(text, '[', ']');
  // Grafana variables: $name, ${name}, ${name:format}, [[name]] (already removed with []).
  text = text.replace(/\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*/g, ' ');
  text = text.replace(labelListClause, ' $1 ');
  // Numbers, including hex, exponents and durations such as 5m or 1h30m (after offset or @).
  text = text.replace(
    /(^|[^A-Za-z0-9_:])(0x[0-9a-fA-F]+|(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?(?:(?:ms|[smhdwy])\d*)*)/g,
    '$1 ',
  );

  const names = new Set<string>();
  const identifier = /[A-Za-z_:][A-Za-z0-9_:]*/g;
  for (const match of text.matchAll(identifier)) {
    const name = match[0];
    const after = text.slice((match.index ?? 0) + name.length);
    const lower = name.toLowerCase();
    if (keywords.has(lower)) continue;
    if (aggregations.has(lower) && /^\s*(\(|by\b|without\b)/i.test(after)) continue;
    if (/^\s*\(/.test(after)) continue; // a function call
    names.add(name);
  }
  return [...names].sort();
}
