import { InvalidOptionError } from './invalid-option-error';

/** Longest pipeline, stage or group name accepted as a label value. */
export const MAX_NAME_LENGTH = 200;

// Control characters make unreadable label values and break some exposition parsers.
function hasControlCharacter(value: string): boolean {
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) {
    return String(value);
  }
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

/** Throws unless `value` is a plain object, or undefined; returns it as a record. */
export function optionalObject(value: unknown, path: string): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidOptionError(path, `must be an object, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

/** Throws on keys not in `allowed`, which are most likely typos. */
export function checkKnownKeys(
  value: Record<string, unknown>,
  allowed: readonly string[],
  path: string,
): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      const option = path === '' ? key : `${path}.${key}`;
      throw new InvalidOptionError(option, `unknown option; known ones are ${allowed.join(', ')}`);
    }
  }
}

/** A pipeline, stage, group or topic name: a non-empty string without control characters. */
export function optionalName(value: unknown, path: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InvalidOptionError(path, `must be a non-empty string, got ${describe(value)}`);
  }
  if (value.length > MAX_NAME_LENGTH) {
    throw new InvalidOptionError(path, `must be at most ${MAX_NAME_LENGTH} characters, got ${value.length}`);
  }
  if (hasControlCharacter(value)) {
    throw new InvalidOptionError(path, 'must not contain control characters');
  }
  return value;
}

export function optionalBoolean(value: unknown, path: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean')
    throw new InvalidOptionError(path, `must be true or false, got ${describe(value)}`);
  return value;
}

export function optionalInteger(value: unknown, path: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidOptionError(path, `must be an integer from ${min} to ${max}, got ${describe(value)}`);
  }
  return value;
}

/** An object that has the given methods (a duck-typed Registry, TracerProvider...). */
export function optionalWithMethods<T>(
  value: unknown,
  path: string,
  methods: readonly string[],
  what: string,
): T | undefined {
  if (value === undefined) return undefined;
  const record = value as Record<string, unknown> | null;
  if (typeof value !== 'object' || record === null || methods.some((m) => typeof record[m] !== 'function')) {
    throw new InvalidOptionError(
      path,
      `must be ${what} (an object with ${methods.join(', ')}), got ${describe(value)}`,
    );
  }
  return value as T;
}
