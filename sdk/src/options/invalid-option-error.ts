/** Thrown by `instrument*()`, `stage()` and `pipeline()` when an option is invalid; names the option. */
export class InvalidOptionError extends Error {
  override readonly name = 'InvalidOptionError';

  constructor(
    /** Path of the option, e.g. `labels.maxValuesPerLabel`. */
    readonly option: string,
    problem: string,
  ) {
    super(`streamops: invalid option "${option}": ${problem}`);
  }
}
