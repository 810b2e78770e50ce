/**
 * Argument checks shared by the pure lag and status modules.
 *
 * Each throws a RangeError that names the argument and the bad value, so a caller feeding
 * NaN or a negative offset learns which input was wrong instead of getting NaN lag back.
 * Internal: not exported from the package.
 */

/** Throws unless `value` is a Kafka offset: a non-negative safe integer. */
export function assertOffset(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative safe integer, got ${value}`);
  }
}

/** Throws unless `value` is a point in time in epoch milliseconds: finite and not negative. */
export function assertTimeMs(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`${name} must be a finite, non-negative time in milliseconds, got ${value}`);
  }
}

/** Throws unless `value` is a finite number that is not negative (a count, a rate, a duration). */
export function assertNonNegative(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`${name} must be a finite, non-negative number, got ${value}`);
  }
}

/** Throws when time went backwards between two readings that must be in order. */
export function assertNotBefore(
  laterName: string,
  laterMs: number,
  earlierName: string,
  earlierMs: number,
): void {
  if (laterMs < earlierMs) {
    throw new RangeError(
      `${laterName} (${laterMs}) is before ${earlierName} (${earlierMs}); time must not go backwards`,
    );
  }
}
