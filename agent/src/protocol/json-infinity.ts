// JSON has no infinities, and the agent's API has fields that are +Inf by meaning (time to
// drain while lag grows). They travel as the strings "+Inf" and "-Inf", as in Prometheus.

/** JSON.stringify replacer: infinite numbers become "+Inf" / "-Inf". */
export function infinityReplacer(_key: string, value: unknown): unknown {
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return value;
}

/** A JSON.parse reviver that turns "+Inf" / "-Inf" back into numbers, in the named fields only. */
export function infinityReviver(fields: ReadonlySet<string>): (key: string, value: unknown) => unknown {
  return (key, value) => {
    if (!fields.has(key)) return value;
    if (value === '+Inf') return Number.POSITIVE_INFINITY;
    if (value === '-Inf') return Number.NEGATIVE_INFINITY;
    return value;
  };
}
