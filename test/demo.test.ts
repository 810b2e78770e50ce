import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pollUntil } from './support/poll';

const repositoryRoot = join(__dirname, '..');

describe('the demo (./scripts/demo.sh without its set-up)', () => {
  it('serves lag for its consumer group, shows the live status line and exits 0 after --duration', async () => {
    const child = spawn(
      join(repositoryRoot, 'node_modules', '.bin', 'tsx'),
      [
        '--tsconfig',
        join(repositoryRoot, 'tsconfig.check.json'),
        join(repositoryRoot, 'examples', 'demo', 'main.ts'),
        '--duration',
        '10',
        '--rate',
        '50',
        '--port',
        '0',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KAFKA_BROKERS: '' } },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const groupUrl = await pollUntil('the demo to print its URLs', () => {
        const match = /one group:\s+(\S+)/.exec(output);
        return match?.[1];
      });
      const group = await pollUntil(
        'the agent to report the demo group',
        async () => {
          const response = await fetch(groupUrl);
          if (!response.ok) return undefined;
          const body = (await response.json()) as { partitions: { committedOffset: number | null }[] };
          return body.partitions.some((partition) => partition.committedOffset !== null) ? body : undefined;
        },
        { timeoutMs: 9_000, intervalMs: 250 },
      );
      expect(group.partitions).toHaveLength(6);
      expect(await exited).toBe(0);
      expect(output).toMatch(/produced \d+ {2}consumed \d+ {2}lag \d+ msgs/);
      expect(output).toContain('stopping...');
    } finally {
      // SIGTERM lets the demo stop its broker and agent; tsx passes it on to the script.
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      }
    }
  });
});
