/**
 * The scenario behind the dashboards' real-Prometheus test and the rendered picture in
 * docs/: a test broker, an agent collecting its lag and receiving OTLP reports, an
 * instrumented three-stage pipeline under a steady load, a consumer group that stopped
 * (real, growing lag), and a real Prometheus scraping the agent and the pipeline with the
 * generated rules loaded.
 */
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Kafka, logLevel, type KafkaMessage, type Producer } from 'kafkajs';
import { Registry } from 'prom-client';
import { parseAgentConfig, startAgent, type RunningAgent } from '@streamops/agent';
import { renderRuleFiles } from '@streamops/dashboards';
import { instrument, pipeline, stage, startReporter, type Pipeline, type Reporter } from '@streamops/sdk';
import { startTestBroker, uniqueTestName, type TestBroker } from '@streamops/test-broker';
import { flinkCluster } from '../../agent/src/engines/fixtures/flink-cluster';
import { stormCluster } from '../../agent/src/engines/fixtures/storm-cluster';
import { commitAs } from '../agent/harness';
import { startEngineFixtureServer, type EngineFixtureServer } from '../support/engine-fixture-server';
import { startPrometheus, type TestPrometheus } from '../support/prometheus';

/** The instrumented pipeline, with its own /metrics server. */
export interface ScenarioApp {
  readonly running: Pipeline;
  readonly reporter: Reporter;
  readonly server: Server;
  stop(): Promise<void>;
}

/** A running scenario; `stop()` tears every part down. */
export interface DashboardScenario {
  /** The pipeline's name (also the prefix of every topic and group). */
  readonly name: string;
  readonly input: string;
  readonly output: string;
  readonly deadLetters: string;
  /** The pipeline's consumer group. */
  readonly group: string;
  /** A group that committed the start of one partition and stopped. */
  readonly laggard: string;
  readonly broker: TestBroker;
  readonly agent: RunningAgent;
  readonly app: ScenarioApp;
  readonly prometheus: TestPrometheus;
  /** Messages produced to the input topic so far. */
  produced(): number;
  stop(): Promise<void>;
}

/** Options for {@link startDashboardScenario}. */
export interface DashboardScenarioOptions {
  /** Messages produced to the input topic every 100 ms (default 10). */
  readonly batchSize?: number;
  /** The pipeline's name, prefix of its topics and groups (default: a unique test name). */
  readonly name?: string;
}

/** Starts the scenario; resolves once Prometheus is scraping it. */
export async function startDashboardScenario(
  options: DashboardScenarioOptions = {},
): Promise<DashboardScenario> {
  const batchSize = options.batchSize ?? 10;
  const name = options.name ?? uniqueTestName('dash');
  const input = `${name}.in`;
  const output = `${name}.out`;
  const deadLetters = `${name}.dlq`;
  const group = `${name}-group`;
  const laggard = `${name}-laggard`;

  let broker: TestBroker | undefined;
  let agent: RunningAgent | undefined;
  let source: Producer | undefined;
  let app: ScenarioApp | undefined;
  let prometheus: TestPrometheus | undefined;
  let flink: EngineFixtureServer | undefined;
  let storm: EngineFixtureServer | undefined;
  let producing: NodeJS.Timeout | undefined;
  let produced = 0;

  const kafka = (): Kafka => {
    if (!broker) throw new Error('the broker is not running');
    return new Kafka({
      clientId: uniqueTestName('dash'),
      brokers: broker.bootstrap,
      logLevel: logLevel.NOTHING,
    });
  };

  const produceSome = (): void => {
    const messages = Array.from({ length: batchSize }, (_, index) => ({
      key: `k${index}`,
      value: String(produced + index + 1),
    }));
    produced += messages.length;
    source?.send({ topic: input, acks: -1, messages }).catch(() => undefined);
  };

  /** The instrumented pipeline: parse (retries a flaky first attempt) → enrich (dead-letters) → score (filters). */
  const startApp = async (agentUrl: string): Promise<ScenarioApp> => {
    const registry = new Registry();
    const clients = instrument(kafka(), { registry, pipeline: name, tracing: false });
    const consumer = clients.consumer({ groupId: group, maxWaitTimeInMs: 50, sessionTimeout: 10_000 });
    const producer = clients.producer();
    await consumer.connect();
    await producer.connect();
    const attempted = new Set<number>();
    const running = pipeline({
      name,
      source: { consumer, topics: [input], fromBeginning: true },
      stages: [
        stage(
          'parse',
          (message: KafkaMessage) => {
            const value = Number(message.value?.toString());
            if (value % 13 === 0 && !attempted.has(value)) {
              attempted.add(value);
              throw new Error('flaky first attempt');
            }
            return value;
          },
          { retries: 1 },
        ),
        stage(
          'enrich',
          (value: number) => {
            if (value % 10 === 0) throw new RangeError(`order ${value} cannot be enriched`);
            return value;
          },
          { deadLetterTopic: deadLetters },
        ),
        stage('score', (value: number) => (value % 7 === 0 ? null : String(value * 2))),
      ],
      sink: { producer, topic: output },
      instrumentation: { registry, tracing: false },
      sleep: () => Promise.resolve(),
    });
    await running.start();
    const reporter = startReporter({
      agentUrl,
      pipeline: name,
      registry,
      instanceId: `${name}-a`,
      intervalMs: 500,
    });
    // The app's own /metrics, as the SDK's register entry point would serve it.
    const server = createServer((_request, response) => {
      registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (error: Error) => response.writeHead(500).end(error.message),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      running,
      reporter,
      server,
      async stop() {
        await running.stop();
        await reporter.stop();
        await consumer.disconnect();
        await producer.disconnect();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  };

  const stop = async (): Promise<void> => {
    if (producing) clearInterval(producing);
    await prometheus?.stop();
    await app?.stop().catch(() => undefined);
    await source?.disconnect();
    await agent?.stop();
    await flink?.stop();
    await storm?.stop();
    await broker?.stop();
  };

  try {
    broker = await startTestBroker({
      brokers: 1,
      topics: [
        { name: input, partitions: 3 },
        { name: output, partitions: 1 },
        { name: deadLetters, partitions: 1 },
      ],
    });
    flink = await startEngineFixtureServer(flinkCluster());
    storm = await startEngineFixtureServer(stormCluster());
    agent = await startAgent(
      parseAgentConfig({
        clusters: [{ name: 'local', brokers: broker.bootstrap }],
        collection: { intervalSeconds: 1, requestTimeoutMs: 3000 },
        server: { host: '127.0.0.1', port: 0 },
        ingest: { instanceTtlSeconds: 30 },
        // Flink and Storm jobs from the engines' REST fixtures, for the engine panels.
        engines: [
          { type: 'flink', name: 'flink', url: flink.url, intervalSeconds: 1 },
          { type: 'storm', name: 'storm', url: storm.url, intervalSeconds: 1 },
        ],
        pipelines: {
          windowSeconds: 2,
          declared: [
            {
              name,
              inputTopics: [input],
              outputTopics: [output],
              deadLetterTopics: [deadLetters],
              stages: ['parse', 'enrich', 'score'],
            },
          ],
        },
      }),
    );
    source = kafka().producer();
    await source.connect();
    produceSome();
    // A group that read the start of partition 0 and stopped: real lag, growing, never draining.
    await commitAs(kafka(), laggard, input, [[0, 1]]);
    app = await startApp(agent.url);
    producing = setInterval(produceSome, 100);
    // One report the agent refuses, so that the rejected-reports panel has something to show.
    const refused = await fetch(`${agent.url}/v1/metrics`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"resourceMetrics": [',
    });
    if (refused.status !== 400) throw new Error(`the agent answered a broken report with ${refused.status}`);

    const rulesFolder = join(__dirname, '..', '..', 'dashboards', 'rules');
    prometheus = await startPrometheus({
      targets: [new URL(agent.url).host, `127.0.0.1:${(app.server.address() as AddressInfo).port}`],
      ruleFiles: [...renderRuleFiles().keys()].map((file) => join(rulesFolder, file)),
      scrapeIntervalSeconds: 1,
    });
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }

  return {
    name,
    input,
    output,
    deadLetters,
    group,
    laggard,
    broker,
    agent,
    app,
    prometheus,
    produced: () => produced,
    stop,
  };
}

/**
 * Substitutes a panel query's variables: Grafana's `$__rate_interval` as `1m` (what it is
 * with a data source on the default 15 s scrape interval), `$__range` as `5m`, and every
 * `$name` or `${name}` from `values` (an unknown variable throws).
 */
export function substitute(expr: string, values: Readonly<Record<string, string>>): string {
  return expr
    .replace(/\$__rate_interval/g, '1m')
    .replace(/\$__range/g, '5m')
    .replace(/\$\{?(\w+)\}?/g, (_match, variable: string) => {
      const value = values[variable];
      if (value === undefined) throw new Error(`no value for $${variable} in ${expr}`);
      return value;
    });
}
