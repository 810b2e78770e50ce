import { spawn } from 'node:child_process';
import { join } from 'node:path';

const repositoryRoot = join(__dirname, '..', '..');

describe('examples/order-enrichment-pipeline', () => {
  it('delivers or dead-letters every order, and the agent models the pipeline', async () => {
    const child = spawn(
      join(repositoryRoot, 'node_modules', '.bin', 'tsx'),
      [
        '--tsconfig',
        join(repositoryRoot, 'tsconfig.check.json'),
        join(repositoryRoot, 'examples', 'order-enrichment-pipeline', 'main.ts'),
        ...['--duration', '14', '--rate', '80', '--port', '0'],
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KAFKA_BROKERS: '' } },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect({ code, output }).toMatchObject({ code: 0 });
    expect(output).toContain('every order was delivered or dead-lettered');
    const produced = Number(/produced (\d+) orders/.exec(output)?.[1]);
    const validated = Number(/validate: (\d+) valid, (\d+) malformed/.exec(output)?.[1]);
    const malformed = Number(/validate: (\d+) valid, (\d+) malformed/.exec(output)?.[2]);
    // Every 200th order is malformed; the rest pass validation.
    expect(malformed).toBe(Math.floor(produced / 200));
    expect(validated + malformed).toBeGreaterThanOrEqual(produced);
    expect(output).toMatch(/D \d+\.\d\/s × P 0\.9\d × C 1\.00 = R \d+\.\d\/s/);
  });
});
