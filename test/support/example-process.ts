import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pollUntil } from './poll';

const repositoryRoot = join(__dirname, '..', '..');

/** An example (or the demo) running as a child process, as `./scripts/example.sh` runs it. */
export interface ExampleProcess {
  /** Everything it printed so far, stdout and stderr together. */
  output(): string;
  /** Waits until it exits by itself and returns its exit code; fails after `timeoutMs`. */
  exitCode(timeoutMs: number): Promise<number | null>;
  /** SIGTERM (the example stops what it started; tsx passes the signal on) unless it exited already. */
  stop(): Promise<void>;
}

/** Starts `examples/<example>/main.ts` with `args` against the test broker (KAFKA_BROKERS unset). */
export function startExample(example: string, args: readonly string[]): ExampleProcess {
  const child = spawn(
    join(repositoryRoot, 'node_modules', '.bin', 'tsx'),
    [
      '--tsconfig',
      join(repositoryRoot, 'tsconfig.check.json'),
      join(repositoryRoot, 'examples', example, 'main.ts'),
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KAFKA_BROKERS: '' } },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let code: number | null | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (exitCode) => {
      code = exitCode;
      resolve();
    }),
  );
  return {
    output: () => output,
    exitCode: (timeoutMs) =>
      pollUntil(`examples/${example} to exit`, () => (code === undefined ? undefined : { code }), {
        timeoutMs,
        intervalMs: 100,
      }).then((exit) => exit.code),
    async stop() {
      if (code !== undefined) return;
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
    },
  };
}

/** Runs an example to its end; fails with its output when it does not exit 0. */
export async function runExample(
  example: string,
  args: readonly string[],
  timeoutMs = 55_000,
): Promise<string> {
  const run = startExample(example, args);
  try {
    const code = await run.exitCode(timeoutMs);
    if (code !== 0) throw new Error(`examples/${example} exited with code ${code}:\n${run.output()}`);
    return run.output();
  } finally {
    await run.stop();
  }
}

/** PIDs the example printed (`pid 1234`), for checking that none is left running. */
export function printedPids(output: string): number[] {
  return [...output.matchAll(/pid (\d+)/g)].map((match) => Number(match[1]));
}

/** PIDs on the example's `Kafka:` line: the local test broker's processes (one per Kafka node). */
export function printedBrokerPids(output: string): number[] {
  const line = /^\s*Kafka:.*$/m.exec(output)?.[0] ?? '';
  return printedPids(line);
}

/** Whether a process with this PID still exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
