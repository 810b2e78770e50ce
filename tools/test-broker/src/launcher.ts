import { type ChildProcess, spawn } from 'node:child_process';
import * as readline from 'node:readline';

import { ensureBrokerBuilt } from './build';
import { type BrokerControl, ControlClient, UnavailableControl } from './control';
import { externalBootstrap } from './environment';
import { brokerBinary } from './paths';

/** A topic to create when the broker starts. */
export interface TopicSpec {
  name: string;
  /** Default 1. */
  partitions?: number;
  /** Default min(3, brokers). */
  replicationFactor?: number;
}

/** Options of {@link startTestBroker}. */
export interface StartTestBrokerOptions {
  /** Number of brokers, 1..32. Default 3. */
  brokers?: number;
  /** Topics to create at start-up: a name (1 partition) or a {@link TopicSpec}. */
  topics?: ReadonlyArray<string | TopicSpec>;
  /** How long to wait for the broker to be ready. Default 15 s (start-up normally takes well under 1 s). */
  readyTimeoutMs?: number;
  /** Longest time the broker holds an empty fetch before answering it. Default 100 ms. */
  fetchWaitMaxMs?: number;
  /** Whether committed offsets are also written to `__consumer_offsets`. Default true. */
  offsetsTopic?: boolean;
}

/** A running test broker, or an external cluster standing in for it. */
export interface TestBroker {
  /** Bootstrap list, `host:port` entries. */
  readonly bootstrap: string[];
  /** Fault injection and set-up; unavailable (every method rejects) when {@link external} is true. */
  readonly control: BrokerControl;
  /** True when `KAFKA_BROKERS` named an external cluster, which is then used instead of a local broker. */
  readonly external: boolean;
  /** PID of the local broker process; undefined for an external cluster. */
  readonly pid: number | undefined;
  /** Address of the local broker's control port (line protocol, see README.md); undefined for an external cluster. */
  readonly controlAddress: { host: string; port: number } | undefined;
  /** Stops the local broker (SIGTERM by PID, SIGKILL if it does not exit within 5 s) and waits for its exit. */
  stop(): Promise<void>;
}

/** The broker's start-up line: `READY {...}`. */
interface ReadyLine {
  pid: number;
  bootstrap: string[];
  control: { host: string; port: number };
}

const defaultReadyTimeoutMs = 15_000;
const stopGraceMs = 5_000;
const stderrLinesKept = 40;

/**
 * Starts a Kafka-protocol test broker on 127.0.0.1 (random free ports) and resolves once it accepts
 * connections. When the environment variable `KAFKA_BROKERS` is set, no broker is started: the external
 * cluster it names is returned instead, with `external: true` and a control that rejects every call.
 */
export async function startTestBroker(options: StartTestBrokerOptions = {}): Promise<TestBroker> {
  const external = externalBootstrap();
  if (external) return new ExternalCluster(external);

  await ensureBrokerBuilt();
  return LocalTestBroker.start(options);
}

function topicArgument(topic: string | TopicSpec): string {
  const spec = typeof topic === 'string' ? { name: topic } : topic;
  const replication = spec.replicationFactor === undefined ? '' : `:${spec.replicationFactor}`;
  return `${spec.name}:${spec.partitions ?? 1}${replication}`;
}

function brokerArguments(options: StartTestBrokerOptions): string[] {
  const args = ['--brokers', String(options.brokers ?? 3)];
  for (const topic of options.topics ?? []) args.push('--topic', topicArgument(topic));
  if (options.fetchWaitMaxMs !== undefined) args.push('--fetch-wait-max-ms', String(options.fetchWaitMaxMs));
  if (options.offsetsTopic === false) args.push('--no-offsets-topic');
  return args;
}

class LocalTestBroker implements TestBroker {
  readonly external = false;
  readonly control: BrokerControl;
  private stopping: Promise<void> | undefined;

  private constructor(
    private readonly child: ChildProcess,
    readonly pid: number,
    readonly bootstrap: string[],
    readonly controlAddress: ReadyLine['control'],
  ) {
    this.control = new ControlClient(controlAddress.host, controlAddress.port);
  }

  static async start(options: StartTestBrokerOptions): Promise<LocalTestBroker> {
    const child = spawn(brokerBinary, brokerArguments(options), { stdio: ['ignore', 'pipe', 'pipe'] });
    const stderrTail = collectStderr(child);
    const ready = await waitForReadyLine(child, options.readyTimeoutMs ?? defaultReadyTimeoutMs, stderrTail);
    return new LocalTestBroker(child, ready.pid, ready.bootstrap, ready.control);
  }

  stop(): Promise<void> {
    this.stopping ??= this.terminate();
    return this.stopping;
  }

  private async terminate(): Promise<void> {
    if (hasExited(this.child)) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    signal(this.pid, 'SIGTERM');
    if (!(await settlesWithin(exited, stopGraceMs))) {
      signal(this.pid, 'SIGKILL');
      await exited;
    }
  }
}

class ExternalCluster implements TestBroker {
  readonly external = true;
  readonly pid = undefined;
  readonly controlAddress = undefined;
  readonly control: BrokerControl;

  constructor(readonly bootstrap: string[]) {
    this.control = new UnavailableControl(bootstrap);
  }

  stop(): Promise<void> {
    return Promise.resolve(); // not ours to stop
  }
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    // ESRCH: it already exited, which is what we want.
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

async function settlesWithin(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Keeps the last lines of the broker's stderr for error messages; echoes them when STREAMOPS_TEST_BROKER_LOG is set. */
function collectStderr(child: ChildProcess): string[] {
  const tail: string[] = [];
  const echo = Boolean(process.env.STREAMOPS_TEST_BROKER_LOG);
  if (child.stderr) {
    readline.createInterface({ input: child.stderr }).on('line', (line) => {
      tail.push(line);
      if (tail.length > stderrLinesKept) tail.shift();
      if (echo) process.stderr.write(`${line}\n`);
    });
  }
  return tail;
}

/** Reads the broker's stdout until its READY line, with a deadline (no fixed sleeps). */
function waitForReadyLine(child: ChildProcess, timeoutMs: number, stderrTail: string[]): Promise<ReadyLine> {
  return new Promise((resolve, reject) => {
    const stdout = child.stdout;
    if (!stdout) {
      reject(new Error('test broker started without a stdout pipe'));
      return;
    }
    const lines = readline.createInterface({ input: stdout });
    const describeStderr = (): string => (stderrTail.length > 0 ? `\n${stderrTail.join('\n')}` : '');

    const cleanup = (): void => {
      clearTimeout(timer);
      child.off('exit', onExit);
      child.off('error', onError);
      lines.off('line', onLine);
    };
    const fail = (error: Error): void => {
      cleanup();
      if (!hasExited(child) && child.pid !== undefined) signal(child.pid, 'SIGKILL');
      reject(error);
    };
    const onLine = (line: string): void => {
      if (!line.startsWith('READY ')) return;
      try {
        const ready = JSON.parse(line.slice('READY '.length)) as ReadyLine;
        cleanup();
        resolve(ready);
      } catch (error) {
        fail(new Error(`test broker printed an unreadable READY line: ${line} (${String(error)})`));
      }
    };
    const onExit = (code: number | null, exitSignal: NodeJS.Signals | null): void =>
      fail(
        new Error(
          `test broker exited before it was ready (${exitSignal ?? `exit code ${code}`})${describeStderr()}`,
        ),
      );
    const onError = (error: Error): void =>
      fail(new Error(`could not start the test broker: ${error.message}`));
    const timer = setTimeout(
      () => fail(new Error(`test broker was not ready within ${timeoutMs} ms${describeStderr()}`)),
      timeoutMs,
    );

    lines.on('line', onLine);
    child.on('exit', onExit);
    child.on('error', onError);
  });
}
