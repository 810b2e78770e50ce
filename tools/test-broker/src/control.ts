import * as net from 'node:net';

/** One broker as reported by the control port's `status` command. */
export interface BrokerState {
  id: number;
  host: string;
  port: number;
  up: boolean;
  rttMs: number;
}

/** One partition as reported by `status`. */
export interface PartitionState {
  partition: number;
  /** Leader broker id, or -1 when the partition has no leader. */
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  startOffset: number;
  endOffset: number;
  lastStableOffset: number;
}

/** One topic as reported by `status`. */
export interface TopicState {
  name: string;
  /** True for `__consumer_offsets`. */
  internal: boolean;
  partitions: PartitionState[];
}

/** One consumer group as reported by `status`. */
export interface GroupState {
  groupId: string;
  /** Kafka's state name: Empty, PreparingRebalance, CompletingRebalance or Stable. */
  state: string;
  generation: number;
  members: number;
}

/** The test broker's state, as reported by the control port's `status` command. */
export interface BrokerStatus {
  /** The controller: on real Kafka the leader of the KRaft metadata quorum. */
  controller: number;
  brokers: BrokerState[];
  topics: TopicState[];
  groups: GroupState[];
}

/** Fault injection and set-up of a running test broker. Every method resolves once the broker has applied it. */
export interface BrokerControl {
  /** False against an external cluster, where every method rejects with {@link FaultInjectionUnavailableError}. */
  readonly available: boolean;
  /**
   * Takes a broker down (-1: all brokers): its listener refuses connections (ECONNREFUSED) and its open
   * connections are closed. Partitions it leads keep it as leader (use {@link setLeader} to fail over); if it was
   * the controller, the lowest-numbered broker that is up becomes the controller. On real Kafka the node's JVM
   * is killed with SIGKILL: leaders move by election and the quorum elects a new controller, as in production.
   */
  down(brokerId: number): Promise<void>;
  /** Brings a broker back up (-1: all brokers) on the same port. */
  up(brokerId: number): Promise<void>;
  /** Delays every response of a broker (-1: all brokers) by `ms` milliseconds (0 turns the delay off). */
  rtt(brokerId: number, ms: number): Promise<void>;
  /**
   * Makes the next `count` requests with Kafka API key `apiKey` fail with `errorCode` (for example
   * `pushErrors(0, 6, 2)`: two Produce requests get NOT_LEADER_FOR_PARTITION). Applies to every broker, or only
   * to `brokerId` when given.
   */
  pushErrors(apiKey: number, errorCode: number, count: number, brokerId?: number): Promise<void>;
  /** Moves a partition's leadership to `brokerId` (-1: no leader), bumping its leader epoch. */
  setLeader(topic: string, partition: number, brokerId: number): Promise<void>;
  /** Creates a topic. The replication factor defaults to min(3, brokers). */
  createTopic(name: string, partitions: number, replicationFactor?: number): Promise<void>;
  /** Deletes a topic and its data. */
  deleteTopic(name: string): Promise<void>;
  /** Reads brokers, topics, partitions and groups. */
  status(): Promise<BrokerStatus>;
  /** Sends one raw command line and returns the reply line (`OK ...` or `ERR ...`) without interpreting it. */
  command(line: string): Promise<string>;
}

/** A control command that the broker answered with `ERR ...`. */
export class ControlCommandError extends Error {
  constructor(
    /** The command line that was sent. */
    readonly commandLine: string,
    /** The broker's reply line. */
    readonly reply: string,
  ) {
    super(`test broker rejected "${commandLine}": ${reply}`);
    this.name = 'ControlCommandError';
  }
}

/** Raised by every {@link BrokerControl} method when the tests run against an external Kafka cluster. */
export class FaultInjectionUnavailableError extends Error {
  constructor(bootstrap: readonly string[]) {
    super(
      `fault injection is unavailable against an external cluster (KAFKA_BROKERS=${bootstrap.join(',')}): ` +
        'only the local test broker has a control port; skip this case when broker.external is true',
    );
    this.name = 'FaultInjectionUnavailableError';
  }
}

const commandTimeoutMs = 10_000;

/** Validates a numeric argument before it is put on the command line. */
function integer(value: number, what: string): string {
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`${what} must be an integer, got ${value}`);
  }
  return String(value);
}

/** A broker id argument: -1 stands for every broker. */
function brokerArgument(brokerId: number): string {
  return brokerId === -1 ? 'all' : integer(brokerId, 'brokerId');
}

/** Validates a topic name argument (the line protocol separates words with spaces). */
function word(value: string, what: string): string {
  if (value.length === 0 || /\s/.test(value)) {
    throw new RangeError(`${what} must be a non-empty word without spaces, got "${value}"`);
  }
  return value;
}

/** {@link BrokerControl} over the local test broker's control port (one short TCP connection per command). */
export class ControlClient implements BrokerControl {
  readonly available = true;

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  command(line: string): Promise<string> {
    if (/[\r\n]/.test(line)) {
      return Promise.reject(new RangeError('a control command must be a single line'));
    }
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: this.host, port: this.port });
      let received = '';
      let settled = false;
      const settle = (error: Error | undefined, reply?: string): void => {
        if (settled) return;
        settled = true;
        socket.destroy();
        if (error) reject(error);
        else resolve(reply ?? '');
      };

      socket.setEncoding('utf8');
      socket.setTimeout(commandTimeoutMs, () =>
        settle(new Error(`test broker control command timed out after ${commandTimeoutMs} ms: ${line}`)),
      );
      socket.on('connect', () => socket.write(`${line}\n`));
      socket.on('data', (chunk: string) => {
        received += chunk;
        const newline = received.indexOf('\n');
        if (newline !== -1) settle(undefined, received.slice(0, newline).replace(/\r$/, ''));
      });
      socket.on('error', (error) => settle(error));
      socket.on('close', () =>
        settle(new Error(`test broker closed the control connection before replying: ${line}`)),
      );
    });
  }

  async down(brokerId: number): Promise<void> {
    await this.ok(`down ${brokerArgument(brokerId)}`);
  }

  async up(brokerId: number): Promise<void> {
    await this.ok(`up ${brokerArgument(brokerId)}`);
  }

  async rtt(brokerId: number, ms: number): Promise<void> {
    await this.ok(`rtt ${brokerArgument(brokerId)} ${integer(ms, 'ms')}`);
  }

  async pushErrors(apiKey: number, errorCode: number, count: number, brokerId?: number): Promise<void> {
    const target = brokerId === undefined ? '' : ` ${integer(brokerId, 'brokerId')}`;
    await this.ok(
      `errors ${integer(apiKey, 'apiKey')} ${integer(errorCode, 'errorCode')} ${integer(count, 'count')}${target}`,
    );
  }

  async setLeader(topic: string, partition: number, brokerId: number): Promise<void> {
    await this.ok(
      `leader ${word(topic, 'topic')} ${integer(partition, 'partition')} ${integer(brokerId, 'brokerId')}`,
    );
  }

  async createTopic(name: string, partitions: number, replicationFactor?: number): Promise<void> {
    const replication =
      replicationFactor === undefined ? '' : ` ${integer(replicationFactor, 'replicationFactor')}`;
    await this.ok(`create-topic ${word(name, 'name')} ${integer(partitions, 'partitions')}${replication}`);
  }

  async deleteTopic(name: string): Promise<void> {
    await this.ok(`delete-topic ${word(name, 'name')}`);
  }

  async status(): Promise<BrokerStatus> {
    const reply = await this.ok('status');
    return JSON.parse(reply.slice('OK '.length)) as BrokerStatus;
  }

  private async ok(line: string): Promise<string> {
    const reply = await this.command(line);
    if (!reply.startsWith('OK')) throw new ControlCommandError(line, reply);
    return reply;
  }
}

/** {@link BrokerControl} for an external cluster: nothing can be injected, every method rejects. */
export class UnavailableControl implements BrokerControl {
  readonly available = false;

  constructor(private readonly bootstrap: readonly string[]) {}

  down(): Promise<void> {
    return this.unavailable();
  }
  up(): Promise<void> {
    return this.unavailable();
  }
  rtt(): Promise<void> {
    return this.unavailable();
  }
  pushErrors(): Promise<void> {
    return this.unavailable();
  }
  setLeader(): Promise<void> {
    return this.unavailable();
  }
  createTopic(): Promise<void> {
    return this.unavailable();
  }
  deleteTopic(): Promise<void> {
    return this.unavailable();
  }
  status(): Promise<BrokerStatus> {
    return this.unavailable();
  }
  command(): Promise<string> {
    return this.unavailable();
  }

  private unavailable(): Promise<never> {
    return Promise.reject(new FaultInjectionUnavailableError(this.bootstrap));
  }
}
