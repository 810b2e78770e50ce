/**
 * Reading engine REST responses defensively. Every accessor names the endpoint and the
 * field path in its error, so a response of the wrong shape says exactly what was wrong;
 * fields nobody asks for (newer engine versions add many) are never looked at.
 */

/** A response that is not the documented shape. */
export class EngineResponseError extends Error {
  override readonly name = 'EngineResponseError';

  constructor(
    /** Request path that returned it, e.g. `/jobs/overview`. */
    readonly endpoint: string,
    /** Field path inside the response, e.g. `jobs[2].state`; `(body)` for the whole body. */
    readonly field: string,
    problem: string,
  ) {
    super(`${endpoint}: ${field} ${problem}`);
  }
}

/** Where a value sits: the endpoint and the field path. */
export interface JsonPlace {
  readonly endpoint: string;
  readonly field: string;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing (the field is missing)';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return `the string ${JSON.stringify(value.slice(0, 40))}`;
    case 'number':
    case 'boolean':
      return `${typeof value} ${value}`;
    default:
      return `${typeof value === 'object' ? 'an' : 'a'} ${typeof value}`;
  }
}

function fail(place: JsonPlace, problem: string): never {
  throw new EngineResponseError(place.endpoint, place.field, problem);
}

/** A place inside another: `jobs` → `jobs[2]`, `jobs[2]` → `jobs[2].state`. */
export function child(place: JsonPlace, key: string | number): JsonPlace {
  const field =
    typeof key === 'number'
      ? `${place.field}[${key}]`
      : place.field === '(body)'
        ? key
        : `${place.field}.${key}`;
  return { endpoint: place.endpoint, field };
}

/** The body of a response from `endpoint`. */
export function bodyOf(endpoint: string): JsonPlace {
  return { endpoint, field: '(body)' };
}

/** The value as an object (a JSON object, not an array). */
export function asObject(value: unknown, place: JsonPlace): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(place, `must be an object, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

/** The value as an array. */
export function asArray(value: unknown, place: JsonPlace): readonly unknown[] {
  if (!Array.isArray(value)) fail(place, `must be an array, got ${describe(value)}`);
  return value;
}

/** A required string field. */
export function stringField(object: Record<string, unknown>, key: string, place: JsonPlace): string {
  const value = object[key];
  if (typeof value !== 'string') fail(child(place, key), `must be a string, got ${describe(value)}`);
  return value;
}

/**
 * A number given as a JSON number or as a decimal string (Storm sends latencies and
 * capacity as strings; Flink quotes NaN and infinities). NaN and infinities read as null:
 * the engine could not measure the value.
 */
export function numberOrNull(value: unknown, place: JsonPlace): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string') {
    const text = value.trim();
    if (/^[+-]?(NaN|Infinity|inf)$/i.test(text)) return null;
    const parsed = Number(text);
    if (text !== '' && Number.isFinite(parsed)) return parsed;
  }
  return fail(place, `must be a number, got ${describe(value)}`);
}

/** A required number field (NaN and infinities read as null). */
export function numberField(object: Record<string, unknown>, key: string, place: JsonPlace): number | null {
  return numberOrNull(object[key], child(place, key));
}

/** A required non-negative number field; NaN reads as null. */
export function countField(object: Record<string, unknown>, key: string, place: JsonPlace): number | null {
  const value = numberField(object, key, place);
  if (value !== null && value < 0) fail(child(place, key), `must not be negative, got ${value}`);
  return value;
}

/** An optional field: undefined and null when absent, else read by `read`. */
export function optionalField<T>(
  object: Record<string, unknown>,
  key: string,
  place: JsonPlace,
  read: (value: unknown, place: JsonPlace) => T,
): T | undefined {
  const value = object[key];
  return value === undefined || value === null ? undefined : read(value, child(place, key));
}
