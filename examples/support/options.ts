import { parseArgs, type ParseArgsConfig } from 'node:util';

type FlagConfig = NonNullable<ParseArgsConfig['options']>;

/** Reads `--name` as a number ≥ `min`, or fails with a message that names the flag. */
export function numberOption(name: string, text: string, min: number): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < min) {
    throw new Error(`--${name} must be a number ≥ ${min}, got ${JSON.stringify(text)}`);
  }
  return value;
}

/**
 * Parses an example's flags strictly. `--help` prints `usage` and exits 0; an unknown or
 * malformed flag prints the problem and `usage` and exits 2.
 */
export function parseExampleArgs<T extends FlagConfig>(
  argv: readonly string[],
  options: T,
  usage: string,
): ReturnType<typeof parseArgs<{ options: T; strict: true }>>['values'] {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(usage);
    process.exit(0);
  }
  try {
    return parseArgs({ args: [...argv], options, strict: true }).values;
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`);
    process.exit(2);
  }
}
