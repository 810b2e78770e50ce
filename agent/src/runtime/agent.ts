import { collectDefaultMetrics, Registry, type OpenMetricsContentType } from 'prom-client';
import { type ClusterSource } from '../collector/cluster-source';
import { collectCycle, type CommitSourceSetting } from '../collector/collect-cycle';
import { KafkajsClusterSource, kafkajsConfig } from '../collector/kafkajs-source';
import { compileNameFilter } from '../collector/name-filter';
import { type AgentConfig, type ClusterConfig, type EngineEndpointConfig } from '../config/schema';
import { EngineEndpointRuntime } from '../engines/endpoint-runtime';
import { type EngineEndpointHealth } from '../engines/endpoint-health';
import { FetchEngineClient, type EngineHttpClient } from '../engines/http-client';
import { createAgentApp, type AgentReadModel } from '../httpserver/app';
import { startListener } from '../httpserver/server';
import { ExpositionBuilder, type ExpositionFormat } from '../prometheus/exposition';
import { renderLagMetrics } from '../prometheus/render-lag';
import {
  renderEngineMetrics,
  renderIngestMetrics,
  renderInternalErrors,
  renderPipelineModels,
} from '../prometheus/render-pipelines';
import { OtlpMetricsIngest } from '../ingest/ingest-handler';
import { InstanceStore } from '../pipelines/instance-store';
import { type PipelineModel } from '../pipelines/model';
import { PipelineView } from '../pipelines/pipeline-view';
import { resolveSecret } from '../config/secrets';
import { type CommitLogRead } from '../protocol/cluster-state';
import { type ClusterLagSnapshot } from '../protocol/lag-snapshot';
import { ClusterLagStore } from '../storage/cluster-lag-store';
import { CycleLoop, systemTimers, type Timers } from './cycle-loop';
import { InternalErrors } from './internal-errors';
import { connectionFacts, explainingSource, type DeniedGroupsProbe } from '../collector/explaining-source';
import { defaultGroupProbe } from '../collector/group-access-probe';

/** Replaceable edges of the agent, for tests. */
export interface AgentDependencies {
  readonly createSource?: (cluster: ClusterConfig, requestTimeoutMs: number) => ClusterSource;
  /** HTTP client of a Flink or Storm endpoint; default: fetch with the configured timeout and headers. */
  readonly createEngineClient?: (endpoint: EngineEndpointConfig) => EngineHttpClient;
  /**
   * Asks which groups the cluster refuses to let the agent DESCRIBE, when kafkajs reports only a
   * missing coordinator; default: FindCoordinator on a short-lived kafkajs connection.
   */
  readonly createGroupProbe?: (cluster: ClusterConfig, requestTimeoutMs: number) => DeniedGroupsProbe;
  /** Where collection failures and recoveries are reported, one line each; default: stderr. */
  readonly log?: (line: string) => void;
  readonly nowMs?: () => number;
  readonly timers?: Timers;
}

/**
 * The line logged for a failed cycle. Explained errors already start with the cluster's name;
 * others (a cycle that could not be evaluated) get it added.
 */
export function collectionFailureLine(cluster: string, message: string): string {
  const prefix = `cluster ${JSON.stringify(cluster)}: `;
  return `streamops-agent: collection failed: ${message.startsWith(prefix) ? message : prefix + message}`;
}

/** How often `collection.commitSource: offsets-topic` repeats that the topic still cannot be read. */
const COMMIT_LOG_WARNING_REPEAT_MS = 10 * 60_000;

/**
 * Logs when a cluster's commits stop or start coming from `__consumer_offsets`: once per
 * change with `auto`; with `offsets-topic`, which asked for the topic, as a warning repeated
 * every 10 minutes while it cannot be read.
 */
export function commitLogNotices(
  cluster: string,
  setting: CommitSourceSetting,
  log: (line: string) => void,
): (read: CommitLogRead | null, nowMs: number) => void {
  let lastReason: string | null = null;
  let lastLoggedMs = 0;
  const name = `cluster ${JSON.stringify(cluster)}`;
  return (read, nowMs) => {
    if (setting === 'polling' || read === null) return;
    if (read.available) {
      if (lastReason !== null)
        log(`streamops-agent: ${name}: commits are read from __consumer_offsets again`);
      lastReason = null;
      return;
    }
    const repeat = setting === 'offsets-topic' && nowMs - lastLoggedMs >= COMMIT_LOG_WARNING_REPEAT_MS;
    if (read.reason === lastReason && !repeat) return;
    lastReason = read.reason;
    lastLoggedMs = nowMs;
    log(
      setting === 'offsets-topic'
        ? `streamops-agent: warning: ${name}: collection.commitSource is offsets-topic but ${read.reason}`
        : `streamops-agent: ${name}: ${read.reason}`,
    );
  };
}

/** A running agent. */
export interface RunningAgent {
  /** Base URL of the HTTP server, e.g. http://127.0.0.1:9308. */
  readonly url: string;
  readonly port: number;
  /** Current snapshot of every cluster. */
  snapshots(): readonly ClusterLagSnapshot[];
  /** Pipeline models of the last update: reported (empty when ingest is off), then engine jobs. */
  pipelines(): readonly PipelineModel[];
  /** Health of the Flink and Storm endpoints. */
  engines(): readonly EngineEndpointHealth[];
  /** Runs one collection cycle on every cluster now (tests and the one-shot CLI). */
  collectNow(): Promise<void>;
  /** Polls every engine endpoint now. */
  pollEnginesNow(): Promise<void>;
  /** Stops collection, closes the server and the Kafka connections. */
  stop(): Promise<void>;
}

interface ClusterRuntime {
  readonly name: string;
  readonly store: ClusterLagStore;
  readonly source: ClusterSource;
  readonly cycle: () => Promise<void>;
  readonly loop: CycleLoop;
}

/** Wires one cluster's source, store and loop; the cycle never throws. */
function clusterRuntime(
  cluster: ClusterConfig,
  config: AgentConfig,
  dependencies: Required<AgentDependencies>,
  onCycle: () => void,
  internal: InternalErrors,
): ClusterRuntime {
  const intervalMs = config.collection.intervalSeconds * 1000;
  const { requestTimeoutMs } = config.collection;
  const { facts, secrets } = connectionFacts(cluster);
  const source = explainingSource(dependencies.createSource(cluster, requestTimeoutMs), {
    facts,
    secrets,
    probeDeniedGroups: dependencies.createGroupProbe(cluster, requestTimeoutMs),
  });
  const store = new ClusterLagStore({
    cluster: cluster.name,
    windowSize: config.evaluation.windowSize,
    minDistanceMs: config.evaluation.minDistanceSeconds * 1000,
    defaultThresholds: config.evaluation.thresholds.default,
    groupThresholds: config.evaluation.thresholds.groups.map((override) => ({
      group: new RegExp(override.group),
      warnSeconds: override.warnSeconds,
      errSeconds: override.errSeconds,
    })),
    intervalMs,
  });
  const options = {
    includeGroup: compileNameFilter(cluster.groups),
    includeTopic: compileNameFilter(cluster.topics),
    concurrency: config.collection.concurrency,
    nowMs: dependencies.nowMs,
    commitSource: config.collection.commitSource,
  };
  const commitLogNotice = commitLogNotices(cluster.name, config.collection.commitSource, dependencies.log);
  const timestampCache = new Map<string, number>();
  const errorSource = `cluster ${JSON.stringify(cluster.name)}`;
  // Logged when it changes, not every cycle: a broken cluster would repeat it every interval.
  let loggedFailure: string | null = null;
  const reportHealth = (): void => {
    const { up, lastError } = store.snapshot().health;
    if (up && loggedFailure !== null) {
      dependencies.log(
        `streamops-agent: collection recovered: cluster ${JSON.stringify(cluster.name)} is up`,
      );
      loggedFailure = null;
    } else if (!up && lastError !== null && lastError !== loggedFailure) {
      dependencies.log(collectionFailureLine(cluster.name, lastError));
      loggedFailure = lastError;
    }
  };
  let inFlight: Promise<void> | null = null;
  const cycle = (): Promise<void> => {
    // A manual cycle while the loop's one runs joins it rather than racing it.
    if (inFlight) return inFlight;
    const startedAt = dependencies.nowMs();
    inFlight = collectCycle(source, options, timestampCache)
      .then(
        (observation) => {
          commitLogNotice(observation.commitLog, dependencies.nowMs());
          try {
            store.apply(observation, dependencies.nowMs() - startedAt);
          } catch (error) {
            // Never silent: a cycle that can't be evaluated marks the collector down, with the reason.
            store.recordFailure(
              new Error(
                `evaluating the cycle failed: ${error instanceof Error ? error.message : String(error)}`,
              ),
              dependencies.nowMs() - startedAt,
            );
          }
        },
        (error: unknown) => store.recordFailure(error, dependencies.nowMs() - startedAt),
      )
      .then(() => {
        reportHealth();
        internal.ok('cluster_cycle', errorSource);
      })
      // Never swallowed: an error outside collection and evaluation is counted and logged.
      .catch((error: unknown) => internal.record('cluster_cycle', error, errorSource))
      .finally(() => {
        inFlight = null;
        onCycle();
      });
    return inFlight;
  };
  const loop = new CycleLoop(cycle, intervalMs, dependencies.nowMs, dependencies.timers, (error) =>
    internal.record('cluster_cycle', error, errorSource),
  );
  return { name: cluster.name, store, source, cycle, loop };
}

/** The pipeline view's parts: the instance store fed by OTLP ingest, and the model over it. */
function pipelineRuntime(config: AgentConfig, nowMs: () => number, log: (line: string) => void) {
  const { ingest: ingestConfig, pipelines } = config;
  const store = new InstanceStore({
    now: nowMs,
    instanceTtlMs: ingestConfig.instanceTtlSeconds * 1000,
    maxInstances: ingestConfig.maxInstances,
    maxSeriesPerInstance: ingestConfig.maxSeriesPerInstance,
    maxSeries: ingestConfig.maxSeries,
    // Departed totals count against the same budget as live series.
    maxAggregateSeries: ingestConfig.maxSeries,
    maxPipelines: ingestConfig.maxPipelines,
    maxInstancesPerPipeline: ingestConfig.maxInstancesPerPipeline,
    maxClockSkewMs: ingestConfig.maxClockSkewSeconds * 1000,
    maxPointAgeMs: ingestConfig.maxPointAgeSeconds * 1000,
  });
  const ingest = new OtlpMetricsIngest({
    sink: store,
    now: nowMs,
    bearerToken: ingestConfig.token ? resolveSecret(ingestConfig.token, 'ingest.token') : null,
    tokens: ingestConfig.tokens.map((token) => ({
      name: token.name,
      token: resolveSecret(token.token, `ingest.tokens.${token.name}.token`),
      ...(token.pipelines === undefined ? {} : { pipelines: token.pipelines }),
    })),
    // Instance ids stay bound to their token and start time as long as the store keeps them.
    identity: { ttlMs: ingestConfig.instanceTtlSeconds * 1000, maxInstances: ingestConfig.maxInstances },
    log,
    limits: {
      maxBodyBytes: ingestConfig.maxBodyBytes,
      reportsPerSecondPerInstance: ingestConfig.reportsPerSecondPerInstance,
    },
  });
  const view = new PipelineView(store, {
    windowMs: pipelines.windowSeconds * 1000,
    declared: pipelines.declared,
    targetRate: pipelines.targetRate ?? null,
    log,
  });
  return { store, ingest, view };
}

/** The default engine client: fetch, the configured timeout, headers resolved per request. */
function engineClient(endpoint: EngineEndpointConfig): EngineHttpClient {
  const headerEntries = Object.entries(endpoint.headers);
  return new FetchEngineClient({
    baseUrl: endpoint.url,
    timeoutMs: endpoint.timeoutMs,
    headers: () =>
      Object.fromEntries(
        headerEntries.map(([name, reference]) => [
          name,
          resolveSecret(reference, `engines.${endpoint.name}.headers.${name}`),
        ]),
      ),
  });
}

/** One engine endpoint with its polling loop; a poll never throws, a manual one joins the running one. */
function engineRuntime(
  endpoint: EngineEndpointConfig,
  config: AgentConfig,
  dependencies: Required<AgentDependencies>,
  onPoll: () => void,
  internal: InternalErrors,
) {
  const runtime = new EngineEndpointRuntime({
    config: endpoint,
    client: dependencies.createEngineClient(endpoint),
    nowMs: dependencies.nowMs,
    targetRate: config.pipelines.targetRate ?? null,
  });
  let inFlight: Promise<void> | null = null;
  const poll = (): Promise<void> => {
    if (inFlight) return inFlight;
    const source = `endpoint ${JSON.stringify(endpoint.name)}`;
    let started: Promise<void>;
    try {
      started = runtime.poll();
    } catch (error) {
      started = Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    inFlight = started
      .then(
        () => internal.ok('engine_poll', source),
        (error: unknown) => internal.record('engine_poll', error, source),
      )
      .finally(() => {
        inFlight = null;
        onPoll();
      });
    return inFlight;
  };
  const loop = new CycleLoop(
    poll,
    endpoint.intervalSeconds * 1000,
    dependencies.nowMs,
    dependencies.timers,
    (error) => internal.record('engine_poll', error, `endpoint ${JSON.stringify(endpoint.name)}`),
  );
  return { runtime, poll, loop };
}

/**
 * Every pipeline once: reported ones first, then engine jobs, skipping an engine job whose
 * (engine, pipeline) an earlier endpoint already reported (two endpoints of one engine
 * with a job of the same name would otherwise export duplicate series; the first
 * configured wins; docs/engines.md says to give such endpoints distinct job names).
 */
function mergePipelines(
  reported: readonly PipelineModel[],
  engines: readonly EngineEndpointRuntime[],
): readonly PipelineModel[] {
  const seen = new Set(reported.map((model) => `${model.engine}\u0000${model.pipeline}`));
  const merged = [...reported];
  for (const runtime of engines) {
    for (const model of runtime.models()) {
      const key = `${model.engine}\u0000${model.pipeline}`;
      if (seen.has(key)) continue;
      seen.add(key);
      merged.push(model);
    }
  }
  return merged;
}

/** Removes the `# EOF` prom-client ends OpenMetrics with, so it can be followed by more families. */
function withoutEof(text: string): string {
  return text.replace(/# EOF\s*$/, '');
}

/**
 * Starts the agent: one background collection loop per cluster, and the HTTP server.
 * Scrapes are answered from the last completed cycles; rendering happens once per
 * cycle and format, never per scrape.
 */
export async function startAgent(
  config: AgentConfig,
  dependencies: AgentDependencies = {},
): Promise<RunningAgent> {
  const resolved: Required<AgentDependencies> = {
    createSource:
      dependencies.createSource ??
      ((cluster, timeoutMs) =>
        new KafkajsClusterSource(kafkajsConfig(cluster, timeoutMs), {
          commitLog: {
            nowMs: dependencies.nowMs ?? Date.now,
            // A window's worth of commits on the first read, so statuses are known from the start.
            startBackMs: config.evaluation.windowSize * config.collection.intervalSeconds * 1000,
          },
        })),
    createEngineClient: dependencies.createEngineClient ?? engineClient,
    createGroupProbe:
      dependencies.createGroupProbe ??
      ((cluster, timeoutMs) => defaultGroupProbe(cluster, timeoutMs, config.collection.concurrency)),
    log: dependencies.log ?? ((line) => console.error(line)),
    nowMs: dependencies.nowMs ?? Date.now,
    timers: dependencies.timers ?? systemTimers,
  };
  const rendered = new Map<ExpositionFormat, string>();
  const internal = new InternalErrors(resolved.log, resolved.nowMs);
  const pipelineParts = config.ingest.enabled ? pipelineRuntime(config, resolved.nowMs, resolved.log) : null;
  // Set once the runtimes exist; no cycle can finish before that.
  let snapshots: () => ClusterLagSnapshot[] = () => [];
  const afterCycle = () => {
    rendered.clear();
    if (!pipelineParts) return;
    try {
      pipelineParts.view.update(resolved.nowMs(), snapshots());
      internal.ok('pipeline_view');
    } catch (error) {
      // The view keeps its last models; every lag series keeps updating.
      internal.record('pipeline_view', error);
    }
  };
  const runtimes = config.clusters.map((cluster) =>
    clusterRuntime(cluster, config, resolved, afterCycle, internal),
  );
  snapshots = () => runtimes.map((runtime) => runtime.store.snapshot());
  const engines = config.engines.map((endpoint) =>
    engineRuntime(endpoint, config, resolved, () => rendered.clear(), internal),
  );
  const engineRuntimes = engines.map((engine) => engine.runtime);
  const allPipelines = () => mergePipelines(pipelineParts?.view.models() ?? [], engineRuntimes);
  const engineHealth = () => engineRuntimes.map((runtime) => runtime.health());

  // Process metrics (memory, CPU, event loop) of the agent itself, one registry per format.
  const prometheusProcessRegistry = new Registry();
  const openMetricsProcessRegistry = new Registry<OpenMetricsContentType>();
  openMetricsProcessRegistry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  collectDefaultMetrics({ register: prometheusProcessRegistry });
  collectDefaultMetrics({ register: openMetricsProcessRegistry });

  const pipelinesServed = pipelineParts !== null || engines.length > 0;
  const lastProcessText = new Map<ExpositionFormat, string>();
  const lagOptions = {
    granularity: config.collection.granularity,
    kafkaLagExporterCompatibility: config.compatibility.kafkaLagExporter,
  };
  // The last good exposition of each part: a part that fails to render serves it again
  // (counted and logged), and never blanks the others.
  const lastGoodParts = new Map<string, ExpositionBuilder>();
  const renderPart = (key: string, render: () => ExpositionBuilder): ExpositionBuilder | undefined => {
    try {
      const out = render();
      lastGoodParts.set(key, out);
      internal.ok('render', key);
    } catch (error) {
      internal.record('render', error, key);
    }
    return lastGoodParts.get(key);
  };
  const renderExposition = (): ExpositionBuilder => {
    const merged = new ExpositionBuilder();
    // Every lag family is declared even without clusters, as before.
    merged.merge(renderLagMetrics([], lagOptions));
    for (const runtime of runtimes) {
      const part = renderPart(`lag ${JSON.stringify(runtime.name)}`, () =>
        renderLagMetrics([runtime.store.snapshot()], lagOptions),
      );
      if (part) merged.merge(part);
    }
    if (pipelinesServed) {
      const parts = [
        renderPart('pipelines', () => {
          const out = new ExpositionBuilder();
          renderPipelineModels(out, {
            models: allPipelines(),
            liveInstances: (pipeline) => pipelineParts?.view.liveInstances(pipeline) ?? 0,
            degraded: pipelineParts?.view.degradedCounts() ?? null,
          });
          return out;
        }),
        renderPart('engines', () => {
          const out = new ExpositionBuilder();
          renderEngineMetrics(out, engineHealth());
          return out;
        }),
        renderPart('ingest', () => {
          const out = new ExpositionBuilder();
          renderIngestMetrics(out, {
            ingest: pipelineParts?.ingest.counts() ?? null,
            store: pipelineParts?.store.stats() ?? null,
          });
          return out;
        }),
      ];
      for (const part of parts) if (part) merged.merge(part);
    }
    renderInternalErrors(merged, internal.counts());
    return merged;
  };
  const readModel: AgentReadModel = {
    snapshots,
    engines: engineHealth,
    ...(pipelineParts ? { ingest: pipelineParts.ingest } : {}),
    ...(pipelinesServed
      ? {
          pipelines: allPipelines,
          planPipeline: (pipeline: string, targetRate: number, engine?: string) => {
            const model = allPipelines().find(
              (candidate) =>
                candidate.pipeline === pipeline && (engine === undefined || candidate.engine === engine),
            );
            if (model === undefined) return undefined;
            if (model.engineJob === null) return pipelineParts?.view.planFor(pipeline, targetRate);
            const runtime = engineRuntimes.find(
              (candidate) => candidate.health().endpoint === model.engineJob?.endpoint,
            );
            return runtime?.planFor(pipeline, targetRate);
          },
        }
      : {}),
    internalHealth: () => internal.health(),
    async metrics(format) {
      let lagText = rendered.get(format);
      if (lagText === undefined) {
        lagText = renderExposition().render(format);
        rendered.set(format, lagText);
      }
      let processText: string;
      try {
        processText =
          format === 'openmetrics'
            ? await openMetricsProcessRegistry.metrics()
            : await prometheusProcessRegistry.metrics();
        lastProcessText.set(format, processText);
        internal.ok('render', 'process');
      } catch (error) {
        internal.record('render', error, 'process');
        processText = lastProcessText.get(format) ?? '';
      }
      return format === 'openmetrics' ? `${withoutEof(lagText)}${processText}` : `${lagText}${processText}`;
    },
  };
  const app = createAgentApp(readModel, {
    readToken: config.server.readToken ? resolveSecret(config.server.readToken, 'server.readToken') : null,
    metricsRequireReadToken: config.server.metricsRequireReadToken,
    log: resolved.log,
    now: resolved.nowMs,
  });
  // Timeouts, the connection cap and TLS (with certificate reloads) are the listener's.
  const listener = await startListener(app, config.server, { log: resolved.log });

  for (const runtime of runtimes) runtime.loop.start();
  for (const engine of engines) engine.loop.start();

  return {
    url: listener.url,
    port: listener.port,
    snapshots,
    pipelines: allPipelines,
    engines: engineHealth,
    async collectNow() {
      await Promise.all(runtimes.map((runtime) => runtime.cycle()));
    },
    async pollEnginesNow() {
      await Promise.all(engines.map((engine) => engine.poll()));
    },
    async stop() {
      await Promise.all([...runtimes, ...engines].map((runtime) => runtime.loop.stop()));
      await listener.close();
      await Promise.all(runtimes.map((runtime) => runtime.source.close()));
    },
  };
}
