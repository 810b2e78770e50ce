// The agent, the streamops CLI and the SDK through secured real Kafka clusters: one with
// SASL/SCRAM-SHA-512 and Kafka's StandardAuthorizer, one with TLS and a CA made at test time.
// Each failure must be one line that names the cluster and the cause, with collector_up 0,
// and no secret may appear in the log, the metrics, the JSON API or the CLI's output.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  Kafka,
  type KafkaConfig,
  logLevel,
  ResourcePatternTypes,
} from 'kafkajs';
import { Registry } from 'prom-client';
import { parseAgentConfig, startAgent, type RunningAgent } from '@streamops/agent';
import { instrument, sdkMetrics } from '@streamops/sdk';
import { startTestBroker, uniqueTestName, type TestBroker } from '@streamops/test-broker';
import { metricValue } from '../sdk/helpers';
import { pollUntil } from '../support/poll';
import { ManualClock } from './harness';

const execFileAsync = promisify(execFile);
const repositoryRoot = join(__dirname, '..', '..');
const streamopsCli = join(repositoryRoot, 'agent', 'dist', 'cli', 'streamops.js');

// Secrets long and odd enough that finding one anywhere in an output cannot be a coincidence.
const adminPassword = 'admin-Pw-5f1c9e';
const appPassword = 'app-Pw-83d0aa';
const agentPassword = 'agent-Pw-2b7e41';
const wrongPassword = 'wrong-Pw-c4419d';
const secrets = [adminPassword, appPassword, agentPassword, wrongPassword];

const topic = uniqueTestName('secured');
const visibleGroup = `visible-${uniqueTestName('group')}`;
const hiddenGroup = `hidden-${uniqueTestName('group')}`;
// The lag the tests set up: 4 records produced at `recordTimeMs` after the group's commit.
const lagRecords = 4;
const recordTimeMs = Date.now() - 3_600_000;
const clock = new ManualClock(recordTimeMs + 40_000);

let scram: TestBroker;
let tls: TestBroker;
let folder: string;
const agents: RunningAgent[] = [];

/** A file holding `content`, for the configuration's `{ file }` secret references. */
async function secretFile(name: string, content: string): Promise<string> {
  const path = join(folder, name);
  await writeFile(path, content, { mode: 0o600 });
  return path;
}

function client(brokers: readonly string[], extra: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({
    clientId: uniqueTestName('security-test'),
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
    retry: { retries: 5, initialRetryTime: 100 },
    ...extra,
  });
}

/**
 * Through the SDK on the secured listener: produces 10 records, consumes them to the end in
 * `group` (committing 10), then produces `lagRecords` more stamped `recordTimeMs`. Returns
 * the SDK's own counts of what it sent and consumed.
 */
async function pipelineThroughSdk(
  kafka: Kafka,
  group: string,
): Promise<{ produced: number; consumed: number }> {
  const registry = new Registry();
  const instrumented = instrument(kafka, {
    pipeline: 'secured',
    registry,
    stages: { producer: 'ingest', consumer: 'enrich' },
  });
  const producer = instrumented.producer({ idempotent: true, maxInFlightRequests: 1 });
  const consumer = instrumented.consumer({ groupId: group, maxWaitTimeInMs: 100 });
  await producer.connect();
  await consumer.connect();
  try {
    await producer.send({
      topic,
      messages: Array.from({ length: 10 }, (_, index) => ({ value: `early-${index}` })),
    });
    let seen = 0;
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: () => {
        seen += 1;
        return Promise.resolve();
      },
    });
    await pollUntil('the SDK consumer to read 10 records', () => (seen >= 10 ? true : undefined), {
      timeoutMs: 60_000,
      intervalMs: 50,
    });
    // Disconnecting commits what was consumed and leaves the group.
    await consumer.disconnect();
    await producer.send({
      topic,
      messages: Array.from({ length: lagRecords }, (_, index) => ({
        value: `late-${index}`,
        timestamp: String(recordTimeMs),
      })),
    });
    return {
      produced: await metricValue(registry, sdkMetrics.producerMessages.name, { topic }),
      consumed: await metricValue(registry, sdkMetrics.consumerMessages.name, { topic }),
    };
  } finally {
    await consumer.disconnect();
    await producer.disconnect();
  }
}

/** A self-signed CA that signed nothing the brokers present. */
async function unknownCa(): Promise<string> {
  const keyPath = join(folder, 'unknown-ca-key.pem');
  const certPath = join(folder, 'unknown-ca.pem');
  await execFileAsync('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    keyPath,
    '-out',
    certPath,
    '-days',
    '1',
    '-subj',
    '/CN=not the brokers CA',
  ]);
  return certPath;
}

interface AgentUnderTest {
  readonly agent: RunningAgent;
  readonly log: string[];
}

async function startSecuredAgent(cluster: Record<string, unknown>): Promise<AgentUnderTest> {
  const log: string[] = [];
  const agent = await startAgent(
    parseAgentConfig({
      clusters: [cluster],
      collection: { intervalSeconds: 3600, requestTimeoutMs: 5000 },
      evaluation: { windowSize: 3, thresholds: { default: { warnSeconds: 30, errSeconds: 120 } } },
      server: { host: '127.0.0.1', port: 0 },
    }),
    { nowMs: clock.now, log: (line) => log.push(line) },
  );
  agents.push(agent);
  return { agent, log };
}

/** Everything the agent shows to the outside: metrics, the JSON API and its log. */
async function agentOutputs({ agent, log }: AgentUnderTest, cluster: string): Promise<string> {
  const metrics = await (await fetch(`${agent.url}/metrics`)).text();
  const api = await (await fetch(`${agent.url}/api/v1/clusters/${cluster}/groups`)).text();
  return [metrics, api, ...log].join('\n');
}

function expectNoSecret(text: string): void {
  for (const secret of secrets) expect(text).not.toContain(secret);
}

async function collectorUp(agent: RunningAgent, cluster: string): Promise<string | undefined> {
  const metrics = await (await fetch(`${agent.url}/metrics`)).text();
  return new RegExp(`^streamops_collector_up\\{cluster="${cluster}"\\} (\\S+)$`, 'm').exec(metrics)?.[1];
}

/** Runs the compiled `streamops` CLI with a configuration file; never throws on a failing exit. */
async function runCli(
  config: Record<string, unknown>,
  args: readonly string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const configPath = join(folder, `${uniqueTestName('cli')}.yaml`);
  await writeFile(configPath, JSON.stringify({ clusters: [config] }));
  try {
    const { stdout, stderr } = await execFileAsync(
      process.execPath,
      [streamopsCli, 'lag', '--config', configPath, ...args],
      { env: { ...process.env, KAFKA_BROKERS: '' }, timeout: 60_000 },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** The LAG column of the CLI table's row for `group`. */
function cliLag(stdout: string, group: string): string | undefined {
  const row = stdout.split('\n').find((line) => line.startsWith(`${group} `));
  return row?.split(/\s{2,}/)[5];
}

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'streamops-security-'));
  [scram, tls] = await Promise.all([
    startTestBroker({
      brokers: 1,
      topics: [topic],
      security: {
        protocol: 'SASL_PLAINTEXT',
        users: [
          { name: 'admin', password: adminPassword },
          { name: 'app', password: appPassword },
          { name: 'agent', password: agentPassword },
        ],
        superUsers: ['admin', 'app'],
      },
    }),
    startTestBroker({ brokers: 1, topics: [topic], security: { protocol: 'SSL' } }),
  ]);
  // The agent's user may describe the cluster (so it lists every group) and read every topic,
  // but may describe only the groups whose names start with "visible-".
  const admin = client(scram.adminBootstrap).admin();
  await admin.connect();
  try {
    const allow = (
      resourceType: AclResourceTypes,
      resourceName: string,
      operation: AclOperationTypes,
      resourcePatternType = ResourcePatternTypes.LITERAL,
    ) => ({
      resourceType,
      resourceName,
      resourcePatternType,
      principal: 'User:agent',
      host: '*',
      operation,
      permissionType: AclPermissionTypes.ALLOW,
    });
    await admin.createAcls({
      acl: [
        allow(AclResourceTypes.CLUSTER, 'kafka-cluster', AclOperationTypes.DESCRIBE),
        allow(AclResourceTypes.TOPIC, '*', AclOperationTypes.DESCRIBE),
        allow(AclResourceTypes.TOPIC, '*', AclOperationTypes.READ),
        allow(AclResourceTypes.GROUP, 'visible-', AclOperationTypes.DESCRIBE, ResourcePatternTypes.PREFIXED),
      ],
    });
  } finally {
    await admin.disconnect();
  }
}, 180_000);

afterAll(async () => {
  await Promise.all(agents.map((agent) => agent.stop()));
  await Promise.all([scram?.stop(), tls?.stop()]);
  if (folder) await rm(folder, { recursive: true, force: true });
});

describe('SASL/SCRAM-SHA-512 with ACLs', () => {
  const scramCluster = async (password: string, groups: Record<string, string[]>) => ({
    name: 'scram',
    brokers: scram.bootstrap,
    groups,
    sasl: {
      mechanism: 'scram-sha-512',
      username: { file: await secretFile(uniqueTestName('user'), 'agent\n') },
      password: { file: await secretFile(uniqueTestName('password'), `${password}\n`) },
    },
  });

  beforeAll(async () => {
    const app = client(scram.bootstrap, {
      sasl: { mechanism: 'scram-sha-512', username: 'app', password: appPassword },
    });
    expect(await pipelineThroughSdk(app, visibleGroup)).toEqual({ produced: 10 + lagRecords, consumed: 10 });
    // A group the agent's user may not describe, committed by a user who may.
    const admin = client(scram.adminBootstrap).admin();
    await admin.connect();
    try {
      await admin.setOffsets({ groupId: hiddenGroup, topic, partitions: [{ partition: 0, offset: '0' }] });
    } finally {
      await admin.disconnect();
    }
  }, 120_000);

  it('lets the agent and the CLI read the exact lag of a group the SDK consumed', async () => {
    const config = await scramCluster(agentPassword, { allow: ['visible-.*'] });
    const secured = await startSecuredAgent(config);
    await secured.agent.collectNow();
    expect(secured.agent.snapshots()[0]?.health).toMatchObject({ up: true, lastError: null });
    const group = secured.agent.snapshots()[0]?.groups.find((candidate) => candidate.group === visibleGroup);
    expect(group?.lagMessages).toBe(lagRecords);
    expect(group?.lagSeconds).toBe(40);
    expect(await collectorUp(secured.agent, 'scram')).toBe('1');
    expect(secured.log).toEqual([]);
    expectNoSecret(await agentOutputs(secured, 'scram'));

    const cli = await runCli(config, ['--group', visibleGroup]);
    expect(cli).toMatchObject({ code: 0, stderr: '' });
    expect(cliLag(cli.stdout, visibleGroup)).toBe(String(lagRecords));
  });

  it('names the cluster, the user and the cause of a wrong password, with collector_up 0 and no secret shown', async () => {
    const config = await scramCluster(wrongPassword, { allow: ['.*'] });
    const expected =
      'cluster "scram": authentication failed for user "agent" (SASL SCRAM-SHA-512): ' +
      'check the password, and that the user has SCRAM-SHA-512 credentials';
    const secured = await startSecuredAgent(config);
    await secured.agent.collectNow();
    await secured.agent.collectNow();
    expect(secured.agent.snapshots()[0]?.health).toMatchObject({
      up: false,
      lastError: expected,
      failedCycles: 2,
    });
    expect(await collectorUp(secured.agent, 'scram')).toBe('0');
    // Logged once, not once per cycle.
    expect(secured.log).toEqual([`streamops-agent: collection failed: ${expected}`]);
    expectNoSecret(await agentOutputs(secured, 'scram'));

    const cli = await runCli(config, []);
    expect(cli).toEqual({ code: 1, stdout: '', stderr: `streamops: ${expected}\n` });
  });

  it('names an unauthorised group and the ACL to grant, and serves the rest once it is denied', async () => {
    const everything = await scramCluster(agentPassword, { allow: ['.*'] });
    const expected =
      `cluster "scram": not authorised to describe group "${hiddenGroup}" (GROUP_AUTHORIZATION_FAILED): ` +
      'grant User:agent DESCRIBE on the group, or leave it out with groups.deny';
    const secured = await startSecuredAgent(everything);
    await secured.agent.collectNow();
    expect(secured.agent.snapshots()[0]?.health).toMatchObject({ up: false, lastError: expected });
    expect(await collectorUp(secured.agent, 'scram')).toBe('0');
    expect(secured.log).toEqual([`streamops-agent: collection failed: ${expected}`]);
    expectNoSecret(await agentOutputs(secured, 'scram'));

    const cli = await runCli(everything, ['--group', hiddenGroup]);
    expect(cli).toEqual({ code: 1, stdout: '', stderr: `streamops: ${expected}\n` });

    const denied = await startSecuredAgent(
      await scramCluster(agentPassword, { allow: ['.*'], deny: ['hidden-.*'] }),
    );
    await denied.agent.collectNow();
    expect(denied.agent.snapshots()[0]?.health.up).toBe(true);
    expect(
      denied.agent.snapshots()[0]?.groups.find((candidate) => candidate.group === visibleGroup)?.lagMessages,
    ).toBe(lagRecords);
  });
});

describe('TLS with a CA made at test time', () => {
  const tlsCluster = (ca: { file: string } | undefined) => ({
    name: 'tls',
    brokers: tls.bootstrap,
    tls: { enabled: true, ...(ca ? { ca } : {}) },
  });

  beforeAll(async () => {
    const caPem = tls.tls?.caPem;
    if (!caPem) throw new Error('the TLS test cluster came without its CA');
    const app = client(tls.bootstrap, { ssl: { ca: [caPem] } });
    expect(await pipelineThroughSdk(app, visibleGroup)).toEqual({ produced: 10 + lagRecords, consumed: 10 });
  }, 120_000);

  it('lets the agent and the CLI read the exact lag of a group the SDK consumed', async () => {
    const config = tlsCluster({ file: tls.tls?.caPemPath ?? '' });
    const secured = await startSecuredAgent(config);
    await secured.agent.collectNow();
    expect(secured.agent.snapshots()[0]?.health).toMatchObject({ up: true, lastError: null });
    const group = secured.agent.snapshots()[0]?.groups.find((candidate) => candidate.group === visibleGroup);
    expect(group?.lagMessages).toBe(lagRecords);
    expect(group?.lagSeconds).toBe(40);
    expect(await collectorUp(secured.agent, 'tls')).toBe('1');

    const cli = await runCli(config, ['--group', visibleGroup]);
    expect(cli).toMatchObject({ code: 0, stderr: '' });
    expect(cliLag(cli.stdout, visibleGroup)).toBe(String(lagRecords));
  });

  it('says the brokers are signed by another CA than tls.ca, or by one it does not know', async () => {
    const wrongCa = await startSecuredAgent(tlsCluster({ file: await unknownCa() }));
    await wrongCa.agent.collectNow();
    const wrongCaError = wrongCa.agent.snapshots()[0]?.health.lastError;
    expect(wrongCaError).toBe(
      'cluster "tls": TLS: the brokers\' certificate is not signed by the CA in tls.ca (SELF_SIGNED_CERT_IN_CHAIN): ' +
        "set tls.ca to the CA that signed the brokers' certificate",
    );
    expect(await collectorUp(wrongCa.agent, 'tls')).toBe('0');
    expect(wrongCa.log).toEqual([`streamops-agent: collection failed: ${wrongCaError}`]);

    const noCa = tlsCluster(undefined);
    const bundled = await startSecuredAgent(noCa);
    await bundled.agent.collectNow();
    const expected =
      'cluster "tls": TLS: the brokers\' certificate is signed by an unknown authority (SELF_SIGNED_CERT_IN_CHAIN): ' +
      'set tls.ca to the CA that signed it';
    expect(bundled.agent.snapshots()[0]?.health).toMatchObject({ up: false, lastError: expected });
    expect(await collectorUp(bundled.agent, 'tls')).toBe('0');
    const cli = await runCli(noCa, []);
    expect(cli).toEqual({ code: 1, stdout: '', stderr: `streamops: ${expected}\n` });
  });
});
