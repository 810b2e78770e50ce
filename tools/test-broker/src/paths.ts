import * as path from 'node:path';

/** Root folder of the @streamops/test-broker package (the same from `src/` and from `dist/`). */
export const packageRoot: string = path.resolve(__dirname, '..');

/** The script that fetches librdkafka and builds the broker program. */
export const buildScript: string = path.join(packageRoot, 'build.sh');

/**
 * The broker program produced by {@link buildScript}. `STREAMOPS_TEST_BROKER_BINARY` replaces it, for example
 * with a sanitizer build when checking the broker itself.
 */
export const brokerBinary: string =
  process.env.STREAMOPS_TEST_BROKER_BINARY ??
  path.join(packageRoot, '.build', 'bin', 'streamops-test-broker');

/** Root folder of the repository (tools/test-broker/../..). */
export const repositoryRoot: string = path.resolve(packageRoot, '..', '..');
