import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseAgentConfig, startAgent, type RunningAgent } from '@streamops/agent';
import { startTestBroker, uniqueTestName, type TestBroker } from '@streamops/test-broker';
import { pollUntil } from '../support/poll';
import { freeLoopbackPort } from '../support/ports';
import { commitAs, exactProducer, produce, scrape, testKafka } from './harness';

const repositoryRoot = join(__dirname, '..', '..');
const tsx = join(repositoryRoot, 'node_modules', '.bin', 'tsx');
const agentMain = join(repositoryRoot, 'agent', 'src', 'cli', 'agent-main.ts');

function runAgentProcess(args: string[]) {
  const child = spawn(tsx, ['--tsconfig', join(repositoryRoot, 'tsconfig.check.json'), agentMain, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, KAFKA_BROKERS: '' },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

let broker: TestBroker;
let agent: RunningAgent | undefined;

beforeAll(async () => {
  broker = await startTestBroker();
});

afterAll(async () => {
  await agent?.stop();
  await broker?.stop();
});

describe('the agent process and several clusters', () => {
  it('starts from flags, becomes ready, and exits 0 on SIGTERM', async () => {
    const port = await freeLoopbackPort();
    const agentProcess = runAgentProcess([
      '--brokers',
      broker.bootstrap.join(','),
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--interval',
      '1',
    ]);
    try {
      await pollUntil(
        'the agent to be ready',
        async () => ((await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200 ? true : undefined),
        { timeoutMs: 30_000, intervalMs: 100 },
      );
      agentProcess.child.kill('SIGTERM');
      expect(await agentProcess.exited).toBe(0);
      expect(agentProcess.output()).toContain('SIGTERM, shutting down');
    } finally {
      agentProcess.child.kill('SIGKILL');
    }
  });

  it('refuses a malformed configuration at start-up with exit code 2 and the key named', async () => {
    const agentProcess = runAgentProcess(['--brokers', 'no-port-here']);
    expect(await agentProcess.exited).toBe(2);
    expect(agentProcess.output()).toContain('clusters.0.brokers.0: a broker address is host:port');
  });

  it('keeps collecting a healthy cluster while another is unreachable', async () => {
    const kafka = testKafka(broker.bootstrap);
    const topic = uniqueTestName('multi');
    const group = uniqueTestName('multi-group');
    // Created first: real Kafka auto-creates a topic only after a few LEADER_NOT_AVAILABLE answers.
    await broker.control.createTopic(topic, 1);
    const producer = kafka.producer(exactProducer);
    await producer.connect();
    await produce(producer, topic, 0, 9, Date.now());
    await producer.disconnect();
    await commitAs(kafka, group, topic, [[0, 4]]);
    const unusedPort = await freeLoopbackPort();
    agent = await startAgent(
      parseAgentConfig({
        clusters: [
          { name: 'healthy', brokers: broker.bootstrap },
          { name: 'unreachable', brokers: [`127.0.0.1:${unusedPort}`] },
        ],
        collection: { intervalSeconds: 3600, requestTimeoutMs: 1000 },
        server: { host: '127.0.0.1', port: 0 },
      }),
    );
    await agent.collectNow();
    const [healthy, unreachable] = agent.snapshots();
    expect(healthy?.health.up).toBe(true);
    expect(healthy?.groups.find((candidate) => candidate.group === group)?.lagMessages).toBe(5);
    expect(unreachable?.health).toMatchObject({ up: false, successfulCycles: 0, failedCycles: 1 });
    const metrics = await scrape(agent);
    expect(metrics).toContain('streamops_collector_up{cluster="healthy"} 1');
    expect(metrics).toContain('streamops_collector_up{cluster="unreachable"} 0');
    expect(metrics).toContain(`streamops_consumergroup_lag_messages{cluster="healthy",group="${group}"} 5`);
    expect((await fetch(`${agent.url}/readyz`)).status).toBe(200);
  });
});
