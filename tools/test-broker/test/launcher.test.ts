import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';

import {
  brokerBinary,
  ensureBrokerBuilt,
  externalBrokersVariable,
  FaultInjectionUnavailableError,
  startTestBroker,
} from '@streamops/test-broker';

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function refusesConnections(hostPort: string): Promise<boolean> {
  const [host, port] = hostPort.split(':');
  return new Promise((resolve) => {
    const socket = net.connect({ host, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

describe('test broker: launcher and program', () => {
  const externalOnEntry = process.env[externalBrokersVariable];

  beforeAll(async () => {
    await ensureBrokerBuilt();
  });

  afterEach(() => {
    if (externalOnEntry === undefined) delete process.env[externalBrokersVariable];
    else process.env[externalBrokersVariable] = externalOnEntry;
  });

  test('starts in under 2 s, on 127.0.0.1 only, and stop() leaves nothing behind', async () => {
    delete process.env[externalBrokersVariable];
    const started = Date.now();
    const broker = await startTestBroker({
      kind: 'mock',
      brokers: 2,
      topics: ['launch-a', { name: 'launch-b', partitions: 3 }],
    });
    const startupMs = Date.now() - started;
    expect(startupMs).toBeLessThan(2_000);

    expect(broker.external).toBe(false);
    expect(broker.bootstrap).toHaveLength(2);
    for (const entry of broker.bootstrap) expect(entry).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(broker.controlAddress?.host).toBe('127.0.0.1');
    const status = await broker.control.status();
    expect(status.brokers.map((b) => b.id)).toEqual([1, 2]);
    expect(status.topics.find((t) => t.name === 'launch-b')?.partitions).toHaveLength(3);

    const pid = broker.pid!;
    expect(isRunning(pid)).toBe(true);
    await broker.stop();
    expect(isRunning(pid)).toBe(false);
    for (const entry of broker.bootstrap) expect(await refusesConnections(entry)).toBe(true);
    await broker.stop(); // idempotent
  });

  test('with KAFKA_BROKERS set, the external cluster is used and fault injection is refused clearly', async () => {
    process.env[externalBrokersVariable] = 'kafka-1:9092, kafka-2:9092';
    const broker = await startTestBroker();
    expect(broker).toMatchObject({
      external: true,
      bootstrap: ['kafka-1:9092', 'kafka-2:9092'],
      pid: undefined,
      controlAddress: undefined,
    });
    expect(broker.control.available).toBe(false);
    await expect(broker.control.down(1)).rejects.toBeInstanceOf(FaultInjectionUnavailableError);
    await expect(broker.control.rtt(1, 100)).rejects.toThrow(
      /fault injection is unavailable against an external/,
    );
    await expect(broker.control.pushErrors(0, 6, 1)).rejects.toBeInstanceOf(FaultInjectionUnavailableError);
    await expect(broker.control.status()).rejects.toBeInstanceOf(FaultInjectionUnavailableError);
    await broker.stop();
  });

  test('the program prints BOOTSTRAP, CONTROL and READY lines, writes the bootstrap file, exits 0 on SIGTERM', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'test-broker-'));
    const bootstrapFile = path.join(dir, 'bootstrap.txt');
    try {
      const child = spawn(brokerBinary, ['--brokers', '1', '--bootstrap-file', bootstrapFile], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const lines: string[] = [];
      await new Promise<void>((resolve, reject) => {
        readline.createInterface({ input: child.stdout }).on('line', (line) => {
          lines.push(line);
          if (line.startsWith('READY ')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`exited early with ${code}`)));
      });
      const bootstrap = /^BOOTSTRAP (.+)$/.exec(lines[0] ?? '')?.[1];
      expect(bootstrap).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(lines[1]).toMatch(/^CONTROL 127\.0\.0\.1:\d+$/);
      expect(JSON.parse(lines[2]!.slice('READY '.length))).toMatchObject({
        pid: child.pid,
        bootstrap: [bootstrap],
      });
      expect(readFileSync(bootstrapFile, 'utf8')).toBe(`${bootstrap}\n`);

      const exitCode = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exitCode).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the program rejects bad arguments with a message', async () => {
    const run = (args: string[]): Promise<{ code: number | null; stderr: string }> =>
      new Promise((resolve) => {
        const child = spawn(brokerBinary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.on('exit', (code) => resolve({ code, stderr }));
      });
    const badBrokers = await run(['--brokers', '0']);
    expect(badBrokers.code).toBe(2);
    expect(badBrokers.stderr).toMatch(/--brokers/);
    const badTopic = await run(['--topic', 'bad name:1']);
    expect(badTopic.code).toBe(2);
    expect(badTopic.stderr).toMatch(/--topic/);
    const tooManyReplicas = await run(['--topic', 'x:1:5', '--brokers', '3']);
    expect(tooManyReplicas.code).toBe(2);
    expect(tooManyReplicas.stderr).toMatch(/replication 5 exceeds 3/);
  });
});
