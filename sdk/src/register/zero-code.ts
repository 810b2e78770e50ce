import type { NodeSDK } from '@opentelemetry/sdk-node';
import { createServer, type Server } from 'node:http';
import { dirname } from 'node:path';
import { register as globalRegistry, type Registry } from 'prom-client';
import { patchKafkaFactory, type KafkaClientFactory } from '../instrumentation/instrument';
import { InstrumentationScope } from '../instrumentation/scope';
import { resolveOptions } from '../options/resolve';

/** Default port of the `/metrics` endpoint (`STREAMOPS_METRICS_PORT`). */
export const DEFAULT_METRICS_PORT = 9464;

/** What the zero-code entry point reads from the environment. */
export interface ZeroCodeSettings {
  /** The `pipeline` option; undefined: its default (see `defaultPipelineName`). */
  pipeline: string | undefined;
  /**
   * Undefined: no /metrics endpoint.
   * @env STREAMOPS_METRICS_PORT Port of the `GET /metrics` endpoint serving prom-client's
   *   global registry. Default 9464; `off`: no endpoint. Anything else that is not a port
   *   number makes `register` print a warning and set up nothing at all.
   */
  metricsPort: number | undefined;
  /** @env STREAMOPS_METRICS_HOST Listen address of the `/metrics` endpoint. Default `0.0.0.0`. */
  metricsHost: string;
  /**
   * @env STREAMOPS_PARTITION_LABELS `true` turns on the `labels.partition` option (a
   *   `partition` label on the consumer metrics that allow one); any other value leaves it off.
   */
  partitionLabels: boolean;
  /**
   * False when `STREAMOPS_OTEL=off`: the app sets up OpenTelemetry itself.
   * @env STREAMOPS_OTEL `off`: do not start `@opentelemetry/sdk-node` (the app sets up
   *   OpenTelemetry itself). Default: started, configured by the standard `OTEL_*` variables.
   * @env OTEL_SDK_DISABLED `true`: do not start `@opentelemetry/sdk-node`, as with `STREAMOPS_OTEL=off`.
   */
  startOpenTelemetry: boolean;
}

/** Reads the settings; throws naming the variable when one is invalid. */
export function zeroCodeSettings(env: NodeJS.ProcessEnv): ZeroCodeSettings {
  const portText = env.STREAMOPS_METRICS_PORT?.trim();
  let metricsPort: number | undefined = DEFAULT_METRICS_PORT;
  if (portText === 'off') metricsPort = undefined;
  else if (portText !== undefined && portText !== '') {
    metricsPort = Number(portText);
    if (!Number.isInteger(metricsPort) || metricsPort < 0 || metricsPort > 65535) {
      throw new Error(`streamops: STREAMOPS_METRICS_PORT must be a port number or "off", got "${portText}"`);
    }
  }
  return {
    pipeline: env.STREAMOPS_PIPELINE?.trim() || undefined,
    metricsPort,
    metricsHost: env.STREAMOPS_METRICS_HOST?.trim() || '0.0.0.0',
    partitionLabels: env.STREAMOPS_PARTITION_LABELS === 'true',
    startOpenTelemetry: env.STREAMOPS_OTEL !== 'off' && env.OTEL_SDK_DISABLED !== 'true',
  };
}

/**
 * Loads the app's kafkajs (resolved from the working directory and the entry script's
 * directory, so the copy the app will load) and instruments `Kafka.prototype`: every
 * `new Kafka(...)` of the app then creates instrumented producers and consumers.
 * Returns the resolved module path, or undefined when kafkajs is not found.
 */
export function patchAppKafkajs(
  scope: InstrumentationScope,
  argv: readonly string[] = process.argv,
): string | undefined {
  const searchPaths = [process.cwd()];
  if (argv[1] !== undefined) searchPaths.push(dirname(argv[1]));
  let resolved: string;
  try {
    resolved = require.resolve('kafkajs', { paths: searchPaths });
  } catch {
    return undefined;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const kafkajs = require(resolved) as { Kafka?: { prototype: KafkaClientFactory } };
  if (kafkajs.Kafka === undefined) return undefined;
  patchKafkaFactory(kafkajs.Kafka.prototype, scope, { producer: 'producer', consumer: 'consumer' });
  return resolved;
}

/** Serves `registry` as Prometheus text on `GET /metrics`. The server does not keep the process alive. */
export function serveMetrics(registry: Registry, port: number, host: string): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (error: unknown) => response.writeHead(500).end(String(error)),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.unref();
      resolve(server);
    });
  });
}

/** Starts @opentelemetry/sdk-node configured by the standard OTEL_* variables. */
function startOpenTelemetry(): void {
  // Loaded only here: the SDK's main entry must not pull in sdk-node and its exporters.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sdkNode = require('@opentelemetry/sdk-node') as { NodeSDK: typeof NodeSDK };
  const sdk = new sdkNode.NodeSDK();
  sdk.start();
  process.once('beforeExit', () => void sdk.shutdown().catch(() => undefined));
}

/**
 * The zero-code set-up: OpenTelemetry from OTEL_* variables, kafkajs instrumented, and
 * `/metrics` served. Failures are reported on stderr and never stop the app.
 */
export function startZeroCode(env: NodeJS.ProcessEnv = process.env): void {
  let settings: ZeroCodeSettings;
  try {
    settings = zeroCodeSettings(env);
  } catch (error) {
    process.emitWarning(String(error instanceof Error ? error.message : error));
    return;
  }
  if (settings.startOpenTelemetry) {
    try {
      startOpenTelemetry();
    } catch (error) {
      process.emitWarning(`streamops: OpenTelemetry set-up failed: ${String(error)}`);
    }
  }
  const options = resolveOptions(
    {
      pipeline: settings.pipeline,
      labels: { partition: settings.partitionLabels },
      registry: globalRegistry,
    },
    [],
  );
  const scope = new InstrumentationScope(options);
  if (patchAppKafkajs(scope) === undefined) {
    process.emitWarning('streamops: kafkajs not found from the working directory; nothing instrumented');
  }
  if (settings.metricsPort !== undefined) {
    serveMetrics(globalRegistry, settings.metricsPort, settings.metricsHost).catch((error: unknown) =>
      process.emitWarning(`streamops: cannot serve /metrics: ${String(error)}`),
    );
  }
}
