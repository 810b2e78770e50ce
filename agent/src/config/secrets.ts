import { readFileSync } from 'node:fs';
import { ConfigError } from './load';
import { type SecretReference } from './schema';

/** Resolves a secret reference at connection time, so rotated files are picked up on reconnect. */
export function resolveSecret(
  reference: SecretReference,
  key: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): string {
  if ('env' in reference) {
    const value = env[reference.env];
    if (value === undefined || value === '') {
      throw new ConfigError(`${key}: environment variable ${reference.env} is not set`);
    }
    return value;
  }
  try {
    // Secret files mounted from Kubernetes often end with a newline that is not part of the secret.
    return readFile(reference.file).replace(/\r?\n$/, '');
  } catch (error) {
    throw new ConfigError(`${key}: cannot read secret file ${reference.file}: ${(error as Error).message}`);
  }
}
