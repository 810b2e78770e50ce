// Runs a service script as a child process, the way it would run on its own: its own PID,
// its own prom-client registry, SIGTERM to stop it.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const repositoryRoot = join(__dirname, '..', '..');
const linesKeptForErrors = 20;

/** A service process ended while it was still needed. */
export class ServiceExitedError extends Error {}

/** A service running in a child process; its output is echoed with a `[label]` prefix. */
export interface ServiceProcess {
  readonly label: string;
  readonly pid: number;
  /** The lines printed so far, stdout and stderr. */
  lines(): readonly string[];
  /** Waits for an output line matching `pattern`; fails when the process exits first or after `timeoutMs`. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  /** Throws a {@link ServiceExitedError}, with the last lines of output, if the process has exited. */
  assertRunning(): void;
  /** SIGTERM by PID, SIGKILL if it has not exited after `graceMs`; resolves with the exit code (null if killed). */
  stop(graceMs?: number): Promise<number | null>;
}

/**
 * Starts `node --import tsx <script>` from the repository root, so `@streamops/*` resolves to
 * the package sources as it does for the examples themselves.
 */
export function startServiceProcess(
  label: string,
  script: string,
  env: Readonly<Record<string, string>>,
): ServiceProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: repositoryRoot,
    env: { ...process.env, TSX_TSCONFIG_PATH: join(repositoryRoot, 'tsconfig.check.json'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`${label}: could not start ${script}`);
  const pid = child.pid;
  const lines: string[] = [];
  const lineListeners = new Set<(line: string) => void>();
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      exitCode = code;
      resolve(code);
    });
  });

  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        console.log(`  [${label}] ${line}`);
        for (const listener of lineListeners) listener(line);
      }
    });
  }

  const exitedError = () =>
    new ServiceExitedError(
      `${label} (pid ${pid}) exited with code ${exitCode ?? 'null'}; its last output:\n` +
        lines.slice(-linesKeptForErrors).join('\n'),
    );

  return {
    label,
    pid,
    lines: () => lines,
    waitForLine(pattern, timeoutMs) {
      const seen = lines.map((line) => pattern.exec(line)).find((match) => match !== null);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const finish = (outcome: () => void) => {
          clearTimeout(timer);
          lineListeners.delete(onLine);
          outcome();
        };
        const onLine = (line: string) => {
          const match = pattern.exec(line);
          if (match) finish(() => resolve(match));
        };
        const timer = setTimeout(
          () =>
            finish(() =>
              reject(new Error(`${label} printed no line matching ${pattern} within ${timeoutMs} ms`)),
            ),
          timeoutMs,
        );
        lineListeners.add(onLine);
        void exited.then(() => finish(() => reject(exitedError())));
      });
    },
    assertRunning() {
      if (exitCode !== undefined) throw exitedError();
    },
    async stop(graceMs = 10_000) {
      if (exitCode !== undefined) return exitCode;
      process.kill(pid, 'SIGTERM');
      let graceTimer: NodeJS.Timeout | undefined;
      const inTime = await Promise.race([
        exited.then(() => true),
        new Promise<boolean>((resolve) => (graceTimer = setTimeout(() => resolve(false), graceMs))),
      ]);
      clearTimeout(graceTimer);
      if (!inTime) {
        console.error(`${label} (pid ${pid}) did not exit within ${graceMs} ms of SIGTERM; sending SIGKILL`);
        process.kill(pid, 'SIGKILL');
      }
      return exited;
    },
  };
}

/**
 * Calls `probe` every `intervalMs` until it returns a value other than undefined, or fails
 * after `timeoutMs` naming `description` and the last problem. A probe that throws is
 * retried, except with a {@link ServiceExitedError}: waiting longer cannot help then.
 */
export async function waitUntil<T>(
  description: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastProblem = 'no result yet';
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      if (error instanceof ServiceExitedError) throw error;
      lastProblem = (error as Error).message;
    }
    if (Date.now() >= deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}: ${lastProblem}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
