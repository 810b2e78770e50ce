/**
 * The `server.properties` of one node of a local KRaft test cluster. Pure: the launcher supplies ports and
 * folders. Every node is a combined broker and controller (`process.roles=broker,controller`), as in Kafka's
 * own quick start; a quorum of 1 or 3 voters keeps working when one of 3 nodes is killed.
 */

/** How clients reach the cluster: Kafka's `security.protocol` of the client listener. */
export type ClientSecurityProtocol = 'PLAINTEXT' | 'SASL_PLAINTEXT' | 'SSL' | 'SASL_SSL';

/** Ports and storage of one node. */
export interface NodeLayout {
  readonly nodeId: number;
  /** The listener clients use (`CLIENT`). */
  readonly clientPort: number;
  /** KRaft's controller listener. */
  readonly controllerPort: number;
  /** Inter-broker PLAINTEXT listener; present when the client listener is secured. */
  readonly internalPort: number | undefined;
  readonly dataDir: string;
}

/** TLS files of the client listener (PEM, made by {@link import('./tls-material')}). */
export interface ListenerTls {
  /** Unencrypted PKCS#8 key followed by the certificate chain. */
  readonly keystorePemPath: string;
  /** CA certificates trusted for client certificates; with it, clients must present one (mutual TLS). */
  readonly clientCaPemPath: string | undefined;
}

/** Settings shared by every node of one cluster. */
export interface ClusterLayout {
  readonly nodes: readonly NodeLayout[];
  readonly clientSecurity: ClientSecurityProtocol;
  /** Required for SSL and SASL_SSL. */
  readonly tls: ListenerTls | undefined;
  /** SASL mechanisms enabled on the client listener (SCRAM users are created when storage is formatted). */
  readonly saslMechanisms: readonly ('SCRAM-SHA-256' | 'SCRAM-SHA-512' | 'PLAIN')[];
  /** Users and passwords of the PLAIN mechanism, when enabled. */
  readonly plainUsers: ReadonlyMap<string, string>;
  /**
   * Principals that may do everything, with Kafka's StandardAuthorizer on (ACLs apply to everyone else;
   * nothing is allowed without an ACL). Undefined: no authorizer.
   */
  readonly superUsers: readonly string[] | undefined;
  /** Extra broker settings, applied last (a test's own overrides). */
  readonly overrides: Readonly<Record<string, string | number | boolean>>;
}

const loopback = '127.0.0.1';

function jaasValue(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** Escapes a value for a Java properties file (backslashes, and leading spaces, which would be dropped). */
function propertyValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/^ /, '\\ ').replace(/\n/g, '\\n');
}

/** The properties of node `node` of `cluster`, as `key=value` lines. */
export function serverProperties(cluster: ClusterLayout, node: NodeLayout): string {
  const replication = Math.min(3, cluster.nodes.length);
  const secured = cluster.clientSecurity !== 'PLAINTEXT';
  const voters = cluster.nodes.map((voter) => `${voter.nodeId}@${loopback}:${voter.controllerPort}`);
  const listeners = [`CLIENT://${loopback}:${node.clientPort}`];
  const protocolMap = [`CLIENT:${cluster.clientSecurity}`, 'CONTROLLER:PLAINTEXT'];
  if (secured) {
    if (node.internalPort === undefined) {
      throw new Error(`node ${node.nodeId}: a secured client listener needs an internal port for brokers`);
    }
    listeners.push(`INTERNAL://${loopback}:${node.internalPort}`);
    protocolMap.push('INTERNAL:PLAINTEXT');
  }
  const settings: [string, string | number | boolean][] = [
    ['process.roles', 'broker,controller'],
    ['node.id', node.nodeId],
    ['controller.quorum.voters', voters.join(',')],
    ['listeners', [...listeners, `CONTROLLER://${loopback}:${node.controllerPort}`].join(',')],
    ['advertised.listeners', listeners.join(',')],
    ['listener.security.protocol.map', protocolMap.join(',')],
    ['inter.broker.listener.name', secured ? 'INTERNAL' : 'CLIENT'],
    ['controller.listener.names', 'CONTROLLER'],
    ['log.dirs', node.dataDir],
    ['num.partitions', 1],
    ['default.replication.factor', replication],
    ['min.insync.replicas', 1],
    ['offsets.topic.replication.factor', replication],
    ['transaction.state.log.replication.factor', replication],
    ['transaction.state.log.min.isr', 1],
    ['share.coordinator.state.topic.replication.factor', replication],
    ['share.coordinator.state.topic.min.isr', 1],
    // Tests join groups constantly; Kafka's 3 s wait for more members would only slow every first join.
    ['group.initial.rebalance.delay.ms', 0],
    ['auto.create.topics.enable', true],
    // Test clusters are thrown away: a stopping node need not hand its leaderships over first (saves ~3 s a stop).
    ['controlled.shutdown.enable', false],
    // Sized for 2 cores and a small heap: the log cleaner's default 128 MiB buffer would take half of it.
    ['num.network.threads', 2],
    ['num.io.threads', 4],
    ['num.recovery.threads.per.data.dir', 1],
    ['log.cleaner.dedupe.buffer.size', 8 * 1024 * 1024],
    ['log.cleaner.threads', 1],
    ['background.threads', 4],
  ];
  if (cluster.saslMechanisms.length > 0) {
    settings.push(['listener.name.client.sasl.enabled.mechanisms', cluster.saslMechanisms.join(',')]);
    for (const mechanism of cluster.saslMechanisms) {
      const prefix = `listener.name.client.${mechanism.toLowerCase()}.sasl.jaas.config`;
      if (mechanism === 'PLAIN') {
        const users = [...cluster.plainUsers].map(
          ([user, password]) => `user_${user}=${jaasValue(password)}`,
        );
        settings.push([
          prefix,
          `org.apache.kafka.common.security.plain.PlainLoginModule required ${users.join(' ')};`,
        ]);
      } else {
        settings.push([prefix, 'org.apache.kafka.common.security.scram.ScramLoginModule required;']);
      }
    }
  }
  if (cluster.clientSecurity === 'SSL' || cluster.clientSecurity === 'SASL_SSL') {
    if (!cluster.tls) throw new Error(`a ${cluster.clientSecurity} client listener needs TLS files`);
    settings.push(
      ['listener.name.client.ssl.keystore.type', 'PEM'],
      ['listener.name.client.ssl.keystore.location', cluster.tls.keystorePemPath],
    );
    if (cluster.tls.clientCaPemPath) {
      settings.push(
        ['listener.name.client.ssl.truststore.type', 'PEM'],
        ['listener.name.client.ssl.truststore.location', cluster.tls.clientCaPemPath],
        ['listener.name.client.ssl.client.auth', 'required'],
      );
    }
  }
  if (cluster.superUsers) {
    settings.push(
      ['authorizer.class.name', 'org.apache.kafka.metadata.authorizer.StandardAuthorizer'],
      // The brokers and controllers talk PLAINTEXT among themselves, as User:ANONYMOUS.
      ['super.users', ['User:ANONYMOUS', ...cluster.superUsers.map((user) => `User:${user}`)].join(';')],
      ['allow.everyone.if.no.acl.found', false],
    );
  }
  for (const [key, value] of Object.entries(cluster.overrides)) settings.push([key, value]);

  const lines = new Map<string, string>();
  for (const [key, value] of settings) lines.set(key, propertyValue(String(value)));
  return [...lines].map(([key, value]) => `${key}=${value}`).join('\n') + '\n';
}
