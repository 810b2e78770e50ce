import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

import { repositoryRoot } from '../paths';

/** The Maven module that pins Apache Kafka's artifacts, and its set-up script. */
export const kafkaModuleDir: string = path.join(repositoryRoot, 'tools', 'kafka');
const setupScript = path.join(kafkaModuleDir, 'setup.sh');
/** Where the set-up script puts the jars (git-ignored). */
export const kafkaLibsDir: string = path.join(repositoryRoot, '.tools', 'kafka', 'libs');
const versionFile = path.join(repositoryRoot, '.tools', 'kafka', 'version');
/** Logging configuration of the test nodes and tools (warnings and errors to stderr). */
export const kafkaLog4jConfig: string = path.join(kafkaModuleDir, 'log4j2.properties');

/** The resolved Kafka distribution: a classpath for `java -cp` and its version. */
export interface KafkaArtifacts {
  readonly classpath: string;
  readonly version: string;
}

let resolveOnce: Promise<KafkaArtifacts> | undefined;

/**
 * Makes sure the pinned Kafka jars are in `.tools/kafka/libs`, running `tools/kafka/setup.sh` at most once per
 * process (a no-op in milliseconds when they are; the first time Maven resolves them, offline once cached).
 */
export function ensureKafkaResolved(): Promise<KafkaArtifacts> {
  resolveOnce ??= runSetupScript().catch((error: unknown) => {
    resolveOnce = undefined; // let a later call try again
    throw error;
  });
  return resolveOnce;
}

function runSetupScript(): Promise<KafkaArtifacts> {
  return new Promise((resolve, reject) => {
    // Progress goes to stderr so that it never mixes with a test runner's own output.
    const setup = spawn('bash', [setupScript], { stdio: ['ignore', 2, 2] });
    setup.on('error', reject);
    setup.on('exit', (code, signal) => {
      if (code === 0 && existsSync(kafkaLibsDir) && existsSync(versionFile)) {
        resolve({
          classpath: path.join(kafkaLibsDir, '*'),
          version: readFileSync(versionFile, 'utf8').trim(),
        });
      } else {
        reject(new Error(`resolving Apache Kafka failed (${signal ?? `exit code ${code}`}): ${setupScript}`));
      }
    });
  });
}
