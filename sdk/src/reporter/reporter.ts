import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { register as globalRegistry, type Registry } from 'prom-client';
import { checkKnownKeys, optionalInteger, optionalName } from '../options/checks';
import { InvalidOptionError } from '../options/invalid-option-error';
import { DEFAULT_MAX_VALUES_PER_LABEL } from '../options/resolve';
import { sdkMetricsOrDefault, type SdkMetrics } from '../metrics/registry';
import { toOtlpJson } from './otlp-json';

/** Options of {@link startReporter}. */
export interface ReporterOptions {
  /** The agent's base URL (e.g. http://streamops-agent:9308); reports go to `<url>/v1/metrics`. */
  readonly agentUrl: string;
  /** Pipeline this process belongs to (resource attribute `streamops.pipeline`). */
  readonly pipeline: string;
  /** `service.name`; default: the pipeline name. */
  readonly serviceName?: string;
  /** `service.instance.id`; default: host name, process id and a random suffix. */
  readonly instanceId?: string;
  /** Registry to report; default: prom-client's global registry. */
  readonly registry?: Registry;
  /** Time between reports in milliseconds (integer, 100 to 3600000); default 10 000 ms. */
  readonly intervalMs?: number;
  /** Per-request timeout in milliseconds (integer, 100 to 120000); default 5 000 ms. */
  readonly timeoutMs?: number;
  /** Bearer token the agent requires, if any. */
  readonly token?: string;
  /** Injectable for tests. */
  readonly fetch?: typeof fetch;
  /** Injectable clock, epoch milliseconds. */
  readonly nowMs?: () => number;
}

/** Outcome of one report. */
export type ReportResult = 'success' | 'failed' | 'rejected' | 'skipped';

/** A running reporter. */
export interface Reporter {
  /** Sends a report now (after the one in flight, if any) and tells how it went. */
  flush(): Promise<ReportResult>;
  /** Stops the timer, sends a last report, and waits for it. */
  stop(): Promise<void>;
}

function validate(options: ReporterOptions): void {
  checkKnownKeys(
    options as unknown as Record<string, unknown>,
    [
      'agentUrl',
      'pipeline',
      'serviceName',
      'instanceId',
      'registry',
      'intervalMs',
      'timeoutMs',
      'token',
      'fetch',
      'nowMs',
    ],
    'reporter',
  );
  try {
    const url = new URL(options.agentUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    throw new InvalidOptionError(
      'reporter.agentUrl',
      `must be an http(s) URL, got ${JSON.stringify(options.agentUrl)}`,
    );
  }
  optionalName(options.pipeline, 'reporter.pipeline');
  if (options.pipeline === undefined) throw new InvalidOptionError('reporter.pipeline', 'is required');
  optionalName(options.serviceName, 'reporter.serviceName');
  optionalName(options.instanceId, 'reporter.instanceId');
  optionalInteger(options.intervalMs, 'reporter.intervalMs', 100, 3_600_000);
  optionalInteger(options.timeoutMs, 'reporter.timeoutMs', 100, 120_000);
}

/**
 * Starts reporting this process's metrics to the streamops agent over OTLP/HTTP JSON.
 *
 * It never blocks the pipeline: reports are built and sent from a timer, one at a time.
 * Metrics are cumulative, so while the agent is unreachable only the newest report is
 * kept; an older one it replaces is dropped and counted (its counts are in the newer
 * one). A report the agent rejects (HTTP 4xx other than 429) is dropped and counted.
 */
export function startReporter(options: ReporterOptions): Reporter {
  validate(options);
  const registry = options.registry ?? globalRegistry;
  const metrics: SdkMetrics = sdkMetricsOrDefault(registry, DEFAULT_MAX_VALUES_PER_LABEL);
  const exports = metrics.counters.reporterExports;
  const dropped = metrics.counters.reporterDropped;
  const send = options.fetch ?? fetch;
  const nowMs = options.nowMs ?? Date.now;
  const startedAtMs = nowMs();
  const endpoint = new URL(
    'v1/metrics',
    options.agentUrl.endsWith('/') ? options.agentUrl : `${options.agentUrl}/`,
  );
  const resource = {
    serviceName: options.serviceName ?? options.pipeline,
    instanceId: options.instanceId ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`,
    pipeline: options.pipeline,
  };
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const timeoutMs = options.timeoutMs ?? 5_000;

  let inFlight: Promise<ReportResult> | null = null;
  let undelivered = false;

  const report = async (): Promise<ReportResult> => {
    let result: ReportResult;
    try {
      const body = JSON.stringify(
        toOtlpJson(await registry.getMetricsAsJSON(), resource, startedAtMs, nowMs()),
      );
      const response = await send(endpoint, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.arrayBuffer().catch(() => undefined);
      if (response.ok) result = 'success';
      else if (response.status >= 400 && response.status < 500 && response.status !== 429)
        result = 'rejected';
      else result = 'failed';
    } catch {
      result = 'failed';
    }
    try {
      if (undelivered) dropped.cell({ reason: 'superseded' }).inc();
      if (result === 'rejected') dropped.cell({ reason: 'rejected' }).inc();
      exports.cell({ outcome: result === 'success' ? 'success' : 'failed' }).inc();
    } catch {
      metrics.countInstrumentationError('reporter');
    }
    undelivered = result === 'failed';
    return result;
  };

  const flush = async (): Promise<ReportResult> => {
    while (inFlight) await inFlight;
    inFlight = report().finally(() => {
      inFlight = null;
    });
    return inFlight;
  };

  const timer = setInterval(() => {
    if (inFlight) return; // the previous report is still out; this tick's data goes with the next one
    void flush();
  }, options.intervalMs ?? 10_000);
  timer.unref();

  return {
    flush,
    async stop() {
      clearInterval(timer);
      await flush();
    },
  };
}
