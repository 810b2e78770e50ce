import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pollUntil } from './support/poll';

const repositoryRoot = join(__dirname, '..');

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

interface PipelineBody {
  pipeline: string;
  arrivalRate: number | null;
  effectiveThroughput: number | null;
  stages: { stage: string; utilization: number | null }[];
  bottleneck: string | null;
}

describe('the demo (./scripts/demo.sh without its set-up)', () => {
  it('serves lag and the pipeline model, shows the status line, and leaves no process behind', async () => {
    const child = spawn(
      join(repositoryRoot, 'node_modules', '.bin', 'tsx'),
      [
        '--tsconfig',
        join(repositoryRoot, 'tsconfig.check.json'),
        join(repositoryRoot, 'examples', 'demo', 'main.ts'),
        ...['--duration', '24', '--period', '12', '--rate', '50', '--port', '0', '--prometheus-port', '0'],
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KAFKA_BROKERS: '' } },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const urls = await pollUntil('the demo to print its URLs', () => {
        const group = /one group:\s+(\S+)/.exec(output)?.[1];
        const pipeline = /one pipeline:\s+(\S+)/.exec(output)?.[1];
        return group && pipeline && output.includes('Ctrl-C') ? { group, pipeline } : undefined;
      });
      const group = await pollUntil(
        'the agent to report the demo group with committed offsets',
        async () => {
          const response = await fetch(urls.group);
          if (!response.ok) return undefined;
          const body = (await response.json()) as { partitions: { committedOffset: number | null }[] };
          return body.partitions.some((partition) => partition.committedOffset !== null) ? body : undefined;
        },
        { timeoutMs: 20_000, intervalMs: 250 },
      );
      expect(group.partitions).toHaveLength(6);
      const pipeline = await pollUntil(
        'the agent to model the demo pipeline with an arrival rate',
        async () => {
          const response = await fetch(urls.pipeline);
          if (!response.ok) return undefined;
          const body = (await response.json()) as PipelineBody;
          return body.arrivalRate !== null && body.arrivalRate > 0 ? body : undefined;
        },
        { timeoutMs: 22_000, intervalMs: 500 },
      );
      expect(pipeline.pipeline).toBe('order-enrichment');
      expect(pipeline.effectiveThroughput).toBeGreaterThan(0);
      expect(pipeline.stages.map((stage) => stage.stage)).toEqual(
        expect.arrayContaining(['validate', 'enrich']),
      );
      expect(pipeline.bottleneck).not.toBeNull();

      expect(await exited).toBe(0);
      expect(output).toMatch(/produced \d+ {2}lag \d+ msgs/);
      expect(output).toMatch(/D \d+\/s R \d+\/s bottleneck \w+/);
      expect(output).toContain('stopping...');
      const pids = [...output.matchAll(/pid (\d+)/g)].map((match) => Number(match[1]));
      expect(pids.length).toBeGreaterThan(0);
      for (const pid of pids) expect(isAlive(pid)).toBe(false);
    } finally {
      // SIGTERM lets the demo stop its broker, Prometheus and agent; tsx passes it on.
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      }
    }
  });
});
