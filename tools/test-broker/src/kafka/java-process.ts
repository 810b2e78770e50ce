import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as readline from 'node:readline';

import { ensureKafkaResolved, kafkaLog4jConfig } from './artifacts';

const stderrLinesKept = 60;

/** A JVM started from Kafka's pinned jars (a test node or one of Kafka's tools), owned by this process. */
export interface JavaProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  /** The last lines the JVM wrote to stderr (for error messages). */
  readonly stderrTail: readonly string[];
  /** Resolves with the exit code or signal once the JVM has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM by PID, SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL by PID; resolves once it has exited. */
  kill(): Promise<void>;
}

/** Options of {@link startJavaProcess}. */
export interface JavaProcessOptions {
  readonly mainClass: string;
  readonly args: readonly string[];
  /** JVM flags, for example `-Xmx256m`. Default: a small serial-GC heap fit for a 2-core test machine. */
  readonly jvmFlags?: readonly string[];
  /** Called with each stdout line. Without it, stdout is discarded. */
  readonly onStdoutLine?: (line: string) => void;
}

const defaultJvmFlags = ['-Xms64m', '-Xmx256m', '-XX:+UseSerialGC'];

// With PR_SET_PDEATHSIG the kernel kills the JVM when this process dies, so a crashed test run leaves no JVM
// behind. `setpriv` (util-linux) execs java, so the PID we get is the JVM's.
const setprivPath = ['/usr/bin/setpriv', '/bin/setpriv'].find((candidate) => existsSync(candidate));

/** Starts a JVM on Kafka's pinned classpath (resolving the jars first if needed). */
export async function startJavaProcess(options: JavaProcessOptions): Promise<JavaProcess> {
  const { classpath } = await ensureKafkaResolved();
  const javaArgs = [
    ...(options.jvmFlags ?? defaultJvmFlags),
    `-Dlog4j2.configurationFile=${kafkaLog4jConfig}`,
    '-cp',
    classpath,
    options.mainClass,
    ...options.args,
  ];
  const [command, args] = setprivPath
    ? [setprivPath, ['--pdeathsig', 'KILL', '--', 'java', ...javaArgs]]
    : ['java', javaArgs];
  const child = spawn(command, args, { stdio: ['ignore', options.onStdoutLine ? 'pipe' : 'ignore', 'pipe'] });
  const stderrTail: string[] = [];
  const echo = Boolean(process.env.STREAMOPS_TEST_BROKER_LOG);
  if (child.stderr) {
    readline.createInterface({ input: child.stderr }).on('line', (line) => {
      stderrTail.push(line);
      if (stderrTail.length > stderrLinesKept) stderrTail.shift();
      if (echo) process.stderr.write(`${line}\n`);
    });
  }
  if (child.stdout && options.onStdoutLine) {
    readline.createInterface({ input: child.stdout }).on('line', options.onStdoutLine);
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const pid = await new Promise<number>((resolve, reject) => {
    child.once('spawn', () => resolve(child.pid ?? -1));
    child.once('error', (error) =>
      reject(new Error(`could not start java (${options.mainClass}): ${error.message}`)),
    );
  });

  const hasExited = (): boolean => child.exitCode !== null || child.signalCode !== null;
  const send = (name: NodeJS.Signals): void => {
    try {
      process.kill(pid, name);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error; // already gone
    }
  };
  const kill = async (): Promise<void> => {
    if (hasExited()) return;
    send('SIGKILL');
    await exited;
  };
  const stop = async (graceMs = 5_000): Promise<void> => {
    if (hasExited()) return;
    send('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), graceMs);
    });
    const outcome = await Promise.race([exited, timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') await kill();
  };
  return { pid, child, stderrTail, exited, stop, kill };
}

/** Runs one of Kafka's command-line tools to completion; rejects with its stderr when it fails. */
export async function runJavaTool(mainClass: string, args: readonly string[]): Promise<string> {
  const stdout: string[] = [];
  const tool = await startJavaProcess({ mainClass, args, onStdoutLine: (line) => stdout.push(line) });
  const { code, signal } = await tool.exited;
  if (code !== 0) {
    throw new Error(
      `${mainClass} ${args.join(' ')} failed (${signal ?? `exit code ${code}`}):\n` +
        [...stdout.slice(-10), ...tool.stderrTail].join('\n'),
    );
  }
  return stdout.join('\n');
}
