/**
 * The agent container image without a Docker engine: stages the agent exactly as the
 * Dockerfile's build stage does, runs the staged tree with node from outside the repository
 * (so nothing resolves from the workspace's node_modules) against the test broker, and
 * checks that the Dockerfile's facts match the chart. The `docker build` itself is not run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { startTestBroker, uniqueTestName, type TestBroker } from '@streamops/test-broker';
import { commitAs, produce, testKafka } from '../agent/harness';
import { render } from '../helm/helm';
import { pollUntil } from '../support/poll';
import { freeLoopbackPort } from '../support/ports';

const repoRoot = join(__dirname, '..', '..');
const dockerfile = readFileSync(join(repoRoot, 'agent', 'Dockerfile'), 'utf8');
const stagingCommand = [
  'node_modules/.bin/tsx',
  '--tsconfig',
  'tsconfig.check.json',
  'scripts/stage-agent-image.ts',
] as const;

/** Runs a command to its end; resolves with the exit code and the combined output. */
function run(
  command: string,
  args: readonly string[],
  cwd: string,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

/** Every file below a folder with its size and modification time, to see that nothing was written. */
function treeState(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => {
      const stat = statSync(join(dir, name));
      return `${name} ${stat.size} ${stat.mtimeMs}`;
    })
    .sort();
}

/** The Dockerfile's instructions of one stage, continuation lines joined. */
function instructions(stage: 'build' | 'runtime'): string[] {
  const lines = dockerfile
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const froms = lines.flatMap((line, index) => (line.startsWith('FROM ') ? [index] : []));
  expect(froms).toHaveLength(2);
  const [buildFrom, runtimeFrom] = froms as [number, number];
  return stage === 'build' ? lines.slice(buildFrom, runtimeFrom) : lines.slice(runtimeFrom);
}

function argDefault(name: string): string | undefined {
  return new RegExp(`^ARG ${name}=(\\S+)$`, 'm').exec(dockerfile)?.[1];
}

let stagedDir: string;
let stagingOutput = '';
let broker: TestBroker;

beforeAll(async () => {
  stagedDir = join(mkdtempSync(join(tmpdir(), 'streamops-image-')), 'app');
  const [command, ...args] = stagingCommand;
  const staging = await run(join(repoRoot, command), [...args, stagedDir], repoRoot);
  stagingOutput = staging.output;
  if (staging.code !== 0) throw new Error(`staging failed (exit ${staging.code}):\n${staging.output}`);
  broker = await startTestBroker();
}, 120_000);

afterAll(async () => {
  await broker?.stop();
  if (stagedDir) rmSync(join(stagedDir, '..'), { recursive: true, force: true });
});

describe('the staged agent (what the image runs)', () => {
  it('holds the compiled agent and its production dependencies only', () => {
    expect(stagingOutput).toMatch(/staged the agent and \d+ packages/);
    const manifest = JSON.parse(readFileSync(join(stagedDir, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      bin: Record<string, string>;
    };
    expect(Object.keys(manifest.dependencies).sort()).toEqual([
      '@aws-sdk/credential-provider-node',
      '@smithy/signature-v4',
      'express',
      'kafkajs',
      'prom-client',
      'yaml',
      'zod',
    ]);
    for (const name of Object.keys(manifest.dependencies)) {
      expect(existsSync(join(stagedDir, 'node_modules', name, 'package.json'))).toBe(true);
    }
    // Dev tools, the test broker, and the SDK (the agent uses its types only) stay out.
    for (const name of [
      'typescript',
      'jest',
      'tsx',
      '@swc/core',
      'eslint',
      'prettier',
      'kubernetes-models',
      'playwright-core',
      '@streamops/test-broker',
      '@streamops/sdk',
      '@opentelemetry/sdk-node',
    ]) {
      expect(existsSync(join(stagedDir, 'node_modules', name))).toBe(false);
    }
    const files = readdirSync(join(stagedDir, 'dist'), { recursive: true, encoding: 'utf8' });
    expect(files.filter((name) => /\.(ts|map)$/.test(name) || name.includes('.test.'))).toEqual([]);
    expect(existsSync(join(stagedDir, manifest.bin['streamops-agent'] ?? 'missing'))).toBe(true);
  });

  it('serves /healthz, /readyz and the lag of a committed group when started with node alone', async () => {
    const kafka = testKafka(broker.bootstrap);
    const topic = uniqueTestName('image');
    const group = uniqueTestName('image-group');
    const producer = kafka.producer();
    await producer.connect();
    await produce(producer, topic, 0, 12, Date.now());
    await producer.disconnect();
    await commitAs(kafka, group, topic, [[0, 5]]);

    const before = treeState(stagedDir);
    const port = await freeLoopbackPort();
    const home = mkdtempSync(join(tmpdir(), 'streamops-image-home-'));
    let agent: ChildProcess | undefined;
    try {
      // Started the way the image's ENTRYPOINT starts it, from outside the repository, with a
      // bare environment: a package missing from the staged tree fails here.
      agent = spawn(
        process.execPath,
        [
          join(stagedDir, 'dist/cli/agent-main.js'),
          '--brokers',
          broker.bootstrap.join(','),
          '--host',
          '127.0.0.1',
          '--port',
          String(port),
          '--interval',
          '1',
        ],
        {
          cwd: stagedDir,
          env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, NODE_ENV: 'production' },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let output = '';
      agent.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      agent.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => agent?.once('exit', (code) => resolve(code)));
      const url = `http://127.0.0.1:${port}`;

      await pollUntil(
        'the staged agent to be ready',
        async () => {
          if (agent?.exitCode !== null) throw new Error(`the agent exited: ${output}`);
          return (await fetch(`${url}/readyz`)).status === 200 ? true : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 100 },
      );
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      const lagLine = `streamops_consumergroup_lag_messages{cluster="default",group="${group}"} 7`;
      const metrics = await pollUntil(
        'the group lag in /metrics',
        async () => {
          const text = await (await fetch(`${url}/metrics`)).text();
          return text.includes(lagLine) ? text : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 200 },
      );
      expect(metrics).toContain('streamops_collector_up{cluster="default"} 1');

      agent.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(output).toContain('SIGTERM, shutting down');
      // The image's root filesystem is read-only: the agent must not write into its own tree.
      expect(treeState(stagedDir)).toEqual(before);
    } finally {
      if (agent?.pid !== undefined && agent.exitCode === null) process.kill(agent.pid, 'SIGKILL');
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('agent/Dockerfile', () => {
  const values = parse(readFileSync(join(repoRoot, 'helm/streamops-agent/values.yaml'), 'utf8')) as {
    image: { repository: string; tag: string };
    podSecurityContext: { runAsUser: number; runAsGroup: number };
    service: { port: number };
  };
  const chart = parse(readFileSync(join(repoRoot, 'helm/streamops-agent/Chart.yaml'), 'utf8')) as {
    appVersion: string;
  };
  const agentManifest = JSON.parse(readFileSync(join(repoRoot, 'agent/package.json'), 'utf8')) as {
    version: string;
    license: string;
    bin: Record<string, string>;
  };
  const build = instructions('build');
  const runtime = instructions('runtime');

  it('builds with the staging script and copies only its output into a slim Node 20 runtime', () => {
    expect(argDefault('NODE_IMAGE')).toBe('node:20-bookworm-slim');
    expect(build[0]).toBe('FROM ${NODE_IMAGE} AS build');
    expect(runtime[0]).toBe('FROM ${NODE_IMAGE}');
    expect(build).toContain(`RUN ${stagingCommand.join(' ')} /staged`);
    expect(runtime.filter((line) => line.startsWith('COPY'))).toEqual([
      'COPY --from=build --chown=0:0 /staged/ /app/',
    ]);
    expect(runtime.filter((line) => line.startsWith('RUN'))).toEqual([]);
  });

  it('runs as the chart UID/GID, on the chart port, with the staged CLI as entrypoint', () => {
    expect(runtime).toContain(
      `USER ${values.podSecurityContext.runAsUser}:${values.podSecurityContext.runAsGroup}`,
    );
    expect(runtime).toContain(`EXPOSE ${values.service.port}`);
    const entrypoint = runtime.find((line) => line.startsWith('ENTRYPOINT '));
    const [node, script] = JSON.parse(entrypoint?.slice('ENTRYPOINT '.length) ?? '[]') as string[];
    expect(node).toBe('node');
    expect(script).toBe(`/app/${agentManifest.bin['streamops-agent']}`);
    expect(existsSync(join(stagedDir, relative('/app', script ?? '/')))).toBe(true);
  });

  it('keeps HOME on the emptyDir the chart mounts, the only writable path', () => {
    expect(runtime.find((line) => line.startsWith('ENV '))).toContain('HOME=/tmp');
    const deployment = render('streamops-agent').find((object) => object.kind === 'Deployment');
    const spec = (deployment?.spec as { template: { spec: Record<string, unknown> } }).template.spec as {
      containers: Array<{ volumeMounts: Array<{ name: string; mountPath: string; readOnly?: boolean }> }>;
      volumes: Array<{ name: string; emptyDir?: unknown }>;
    };
    const emptyDirs = new Set(spec.volumes.filter((volume) => volume.emptyDir).map((volume) => volume.name));
    const writable = spec.containers[0]?.volumeMounts.filter(
      (mount) => emptyDirs.has(mount.name) && !mount.readOnly,
    );
    expect(writable?.map((mount) => mount.mountPath)).toEqual(['/tmp']);
  });

  it('carries OCI labels with the version of the chart and of the agent', () => {
    const labels = new Map(
      [...runtime.join('\n').matchAll(/(org\.opencontainers\.image\.[a-z]+)="([^"]*)"/g)].map((match) => [
        match[1],
        match[2],
      ]),
    );
    for (const key of ['title', 'description', 'source', 'licenses', 'version', 'revision']) {
      expect(labels.get(`org.opencontainers.image.${key}`)).toBeTruthy();
    }
    expect(labels.get('org.opencontainers.image.licenses')).toBe(agentManifest.license);
    expect(labels.get('org.opencontainers.image.version')).toBe('${VERSION}');
    expect(argDefault('VERSION')).toBe(chart.appVersion);
    expect(argDefault('VERSION')).toBe(agentManifest.version);
  });

  it('is what the chart and the docs pull: <image.repository>:<appVersion>, built with the documented command', () => {
    expect(values.image.repository).toBe('ghcr.io/streamops/streamops-agent');
    expect(values.image.tag).toBe('');
    const image = `${values.image.repository}:${chart.appVersion}`;
    const command = `docker build -f agent/Dockerfile -t ${image} .`;
    expect(dockerfile).toContain(command);
    expect(readFileSync(join(repoRoot, 'docs/deploy-kubernetes.md'), 'utf8')).toContain(command);
    const rendered = render('streamops-agent').find((object) => object.kind === 'Deployment');
    expect(JSON.stringify(rendered)).toContain(`"image":"${image}"`);
  });

  it('gets every file it copies from the build context past .dockerignore', () => {
    const allowed = readFileSync(join(repoRoot, '.dockerignore'), 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('!'))
      .map((line) => line.slice(1));
    const sources = build
      .filter((line) => line.startsWith('COPY ') && !line.includes('--from='))
      .flatMap((line) => line.split(/\s+/).slice(1, -1));
    expect(sources.length).toBeGreaterThan(5);
    for (const source of sources) {
      expect(allowed.some((entry) => source === entry || source.startsWith(`${entry}/`))).toBe(true);
      expect(existsSync(join(repoRoot, source))).toBe(true);
    }
  });
});
