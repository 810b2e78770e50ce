import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pollUntil } from '../support/poll';

const repositoryRoot = join(__dirname, '..', '..');
const otelScope = '@opentelemetry/instrumentation-kafkajs';
const streamopsScope = '@streamops/sdk';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The printed trace trees: a `trace <id>, <n> spans:` line and the indented span lines under it. */
function printedTraces(output: string): { traceId: string; lines: string[] }[] {
  return [...output.matchAll(/^trace ([0-9a-f]{32}), \d+ spans:\n((?: {2}.*\n)+)/gm)].map((match) => ({
    traceId: match[1] ?? '',
    lines: (match[2] ?? '').trimEnd().split('\n'),
  }));
}

describe('examples/otel-interop', () => {
  it('prints one trace per checkout, each one tree through both instrumentations, and leaves no process', async () => {
    const child = spawn(
      join(repositoryRoot, 'node_modules', '.bin', 'tsx'),
      [
        '--tsconfig',
        join(repositoryRoot, 'tsconfig.check.json'),
        join(repositoryRoot, 'examples', 'otel-interop', 'main.ts'),
        ...['--checkouts', '2'],
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KAFKA_BROKERS: '' } },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    let exitCode: number | null | undefined;
    const exited = new Promise<void>((resolve) =>
      child.once('exit', (code) => {
        exitCode = code;
        resolve();
      }),
    );
    try {
      const code = await pollUntil('the example to exit', () => exitCode, {
        timeoutMs: 50_000,
        intervalMs: 100,
      });
      if (code !== 0) throw new Error(`the example exited with code ${code}:\n${output}`);

      const traces = printedTraces(output);
      expect(traces).toHaveLength(2);
      for (const trace of traces) {
        // One root, then each span one level below the one before: a single chain across both sides.
        const columns = trace.lines.map((line) => line.trim().split(/\s{2,}/));
        expect(columns).toEqual([
          ['checkout', 'shop', 'shop', 'INTERNAL'],
          ['└─ send otel-interop.orders', 'shop', otelScope, 'PRODUCER'],
          ['└─ process otel-interop.orders', 'billing', streamopsScope, 'CONSUMER'],
          ['└─ send otel-interop.invoices', 'billing', streamopsScope, 'PRODUCER'],
          ['└─ process otel-interop.invoices', 'shop', otelScope, 'CONSUMER'],
        ]);
        const indents = trace.lines.map((line) => line.search(/\S/));
        expect(indents).toEqual([2, 2, 5, 8, 11]);
      }
      expect(output).toContain(`2 traces, one per checkout, each a single tree across shop and billing`);
      // The broker, billing and the shop, each printed with its PID, are gone.
      const pids = [...output.matchAll(/pid (\d+)/g)].map((match) => Number(match[1]));
      expect(pids).toHaveLength(3);
      for (const pid of pids) expect(isAlive(pid)).toBe(false);
    } finally {
      // SIGTERM lets the example stop its processes, receiver and broker; tsx passes it on.
      if (exitCode === undefined) {
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
      }
    }
  });
});
