import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { type EngineEndpointHealth } from '../engines/endpoint-health';
import { IngestRejectionReason } from '../ingest/limits';
import { type OtlpMetricsIngest } from '../ingest/ingest-handler';
import { type PipelineModel } from '../pipelines/model';
import { infinityReplacer } from '../protocol/json-infinity';
import { expositionContentType, type ExpositionFormat } from '../prometheus/exposition';
import { type ClusterLagSnapshot } from '../protocol/lag-snapshot';
import { BearerToken } from '../ingest/tokens';
import { readBody } from './body';
import { ThrottledLog } from '../logging/throttled-log';

/** What the HTTP layer reads. It never calls Kafka: everything comes from the last cycle. */
export interface AgentReadModel {
  snapshots(): readonly ClusterLagSnapshot[];
  /** Rendered exposition of the last cycle (cached by the implementation). */
  metrics(format: ExpositionFormat): Promise<string> | string;
  /** Pipeline models of the last update, every engine; absent when no pipeline is served. */
  pipelines?(): readonly PipelineModel[];
  /** One pipeline's model planned for a target input rate; `engine` picks among pipelines of one name. */
  planPipeline?(pipeline: string, targetRate: number, engine?: string): PipelineModel | undefined;
  /** Health of the Flink and Storm endpoints; absent or empty when none is configured. */
  engines?(): readonly EngineEndpointHealth[];
  /** OTLP metrics ingest behind POST /v1/metrics; absent when ingest is off. */
  readonly ingest?: OtlpMetricsIngest;
  /** State and last error of each internal part (cycles, pipeline view, engine polls, render), for /healthz. */
  internalHealth?(): Readonly<Record<string, { readonly state: 'ok' | 'failing' }>>;
}

/** Options of {@link createAgentApp}. */
export interface AgentAppOptions {
  /**
   * Bearer token every read request must carry: `/api/*` and every GET but `/healthz`,
   * `/readyz` and (unless `metricsRequireReadToken`) `/metrics`. Absent or null: reads are open.
   */
  readonly readToken?: string | null;
  /** `/metrics` needs the read token too. */
  readonly metricsRequireReadToken?: boolean;
  /** Where request errors are logged (one line per kind per minute); default: stderr. */
  readonly log?: (line: string) => void;
  /** Clock of the error log, epoch milliseconds. */
  readonly now?: () => number;
}

/** Content-Encodings of OTLP ingest: the documented ones, identity and gzip. */
const ingestEncodings = new Set(['', 'identity', 'gzip', 'x-gzip']);

function sendJson(response: Response, status: number, body: unknown): void {
  response.status(status).type('application/json').send(JSON.stringify(body, infinityReplacer));
}

function notFound(response: Response, message: string): void {
  sendJson(response, 404, { error: 'not_found', message });
}

function wantsOpenMetrics(request: Request): boolean {
  return (request.get('accept') ?? '').includes('application/openmetrics-text');
}

/**
 * Ready once every cluster has finished a cycle and at least one succeeded: an agent that
 * can see nothing should not receive traffic, but one broken cluster must not hide the
 * others (nor its own collector_up 0) from Prometheus.
 */
export function isReady(snapshots: readonly ClusterLagSnapshot[]): boolean {
  const attempted = snapshots.every(
    (snapshot) => snapshot.health.successfulCycles + snapshot.health.failedCycles > 0,
  );
  return attempted && snapshots.some((snapshot) => snapshot.health.successfulCycles > 0);
}

function clusterSummary(snapshot: ClusterLagSnapshot) {
  return {
    cluster: snapshot.cluster,
    health: snapshot.health,
    observedAtMs: snapshot.observedAtMs,
    groups: snapshot.groups.length,
    shareGroups: snapshot.shareGroups.length,
    topics: snapshot.topics.length,
  };
}

/** Whether a request needs the read token: everything but probes, ingest and (by default) /metrics. */
function needsReadToken(request: Request, metricsRequireReadToken: boolean): boolean {
  if (request.path === '/healthz' || request.path === '/readyz') return false;
  if (request.path === '/v1/metrics' && request.method === 'POST') return false;
  if (request.path === '/metrics') return metricsRequireReadToken;
  return true;
}

/** Status, error code and the message a client may see, for an error thrown while answering. */
function describeError(error: unknown): { status: number; error: string; message: string; kind: string } {
  const status =
    (error as { status?: unknown; statusCode?: unknown }).status ??
    (error as { statusCode?: unknown }).statusCode;
  if (error instanceof URIError || (error as { name?: unknown }).name === 'URIError') {
    return {
      status: 400,
      error: 'bad_request',
      message: 'the URL has a malformed percent-escape',
      kind: 'malformed_url',
    };
  }
  const type = (error as { type?: unknown }).type;
  if (typeof type === 'string' && type.startsWith('entity.')) {
    const code = typeof status === 'number' && status >= 400 && status < 500 ? status : 400;
    return {
      status: code,
      error: 'bad_request',
      message: 'the request body could not be read',
      kind: `body_${type}`,
    };
  }
  if (typeof status === 'number' && Number.isInteger(status) && status >= 400 && status < 500) {
    return {
      status,
      error: 'bad_request',
      message: 'the request could not be handled',
      kind: `client_${status}`,
    };
  }
  return {
    status: 500,
    error: 'internal_error',
    message: 'the agent could not answer this request',
    kind: 'internal',
  };
}

/** Builds the agent's express app: /metrics, the JSON API, /healthz and /readyz. */
export function createAgentApp(model: AgentReadModel, options: AgentAppOptions = {}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const errorLog = new ThrottledLog({
    log: options.log ?? ((line) => console.error(line)),
    now: options.now ?? Date.now,
  });

  const readToken =
    options.readToken === undefined || options.readToken === null
      ? null
      : new BearerToken(options.readToken, 'readToken');
  if (readToken !== null) {
    const metricsRequireReadToken = options.metricsRequireReadToken ?? false;
    app.use((request, response, next) => {
      if (
        !needsReadToken(request, metricsRequireReadToken) ||
        readToken.matches(request.get('authorization'))
      ) {
        next();
        return;
      }
      response.setHeader('WWW-Authenticate', 'Bearer realm="streamops"');
      sendJson(response, 401, { error: 'unauthorized', message: 'missing or wrong bearer token' });
    });
  }

  const findCluster = (request: Request, response: Response): ClusterLagSnapshot | undefined => {
    const name = request.params.cluster;
    const snapshot = model.snapshots().find((candidate) => candidate.cluster === name);
    if (!snapshot) notFound(response, `unknown cluster ${JSON.stringify(name)}`);
    return snapshot;
  };

  app.get('/metrics', (request, response, next) => {
    const format: ExpositionFormat = wantsOpenMetrics(request) ? 'openmetrics' : 'prometheus';
    Promise.resolve(model.metrics(format)).then((text) => {
      // end() rather than send(): express would rewrite the content type's parameters.
      response.status(200).setHeader('content-type', expositionContentType[format]);
      response.end(text);
    }, next);
  });

  // Always 200 while the process serves: a failing part is reported here (and counted in
  // /metrics), and restarting the agent would lose its history without fixing the input.
  app.get('/healthz', (_request, response) => {
    const parts = model.internalHealth?.();
    if (parts === undefined) return sendJson(response, 200, { status: 'ok' });
    const failing = Object.values(parts).some((part) => part.state === 'failing');
    sendJson(response, 200, { status: failing ? 'degraded' : 'ok', parts });
  });

  app.get('/readyz', (_request, response) => {
    const snapshots = model.snapshots();
    const ready = isReady(snapshots);
    sendJson(response, ready ? 200 : 503, {
      status: ready ? 'ready' : 'not ready',
      clusters: snapshots.map((snapshot) => ({ cluster: snapshot.cluster, up: snapshot.health.up })),
    });
  });

  app.get('/api/v1/clusters', (_request, response) => {
    sendJson(response, 200, { clusters: model.snapshots().map(clusterSummary) });
  });

  app.get('/api/v1/clusters/:cluster/groups', (request, response) => {
    const snapshot = findCluster(request, response);
    if (!snapshot) return;
    sendJson(response, 200, {
      cluster: snapshot.cluster,
      observedAtMs: snapshot.observedAtMs,
      health: snapshot.health,
      groups: snapshot.groups.map((group) => ({
        group: group.group,
        groupType: group.groupType,
        state: group.state,
        kafkaState: group.kafkaState,
        status: group.status,
        thresholdStatus: group.thresholdStatus,
        lagMessages: group.lagMessages,
        lagSeconds: group.lagSeconds,
        members: group.members.length,
      })),
      // Apart: share groups have no committed offsets, hence no status or time lag.
      shareGroups: snapshot.shareGroups.map((group) => ({
        group: group.group,
        groupType: group.groupType,
        state: group.state,
        kafkaState: group.kafkaState,
        lagMessages: group.lagMessages,
        members: group.members.length,
      })),
    });
  });

  app.get('/api/v1/clusters/:cluster/groups/:group', (request, response) => {
    const snapshot = findCluster(request, response);
    if (!snapshot) return;
    // Group ids are unique across types, so one route serves both kinds of view.
    const name = request.params.group;
    const group =
      snapshot.groups.find((candidate) => candidate.group === name) ??
      snapshot.shareGroups.find((candidate) => candidate.group === name);
    if (!group) {
      notFound(
        response,
        `unknown group ${JSON.stringify(request.params.group)} in cluster ${snapshot.cluster}`,
      );
      return;
    }
    sendJson(response, 200, { cluster: snapshot.cluster, observedAtMs: snapshot.observedAtMs, ...group });
  });

  app.get('/api/v1/clusters/:cluster/topics', (request, response) => {
    const snapshot = findCluster(request, response);
    if (!snapshot) return;
    sendJson(response, 200, {
      cluster: snapshot.cluster,
      observedAtMs: snapshot.observedAtMs,
      topics: snapshot.topics.map((topic) => ({
        ...topic,
        groups: snapshot.groups
          .filter((group) => group.topics.some((candidate) => candidate.topic === topic.topic))
          .map((group) => group.group),
      })),
    });
  });

  const ingest = model.ingest;
  if (ingest) {
    const answer = (response: Response, reply: ReturnType<OtlpMetricsIngest['handle']>) => {
      response.status(reply.status).set(reply.headers).type(reply.contentType).send(Buffer.from(reply.body));
    };
    // Refused before (or while) the body is read: the connection closes rather than drain it.
    const answerAndClose = (response: Response, reply: ReturnType<OtlpMetricsIngest['handle']>) => {
      response.setHeader('Connection', 'close');
      answer(response, reply);
    };
    const limit = ingest.limits.maxBodyBytes;
    app.post('/v1/metrics', (request, response, next) => {
      const contentType = request.get('content-type');
      const authorization = request.get('authorization');
      // Everything the headers can tell is checked before a byte of the body is read.
      const unauthorised = ingest.checkAuthorization(contentType, authorization);
      if (unauthorised !== null) return answerAndClose(response, unauthorised);
      const contentEncoding = request.get('content-encoding');
      if (!ingestEncodings.has((contentEncoding ?? '').trim().toLowerCase())) {
        return answerAndClose(
          response,
          ingest.refuseRequest(
            contentType,
            IngestRejectionReason.UnsupportedEncoding,
            `Content-Encoding ${JSON.stringify(contentEncoding)} is not supported; send gzip or no encoding`,
          ),
        );
      }
      const declared = request.get('content-length');
      if (declared !== undefined && !(Number(declared) <= limit)) {
        return answerAndClose(
          response,
          ingest.refuseRequest(
            contentType,
            IngestRejectionReason.BodyTooLarge,
            `Content-Length ${declared} is over the limit of ${limit} bytes`,
          ),
        );
      }
      readBody(request, limit).then((read) => {
        if (read.ok) {
          // The handler inflates gzip itself, stopping at the same limit.
          answer(response, ingest.handle({ contentType, contentEncoding, authorization, body: read.body }));
        } else if (read.reason === 'too_large') {
          answerAndClose(
            response,
            ingest.refuseRequest(
              contentType,
              IngestRejectionReason.BodyTooLarge,
              `body is over the limit of ${limit} bytes`,
            ),
          );
        } else {
          // The client went away: nobody to answer.
          request.socket.destroy();
        }
      }, next);
    });
  }

  app.get('/api/v1/engines', (_request, response) => {
    sendJson(response, 200, { engines: model.engines?.() ?? [] });
  });

  const pipelines = model.pipelines?.bind(model);
  if (pipelines) {
    app.get('/api/v1/pipelines', (_request, response) => {
      sendJson(response, 200, {
        pipelines: pipelines().map((pipeline) => ({
          pipeline: pipeline.pipeline,
          engine: pipeline.engine,
          state: pipeline.engineJob?.state ?? null,
          arrivalRate: pipeline.arrivalRate,
          processingYield: pipeline.processingYield,
          deliveryYield: pipeline.deliveryYield,
          effectiveThroughput: pipeline.effectiveThroughput,
          deliveredRate: pipeline.deliveredRate,
          mismatch: pipeline.mismatch,
          lagTrend: pipeline.lagTrend,
          bottleneck: pipeline.bottleneck,
          maxSustainableThroughput: pipeline.maxSustainableThroughput,
          lagMessages: pipeline.lagMessages,
          lagSeconds: pipeline.lagSeconds,
          timeToDrainSeconds: pipeline.timeToDrainSeconds,
          // Degraded: the values are the last good model's, made at modelAt (null: none).
          ...(pipeline.degraded ? { degraded: pipeline.degraded, modelAt: pipeline.modelAt ?? null } : {}),
        })),
      });
    });
    app.get('/api/v1/pipelines/:pipeline', (request, response) => {
      const name = request.params.pipeline;
      const targetText = request.query.targetRate;
      const engineText = request.query.engine;
      if (engineText !== undefined && typeof engineText !== 'string') {
        sendJson(response, 400, { error: 'bad_request', message: 'engine must be given once' });
        return;
      }
      let found: PipelineModel | undefined;
      if (targetText !== undefined) {
        const targetRate = Number(targetText);
        if (typeof targetText !== 'string' || !Number.isFinite(targetRate) || targetRate <= 0) {
          sendJson(response, 400, {
            error: 'bad_request',
            message: `targetRate must be a positive number of messages per second, got ${JSON.stringify(targetText)}`,
          });
          return;
        }
        found = model.planPipeline?.(name, targetRate, engineText);
      } else {
        found = pipelines().find(
          (candidate) =>
            candidate.pipeline === name && (engineText === undefined || candidate.engine === engineText),
        );
      }
      if (!found) {
        notFound(
          response,
          `unknown pipeline ${JSON.stringify(name)}${engineText === undefined ? '' : ` of engine ${JSON.stringify(engineText)}`}`,
        );
        return;
      }
      sendJson(response, 200, found);
    });
  }

  app.use((request, response) => notFound(response, `no route for ${request.method} ${request.path}`));
  // Express's own handler answers HTML with a stack trace; this one JSON, logged once per kind a minute.
  app.use((error: unknown, request: Request, response: Response, next: NextFunction) => {
    void next;
    const described = describeError(error);
    const detail = error instanceof Error ? error.message : String(error);
    errorLog.log(
      described.kind,
      `streamops-agent: http: ${request.method} ${request.path.slice(0, 200)} answered ${described.status} (${described.kind}): ${detail.slice(0, 500)}`,
    );
    if (response.headersSent) {
      request.socket.destroy();
      return;
    }
    sendJson(response, described.status, { error: described.error, message: described.message });
  });
  return app;
}
