import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { sdkMetrics } from '@streamops/sdk';
import { startTestBroker, uniqueTestName, type TestBroker } from '@streamops/test-broker';
import { eventually } from './helpers';

const root = join(__dirname, '..', '..');
let broker: TestBroker;
let app: ChildProcess | undefined;

beforeAll(async () => {
  broker = await startTestBroker({ brokers: 1 });
});

afterAll(async () => {
  if (app !== undefined && app.exitCode === null) {
    app.kill('SIGTERM');
    await once(app, 'exit');
  }
  await broker?.stop();
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

it('instruments an unmodified kafkajs app loaded with --require and serves /metrics', async () => {
  const topic = uniqueTestName('sdk-zero-code');
  const group = uniqueTestName('sdk-zero-code-group');
  await broker.control.createTopic(topic, 1);
  const port = await freePort();
  let output = '';
  app = spawn(
    process.execPath,
    [
      '--require',
      'tsx/cjs',
      '--require',
      join(root, 'sdk/src/register.ts'),
      join(__dirname, 'fixtures/zero-code-app.js'),
    ],
    {
      cwd: root,
      env: {
        ...process.env,
        BOOTSTRAP: broker.bootstrap.join(','),
        TOPIC: topic,
        GROUP: group,
        STREAMOPS_PIPELINE: 'zero-code',
        STREAMOPS_METRICS_PORT: String(port),
        STREAMOPS_METRICS_HOST: '127.0.0.1',
        OTEL_SERVICE_NAME: 'zero-code-app',
        OTEL_TRACES_EXPORTER: 'none',
        OTEL_METRICS_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'none',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  app.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  app.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await eventually('the app consumed its messages', () => output.includes('consumed 3'), 20_000);

  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const labels = `pipeline="zero-code",stage="producer",topic="${topic}"`;
  expect(text).toContain(`${sdkMetrics.producerMessages.name}{${labels}} 3`);
  expect(text).toContain(
    `${sdkMetrics.consumerMessages.name}{pipeline="zero-code",stage="consumer",group="${group}",topic="${topic}"} 3`,
  );
  expect(text).toContain(
    `${sdkMetrics.consumerLostMessages.name}{pipeline="zero-code",stage="consumer",group="${group}",topic="${topic}"} 0`,
  );
  expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
}, 30_000);
