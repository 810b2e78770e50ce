import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pollUntil } from './poll';
import { freeLoopbackPort } from './ports';

/** A Prometheus server started for a test, on loopback, with its own temporary storage. */
export interface TestPrometheus {
  readonly url: string;
  readonly pid: number;
  /** Runs an instant query and returns the result vector. */
  query(promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  stop(): Promise<void>;
}

/** Options for {@link startPrometheus}. */
export interface TestPrometheusOptions {
  /** host:port targets scraped at /metrics. */
  readonly targets: readonly string[];
  readonly scrapeIntervalSeconds?: number;
  /** Rule files to load, absolute paths. */
  readonly ruleFiles?: readonly string[];
  /** Loopback port to listen on; a free one when absent. */
  readonly port?: number;
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Starts Debian's `prometheus` binary scraping the given targets; resolves when it is ready. */
export async function startPrometheus(options: TestPrometheusOptions): Promise<TestPrometheus> {
  const directory = mkdtempSync(join(tmpdir(), 'streamops-prometheus-'));
  const interval = `${options.scrapeIntervalSeconds ?? 1}s`;
  const config = {
    global: { scrape_interval: interval, evaluation_interval: interval },
    rule_files: options.ruleFiles ?? [],
    scrape_configs: [{ job_name: 'streamops', static_configs: [{ targets: options.targets }] }],
  };
  writeFileSync(join(directory, 'prometheus.yml'), JSON.stringify(config));

  const port = options.port ?? (await freeLoopbackPort());
  let output = '';
  const child = spawn(
    'prometheus',
    [
      `--config.file=${join(directory, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(directory, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-lifecycle',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;

  const stop = async (): Promise<void> => {
    if (!(await waitForExit(child, 0))) {
      child.kill('SIGTERM');
      if (!(await waitForExit(child, 5_000))) {
        child.kill('SIGKILL');
        await waitForExit(child, 5_000);
      }
    }
    rmSync(directory, { recursive: true, force: true });
  };

  try {
    await pollUntil(
      'prometheus to be ready',
      async () => {
        if (child.exitCode !== null) throw new Error(`prometheus exited: ${output.slice(-2000)}`);
        const response = await fetch(`${url}/-/ready`);
        return response.ok ? true : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    url,
    pid: child.pid ?? -1,
    async query(promql) {
      const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const body = (await response.json()) as {
        status: string;
        error?: string;
        data?: { result: { metric: Record<string, string>; value: [number, string] }[] };
      };
      if (body.status !== 'success' || !body.data) throw new Error(`query ${promql} failed: ${body.error}`);
      return body.data.result;
    },
    stop,
  };
}
