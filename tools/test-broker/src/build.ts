import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

import { brokerBinary, buildScript } from './paths';

let buildOnce: Promise<void> | undefined;

/**
 * Makes sure the broker program exists and is up to date, running `build.sh` when needed.
 *
 * The script is run at most once per process. It keeps stamps of what it built, so when everything is up to
 * date it returns in milliseconds; running it even when the binary exists means edited C sources are never
 * silently ignored. The first build on a machine fetches librdkafka with `npm pack` and compiles it (about a
 * minute on 2 cores). Progress lines go to stderr.
 */
export function ensureBrokerBuilt(): Promise<void> {
  buildOnce ??= runBuildScript().catch((error: unknown) => {
    buildOnce = undefined; // let a later call try again
    throw error;
  });
  return buildOnce;
}

function runBuildScript(): Promise<void> {
  return new Promise((resolve, reject) => {
    // stdout goes to stderr too, so that build progress never mixes with a test runner's own output.
    const build = spawn('bash', [buildScript], { stdio: ['ignore', 2, 2] });
    build.on('error', reject);
    build.on('exit', (code, signal) => {
      if (code === 0 && existsSync(brokerBinary)) {
        resolve();
      } else {
        reject(new Error(`test broker build failed (${signal ?? `exit code ${code}`}): ${buildScript}`));
      }
    });
  });
}
