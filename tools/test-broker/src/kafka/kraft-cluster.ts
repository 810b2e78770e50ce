import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

import { Kafka, logLevel } from 'kafkajs';

import {
  type ClientSecurityProtocol,
  type ClusterLayout,
  type NodeLayout,
  serverProperties,
} from './server-properties';
import { type JavaProcess, runJavaTool, startJavaProcess } from './java-process';
import { makeTlsMaterial, type TlsMaterial } from './tls-material';

/** A SCRAM-SHA-512 user created when the cluster's storage is formatted. */
export interface ScramUser {
  readonly name: string;
  readonly password: string;
}

/** How clients must connect to a {@link KraftCluster}; PLAINTEXT when omitted. */
export interface ClusterSecurityOptions {
  /** The client listener's protocol. SASL uses SCRAM-SHA-512; SSL uses a CA made for this cluster. */
  readonly protocol: Exclude<ClientSecurityProtocol, 'PLAINTEXT'>;
  /** SCRAM-SHA-512 users (SASL protocols). */
  readonly users?: readonly ScramUser[];
  /**
   * Turns on Kafka's StandardAuthorizer: these users may do everything, everyone else only what ACLs allow
   * (nothing, until a test creates ACLs through {@link KraftCluster.adminBootstrap}).
   */
  readonly superUsers?: readonly string[];
}

/** Options of {@link KraftCluster.start}. */
export interface KraftClusterOptions {
  /** 1 or 3 nodes (each a combined broker and controller). */
  readonly nodes: number;
  readonly security?: ClusterSecurityOptions;
  /** Extra broker settings for every node. */
  readonly overrides?: Readonly<Record<string, string | number | boolean>>;
  readonly readyTimeoutMs: number;
}

/** What clients need to trust the cluster's TLS listener. */
export interface ClusterTls {
  /** The test CA's certificate, PEM. */
  readonly caPem: string;
  readonly caPemPath: string;
}

const loopback = '127.0.0.1';
const nodeJvmFlags = ['-Xms128m', '-Xmx384m', '-XX:+UseSerialGC', '-XX:MaxDirectMemorySize=128m'];
const stopGraceMs = 3_000;
const pollIntervalMs = 150;

/** Reserves `count` distinct free loopback ports (all held open until every one is chosen, then released). */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Server>((resolve, reject) => {
          const server = net.createServer();
          server.once('error', reject);
          server.listen(0, loopback, () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => (server.address() as net.AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** A KRaft cluster id: 16 random bytes in URL-safe base64, as Kafka's Uuid prints them (never starting with '-'). */
function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A local Apache Kafka cluster in KRaft mode on 127.0.0.1, started from the pinned jars: 1 or 3 combined
 * broker/controller nodes on random ports, storage in a temporary folder that {@link stop} removes.
 */
export class KraftCluster {
  private readonly processes = new Map<number, JavaProcess>();
  private stopping: Promise<void> | undefined;

  private constructor(
    private readonly baseDir: string,
    private readonly layout: ClusterLayout,
    private readonly propertiesPaths: ReadonlyMap<number, string>,
    /** The CA clients must trust, for SSL and SASL_SSL clusters. */
    readonly tls: ClusterTls | undefined,
    readonly kafkaVersion: string,
  ) {}

  /** Formats storage, starts every node and resolves once all brokers answer metadata. */
  static async start(options: KraftClusterOptions, kafkaVersion: string): Promise<KraftCluster> {
    if (!Number.isSafeInteger(options.nodes) || options.nodes < 1 || options.nodes > 5) {
      throw new RangeError(`a real Kafka test cluster has 1 to 5 nodes, got ${options.nodes}`);
    }
    const baseDir = await mkdtemp(path.join(os.tmpdir(), 'streamops-kafka-'));
    try {
      const security = options.security;
      const secured = security !== undefined;
      const portsPerNode = secured ? 3 : 2;
      const ports = await freePorts(options.nodes * portsPerNode);
      const port = (index: number): number => {
        const value = ports[index];
        if (value === undefined) throw new Error(`internal: no port ${index}`);
        return value;
      };
      const nodes: NodeLayout[] = Array.from({ length: options.nodes }, (_, index) => ({
        nodeId: index + 1,
        clientPort: port(index * portsPerNode),
        controllerPort: port(index * portsPerNode + 1),
        internalPort: secured ? port(index * portsPerNode + 2) : undefined,
        dataDir: path.join(baseDir, `node-${index + 1}`, 'data'),
      }));
      let tlsMaterial: TlsMaterial | undefined;
      if (security && (security.protocol === 'SSL' || security.protocol === 'SASL_SSL')) {
        const tlsDir = path.join(baseDir, 'tls');
        await mkdir(tlsDir);
        tlsMaterial = await makeTlsMaterial(tlsDir);
      }
      const sasl = security?.protocol === 'SASL_PLAINTEXT' || security?.protocol === 'SASL_SSL';
      const layout: ClusterLayout = {
        nodes,
        clientSecurity: security?.protocol ?? 'PLAINTEXT',
        tls: tlsMaterial
          ? { keystorePemPath: tlsMaterial.serverKeystorePemPath, clientCaPemPath: undefined }
          : undefined,
        saslMechanisms: sasl ? ['SCRAM-SHA-512'] : [],
        plainUsers: new Map(),
        superUsers: security?.superUsers,
        overrides: options.overrides ?? {},
      };
      const propertiesPaths = new Map<number, string>();
      for (const node of nodes) {
        const nodeDir = path.join(baseDir, `node-${node.nodeId}`);
        await mkdir(node.dataDir, { recursive: true });
        const propertiesPath = path.join(nodeDir, 'server.properties');
        await writeFile(propertiesPath, serverProperties(layout, node));
        propertiesPaths.set(node.nodeId, propertiesPath);
      }
      const id = clusterId();
      const scram = (security?.users ?? []).flatMap((user) => [
        '--add-scram',
        `SCRAM-SHA-512=[name=${user.name},password=${user.password}]`,
      ]);
      await Promise.all(
        [...propertiesPaths.values()].map((propertiesPath) =>
          runJavaTool('kafka.tools.StorageTool', ['format', '-t', id, '-c', propertiesPath, ...scram]),
        ),
      );
      const tls = tlsMaterial ? { caPem: tlsMaterial.caPem, caPemPath: tlsMaterial.caPemPath } : undefined;
      const cluster = new KraftCluster(baseDir, layout, propertiesPaths, tls, kafkaVersion);
      try {
        await Promise.all(nodes.map((node) => cluster.startNode(node.nodeId)));
        await cluster.waitForBrokers(nodes.length, options.readyTimeoutMs);
      } catch (error) {
        await cluster.stop();
        throw error;
      }
      return cluster;
    } catch (error) {
      await rm(baseDir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Bootstrap list of the client listener. */
  get bootstrap(): string[] {
    return this.layout.nodes.map((node) => `${loopback}:${node.clientPort}`);
  }

  /**
   * A PLAINTEXT bootstrap list with full rights: the client listener for a PLAINTEXT cluster, the brokers'
   * internal listener for a secured one (how tests create topics, ACLs and users behind the secured door).
   */
  get adminBootstrap(): string[] {
    return this.layout.nodes.map((node) => `${loopback}:${node.internalPort ?? node.clientPort}`);
  }

  /** Node ids, 1..N. */
  get nodeIds(): number[] {
    return this.layout.nodes.map((node) => node.nodeId);
  }

  /** PID of a running node's JVM, or undefined when it is down. */
  pidOf(nodeId: number): number | undefined {
    return this.processes.get(nodeId)?.pid;
  }

  /** A kafkajs admin client on {@link adminBootstrap}; the caller disconnects it. */
  adminClient(): ReturnType<Kafka['admin']> {
    return new Kafka({
      clientId: 'streamops-test-kafka',
      brokers: this.adminBootstrap,
      logLevel: logLevel.NOTHING,
      retry: { retries: 3, initialRetryTime: 100 },
    }).admin();
  }

  /** Kills a node with SIGKILL (no clean shutdown), as a crash would. */
  async killNode(nodeId: number): Promise<void> {
    const node = this.processes.get(this.checkedNode(nodeId));
    this.processes.delete(nodeId);
    await node?.kill();
  }

  /**
   * The node that leads the KRaft metadata quorum: the active controller. (DescribeCluster's "controller" is a
   * random live broker in KRaft mode, so it cannot say which node that is.) Asks the live controllers with
   * Kafka's own `kafka-metadata-quorum` tool.
   */
  async quorumLeader(): Promise<number> {
    const controllers = this.layout.nodes
      .filter((node) => this.processes.has(node.nodeId))
      .map((node) => `${loopback}:${node.controllerPort}`);
    if (controllers.length === 0) throw new Error('no node of this cluster is running');
    const output = await runJavaTool('org.apache.kafka.tools.MetadataQuorumCommand', [
      '--bootstrap-controller',
      controllers.join(','),
      'describe',
      '--status',
    ]);
    const leader = /^LeaderId:\s+(-?\d+)/m.exec(output)?.[1];
    if (leader === undefined || Number(leader) < 0) throw new Error(`the quorum has no leader:\n${output}`);
    return Number(leader);
  }

  /** Starts a node that is down again, on the same ports and storage; resolves once it answers metadata. */
  async restartNode(nodeId: number, readyTimeoutMs = 60_000): Promise<void> {
    if (this.processes.has(this.checkedNode(nodeId))) return;
    await this.startNode(nodeId);
    await this.waitForBrokers(this.layout.nodes.length, readyTimeoutMs, nodeId);
  }

  /** Stops every node by PID (SIGTERM, SIGKILL after 3 s) and removes the cluster's folders. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const nodes = [...this.processes.values()];
      this.processes.clear();
      await Promise.all(nodes.map((node) => node.stop(stopGraceMs)));
      await rm(this.baseDir, { recursive: true, force: true });
    })();
    return this.stopping;
  }

  private checkedNode(nodeId: number): number {
    if (!this.layout.nodes.some((node) => node.nodeId === nodeId)) {
      throw new RangeError(`no node ${nodeId} in this cluster (nodes ${this.nodeIds.join(', ')})`);
    }
    return nodeId;
  }

  private async startNode(nodeId: number): Promise<void> {
    const propertiesPath = this.propertiesPaths.get(nodeId);
    if (propertiesPath === undefined) throw new RangeError(`no node ${nodeId}`);
    const node = await startJavaProcess({
      mainClass: 'kafka.Kafka',
      args: [propertiesPath],
      jvmFlags: nodeJvmFlags,
    });
    this.processes.set(nodeId, node);
  }

  /** Polls metadata until `count` brokers (and `mustInclude`, when given) are registered, with a deadline. */
  private async waitForBrokers(count: number, timeoutMs: number, mustInclude?: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let lastProblem = 'no answer yet';
    for (;;) {
      for (const [nodeId, node] of this.processes) {
        if (node.child.exitCode !== null || node.child.signalCode !== null) {
          throw new Error(
            `Kafka node ${nodeId} exited during start-up (${node.child.signalCode ?? `exit code ${node.child.exitCode}`}):\n` +
              node.stderrTail.join('\n'),
          );
        }
      }
      const admin = this.adminClient();
      try {
        await admin.connect();
        const cluster = await admin.describeCluster();
        const ids = cluster.brokers.map((broker) => broker.nodeId);
        if (ids.length >= count && (mustInclude === undefined || ids.includes(mustInclude))) return;
        lastProblem = `${ids.length} of ${count} brokers registered (${ids.join(', ')})`;
      } catch (error) {
        lastProblem = (error as Error).message;
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
      if (Date.now() > deadline) {
        const tails = [...this.processes].map(
          ([id, node]) => `node ${id}:\n${node.stderrTail.slice(-15).join('\n')}`,
        );
        throw new Error(
          `Kafka test cluster was not ready within ${timeoutMs} ms: ${lastProblem}\n${tails.join('\n')}`,
        );
      }
      await sleep(pollIntervalMs);
    }
  }
}
