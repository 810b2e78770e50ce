import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Kafka, logLevel, type KafkaMessage, type Producer } from 'kafkajs';
import { Registry } from 'prom-client';
import { parseAgentConfig, startAgent, type RunningAgent } from '@streamops/agent';
import {
  allDashboards,
  panelTargets,
  renderRuleFiles,
  variableQueries,
  type DashboardFile,
  type PanelTarget,
} from '@streamops/dashboards';
import { instrument, pipeline, stage, startReporter, type Pipeline, type Reporter } from '@streamops/sdk';
import { startTestBroker, uniqueTestName, type TestBroker } from '@streamops/test-broker';
import { commitAs } from '../agent/harness';
import { pollUntil } from '../support/poll';
import { startPrometheus, type TestPrometheus } from '../support/prometheus';

// Every panel query of every dashboard, with its variables substituted, returns data from a
// real Prometheus that scrapes a real agent (lag of a real broker, OTLP reports of an
// instrumented pipeline) and the pipeline's own /metrics, with the generated rules loaded
// (the SLO panels read recorded series). Targets that may be empty here say why below.

/** Targets allowed to return nothing in this scenario, by "<dashboard uid> / <panel> / <refId>". */
const mayBeEmpty: Readonly<Record<string, string>> = {
  'streamops-reliability / Failures by type / A':
    'send errors are counted by error_type, a label that only exists once a send fails; none does here',
  'streamops-reliability / Failures by type / B':
    'failing stages dead-letter their messages (outcome dead_lettered), so no handler throws to kafkajs',
  'streamops-reliability / Failures by type / C': 'the consumer never crashes',
  'streamops-agent / Reports dropped by reason / A': 'the agent is reachable and accepts every report',
  'streamops-agent / SDK failures and label overflow / A': 'the SDK does not fail',
  'streamops-agent / SDK failures and label overflow / B': 'no label reaches its limit of distinct values',
};

type Dashboard = DashboardFile['dashboard'];

let broker: TestBroker;
let agent: RunningAgent;
let prometheus: TestPrometheus;
let source: Producer;
let app: { running: Pipeline; reporter: Reporter; server: Server; stop(): Promise<void> };
let producing: NodeJS.Timeout | undefined;
let produced = 0;

const name = uniqueTestName('dash');
const input = `${name}.in`;
const output = `${name}.out`;
const deadLetters = `${name}.dlq`;
const group = `${name}-group`;
const laggard = `${name}-laggard`;

function kafka(): Kafka {
  return new Kafka({
    clientId: uniqueTestName('dash'),
    brokers: broker.bootstrap,
    logLevel: logLevel.NOTHING,
  });
}

/** The instrumented pipeline: parse (retries a flaky first attempt) → enrich (dead-letters) → score (filters). */
async function startApp(): Promise<typeof app> {
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
    agentUrl: agent.url,
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
}

function produceSome(): void {
  const messages = Array.from({ length: 10 }, (_, index) => ({
    key: `k${index}`,
    value: String(produced + index + 1),
  }));
  produced += messages.length;
  source.send({ topic: input, acks: -1, messages }).catch(() => undefined);
}

beforeAll(async () => {
  broker = await startTestBroker({
    brokers: 1,
    topics: [
      { name: input, partitions: 3 },
      { name: output, partitions: 1 },
      { name: deadLetters, partitions: 1 },
    ],
  });
  agent = await startAgent(
    parseAgentConfig({
      clusters: [{ name: 'local', brokers: broker.bootstrap }],
      collection: { intervalSeconds: 1, requestTimeoutMs: 3000 },
      server: { host: '127.0.0.1', port: 0 },
      ingest: { instanceTtlSeconds: 30 },
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
  app = await startApp();
  producing = setInterval(produceSome, 100);
  // One report the agent refuses, so that the rejected-reports panel has something to show.
  const refused = await fetch(`${agent.url}/v1/metrics`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"resourceMetrics": [',
  });
  expect(refused.status).toBe(400);

  const rulesFolder = join(__dirname, '..', '..', 'dashboards', 'rules');
  prometheus = await startPrometheus({
    targets: [new URL(agent.url).host, `127.0.0.1:${(app.server.address() as AddressInfo).port}`],
    ruleFiles: [...renderRuleFiles().keys()].map((file) => join(rulesFolder, file)),
    scrapeIntervalSeconds: 1,
  });
}, 60_000);

afterAll(async () => {
  if (producing) clearInterval(producing);
  await prometheus?.stop();
  await app?.stop().catch(() => undefined);
  await source?.disconnect();
  await agent?.stop();
  await broker?.stop();
});

/** Escapes a value the way Grafana does for a regex matcher. */
function escapeRegex(value: string): string {
  return value.replace(/[\\^$*+?.()|[\]{}/]/g, '\\\\$&');
}

function substitute(expr: string, values: Readonly<Record<string, string>>): string {
  return expr
    .replace(/\$__rate_interval/g, '1m')
    .replace(/\$__range/g, '5m')
    .replace(/\$\{?(\w+)\}?/g, (_match, variable: string) => {
      const value = values[variable];
      if (value === undefined) throw new Error(`no value for $${variable} in ${expr}`);
      return value;
    });
}

/** Grafana's label_values(selector, label): the label's values among the selected series. */
async function labelValues(query: string, values: Readonly<Record<string, string>>): Promise<string[]> {
  const match = /^label_values\((.+), (\w+)\)$/s.exec(query);
  if (!match) throw new Error(`not a label_values query: ${query}`);
  const result = await prometheus.query(`group by (${match[2]}) (${substitute(match[1]!, values)})`);
  return result
    .map((sample) => sample.metric[match[2]!])
    .filter((value): value is string => value !== undefined);
}

/** Resolves the variables in order like Grafana: the scenario's value when offered, else All (`.*`). */
async function resolveVariables(
  dashboard: Dashboard,
): Promise<{ values: Record<string, string>; offered: Record<string, string[]> }> {
  const preferred: Record<string, string> = { cluster: 'local', group, topic: input, pipeline: name };
  const values: Record<string, string> = {};
  const offered: Record<string, string[]> = {};
  for (const variable of variableQueries(dashboard)) {
    const options = await labelValues(variable.query, values);
    offered[variable.name] = options;
    const choice = preferred[variable.name];
    values[variable.name] =
      choice !== undefined && options.includes(choice) ? escapeRegex(choice) : (variable.allValue ?? '.*');
  }
  return { values, offered };
}

function key(dashboard: Dashboard, target: PanelTarget): string {
  return `${dashboard.uid} / ${target.panel} / ${target.refId}`;
}

/** Runs every target until each returns data (or may be empty), or the deadline passes. */
async function emptyTargets(
  dashboard: Dashboard,
  values: Readonly<Record<string, string>>,
): Promise<string[]> {
  const [targets, optional] = [false, true].map((allowedEmpty) =>
    panelTargets(dashboard).filter(
      (target) => (mayBeEmpty[key(dashboard, target)] !== undefined) === allowedEmpty,
    ),
  ) as [PanelTarget[], PanelTarget[]];
  // Possibly empty, but still valid PromQL: the query API answers them without an error.
  for (const target of optional) await prometheus.query(substitute(target.expr, values));
  const pending = new Map(targets.map((target) => [key(dashboard, target), substitute(target.expr, values)]));
  try {
    await pollUntil(
      `every panel query of ${dashboard.title} to return data`,
      async () => {
        for (const [name, expr] of [...pending]) {
          if ((await prometheus.query(expr)).length > 0) pending.delete(name);
        }
        if (pending.size > 0)
          throw new Error(`${pending.size} queries still empty: ${[...pending.keys()].join('; ')}`);
        return true;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
  } catch {
    // Reported below with the queries that stayed empty.
  }
  return [...pending].map(([name, expr]) => `${name}: ${expr}`);
}

const dashboards = allDashboards();

interface RuleState {
  name: string;
  health: string;
  lastError?: string;
  lastEvaluation: string;
}

it('evaluates every generated rule without error against the real series', async () => {
  const rules = await pollUntil(
    'every rule to be evaluated',
    async () => {
      const response = await fetch(`${prometheus.url}/api/v1/rules`);
      const body = (await response.json()) as { data: { groups: { rules: RuleState[] }[] } };
      const all = body.data.groups.flatMap((ruleGroup) => ruleGroup.rules);
      return all.length > 0 && all.every((rule) => !rule.lastEvaluation.startsWith('0001-'))
        ? all
        : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 250 },
  );
  expect(
    rules.filter((rule) => rule.health !== 'ok').map((rule) => `${rule.name}: ${rule.lastError}`),
  ).toEqual([]);
  expect(rules.length).toBeGreaterThan(30);
});

it('lists only real targets as possibly empty', () => {
  const all = new Set(
    dashboards.flatMap(({ dashboard }) => panelTargets(dashboard).map((target) => key(dashboard, target))),
  );
  for (const entry of Object.keys(mayBeEmpty)) expect(all).toContain(entry);
});

describe.each(dashboards.map(({ dashboard }) => [dashboard.title ?? '', dashboard] as const))(
  '%s',
  (_title, dashboard) => {
    it('offers the scenario in its variables, and All where a label is absent (namespace)', async () => {
      const { offered } = await pollUntil(
        'variable values',
        async () => {
          const resolved = await resolveVariables(dashboard);
          const wanted = ['group', 'pipeline'].filter((variable) => variable in resolved.offered);
          return wanted.every((variable) => (resolved.offered[variable] ?? []).length > 0)
            ? resolved
            : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 500 },
      );
      // No series carries a namespace here: the variable offers nothing and stays All, which must match.
      expect(offered.namespace).toEqual([]);
      if ('group' in offered) expect(offered.group).toEqual(expect.arrayContaining([group, laggard]));
      if ('pipeline' in offered) {
        expect(offered.pipeline).toContain(name);
        // Pipeline series carry no cluster label unless the scrape adds one.
        expect(offered.cluster).toEqual([]);
      } else {
        expect(offered.cluster).toEqual(['local']);
      }
    });

    it('returns data for every panel query with every variable on All', async () => {
      const all = Object.fromEntries(variableQueries(dashboard).map((variable) => [variable.name, '.*']));
      expect(await emptyTargets(dashboard, all)).toEqual([]);
    });

    it('returns data for every panel query with the scenario values selected', async () => {
      const { values } = await resolveVariables(dashboard);
      expect(await emptyTargets(dashboard, values)).toEqual([]);
    });
  },
);
