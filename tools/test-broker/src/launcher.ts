import { type ChildProcess, spawn } from 'node:child_process';
import * as readline from 'node:readline';

import { ensureBrokerBuilt } from './build';
import { type BrokerControl, ControlClient, UnavailableControl } from './control';
import { externalBootstrap, testBrokerKind } from './environment';
import { ensureKafkaResolved } from './kafka/artifacts';
import { KafkaClusterControl } from './kafka/kafka-control';
import { type ClusterSecurityOptions, type ClusterTls, KraftCluster } from './kafka/kraft-cluster';
import { brokerBinary } from './paths';

/** Which broker a test gets: real Apache Kafka (KRaft), or librdkafka's mock cluster with its control port. */
export type TestBrokerKind = 'kafka' | 'mock';

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
  /**
   * Real Apache Kafka or the mock. Default: `STREAMOPS_TEST_KAFKA` (`kafka` or `mock`), else `kafka`. Tests whose
   * point is a control-port fault (response delays, pushed error codes, leader moves) ask for `mock`.
   */
  kind?: TestBrokerKind;
  /** Number of brokers: 1..32 on the mock, 1..5 on real Kafka (each node a broker and a controller). Default 3. */
  brokers?: number;
  /** Topics to create at start-up: a name (1 partition) or a {@link TopicSpec}. */
  topics?: ReadonlyArray<string | TopicSpec>;
  /** How long to wait for the broker to be ready. Default 15 s (start-up normally takes well under 1 s). */
  readyTimeoutMs?: number;
  /** Longest time the broker holds an empty fetch before answering it. Default 100 ms. */
  fetchWaitMaxMs?: number;
  /** Whether committed offsets are also written to `__consumer_offsets`. Default true (mock only; Kafka always does). */
  offsetsTopic?: boolean;
  /** A secured client listener (real Kafka only): SASL/SCRAM-SHA-512, TLS, or both. */
  security?: ClusterSecurityOptions;
  /** Extra broker settings for every node (real Kafka only), for example `{ 'log.retention.ms': 60000 }`. */
  serverProperties?: Readonly<Record<string, string | number | boolean>>;
}

/** A running test broker, or an external cluster standing in for it. */
export interface TestBroker {
  /** Bootstrap list, `host:port` entries. */
  readonly bootstrap: string[];
  /** Fault injection and set-up; unavailable (every method rejects) when {@link external} is true. */
  readonly control: BrokerControl;
  /** What is serving: a local real Kafka, the local mock, or the external cluster `KAFKA_BROKERS` named. */
  readonly kind: TestBrokerKind | 'external';
  /** True when `KAFKA_BROKERS` named an external cluster, which is then used instead of a local broker. */
  readonly external: boolean;
  /** PID of the local broker process (real Kafka: of node 1); undefined for an external cluster. */
  readonly pid: number | undefined;
  /** PIDs of every local broker process (the mock is one process; real Kafka one JVM per node). */
  readonly pids: number[];
  /** Version of the broker software: Kafka's (for example `4.4.0`), `mock`, or `external`. */
  readonly version: string;
  /** The CA to trust, when the cluster's client listener uses TLS. */
  readonly tls: ClusterTls | undefined;
  /**
   * A PLAINTEXT bootstrap list with full rights: the same as {@link bootstrap} unless the client listener is
   * secured, in which case it is the brokers' internal listener (for set-up behind the secured door).
   */
  readonly adminBootstrap: string[];
  /** Address of the local broker's control port (line protocol, see README.md); undefined for an external cluster. */
  readonly controlAddress: { host: string; port: number } | undefined;
  /**
   * Stops the local broker (SIGTERM by PID, SIGKILL if it does not exit within 5 s; real Kafka within 3 s) and
   * waits for its exit; real Kafka's storage folders are removed.
   */
  stop(): Promise<void>;
}

/** The broker's start-up line: `READY {...}`. */
interface ReadyLine {
  pid: number;
  bootstrap: string[];
  control: { host: string; port: number };
}

const defaultReadyTimeoutMs = 15_000;
const defaultKafkaReadyTimeoutMs = 90_000;
const stopGraceMs = 5_000;
const stderrLinesKept = 40;

/**
 * Starts a test broker on 127.0.0.1 (random free ports) and resolves once it answers: real Apache Kafka in
 * KRaft mode by default, or librdkafka's mock (see {@link StartTestBrokerOptions.kind}). When the environment
 * variable `KAFKA_BROKERS` is set, no broker is started: the external cluster it names is returned instead,
 * with `external: true` and a control that rejects every call.
 */
export async function startTestBroker(options: StartTestBrokerOptions = {}): Promise<TestBroker> {
  const external = externalBootstrap();
  if (external) return new ExternalCluster(external);

  const kind = options.kind ?? testBrokerKind();
  if (kind === 'kafka') return LocalKafkaCluster.start(options);
  if (options.security || options.serverProperties) {
    throw new Error('security and serverProperties need real Kafka: the mock broker has plaintext only');
  }
  await ensureBrokerBuilt();
  return LocalTestBroker.start(options);
}

class LocalKafkaCluster implements TestBroker {
  readonly kind = 'kafka';
  readonly external = false;
  readonly controlAddress = undefined;
  readonly control: KafkaClusterControl;
  readonly tls: ClusterTls | undefined;
  readonly version: string;

  private constructor(private readonly cluster: KraftCluster) {
    this.control = new KafkaClusterControl(cluster);
    this.tls = cluster.tls;
    this.version = cluster.kafkaVersion;
  }

  static async start(options: StartTestBrokerOptions): Promise<LocalKafkaCluster> {
    const { version } = await ensureKafkaResolved();
    const cluster = await KraftCluster.start(
      {
        nodes: options.brokers ?? 3,
        security: options.security,
        overrides: options.serverProperties,
        readyTimeoutMs: options.readyTimeoutMs ?? defaultKafkaReadyTimeoutMs,
      },
      version,
    );
    const broker = new LocalKafkaCluster(cluster);
    try {
      await broker.control.createTopics(
        (options.topics ?? []).map((topic) => {
          const spec = typeof topic === 'string' ? { name: topic } : topic;
          return {
            name: spec.name,
            partitions: spec.partitions ?? 1,
            replicationFactor: spec.replicationFactor,
          };
        }),
      );
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return broker;
  }

  get bootstrap(): string[] {
    return this.cluster.bootstrap;
  }

  get adminBootstrap(): string[] {
    return this.cluster.adminBootstrap;
  }

  get pids(): number[] {
    return this.cluster.nodeIds.flatMap((id) => this.cluster.pidOf(id) ?? []);
  }

  get pid(): number | undefined {
    return this.cluster.pidOf(1);
  }

  stop(): Promise<void> {
    return this.cluster.stop();
  }
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
  readonly kind = 'mock';
  readonly external = false;
  readonly version = 'mock';
  readonly tls = undefined;
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

  get pids(): number[] {
    return [this.pid];
  }

  get adminBootstrap(): string[] {
    return this.bootstrap;
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
  readonly kind = 'external';
  readonly external = true;
  readonly version = 'external';
  readonly tls = undefined;
  readonly pid = undefined;
  readonly pids: number[] = [];
  readonly controlAddress = undefined;
  readonly control: BrokerControl;

  constructor(readonly bootstrap: string[]) {
    this.control = new UnavailableControl(bootstrap);
  }

  get adminBootstrap(): string[] {
    return this.bootstrap;
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
