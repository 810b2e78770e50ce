// The streamops demo: the test broker (or KAFKA_BROKERS), the agent, the order-enrichment
// pipeline (two instances) under a load that changes over time, and, when Debian's
// `prometheus` is installed, a Prometheus scraping the agent with the alert rules loaded.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startPrometheus } from '../../test/support/prometheus';
import { startExampleAgent } from '../support/agent';
import { startExampleCluster } from '../support/kafka';
import { Lifecycle } from '../support/lifecycle';
import { startLoad, type Load } from '../support/load';
import { numberOption, parseExampleArgs } from '../support/options';
import { orderValue } from '../order-enrichment-pipeline/orders';
import { defaultTopics, startOrderEnrichment } from '../order-enrichment-pipeline/pipeline';
import { demoSchedule, type DemoSchedule } from './schedule';
import { statusLine } from './status-line';

const usage = `usage: ./scripts/demo.sh [--duration s] [--rate orders/s] [--period s] [--no-load] [--port 9308] [--no-prometheus] [--prometheus-port 9090]

  --duration s        stop after s seconds (default: run until Ctrl-C)
  --rate n            base load in orders per second (default 100)
  --period s          length of the load schedule that repeats (default 60)
  --no-load           start the broker, agent and pipeline, but produce nothing
  --port n            agent HTTP port (default 9308; 0 picks a free one)
  --no-prometheus     do not start Prometheus even when it is installed
  --prometheus-port n Prometheus port (default 9090; 0 picks a free one)`;

const pipelineName = 'order-enrichment';
const clusterName = 'demo';
const repositoryRoot = join(__dirname, '..', '..');

function prometheusInstalled(): boolean {
  try {
    execFileSync('prometheus', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

new Lifecycle().run(async (lifecycle) => {
  const flags = parseExampleArgs(
    process.argv.slice(2),
    {
      duration: { type: 'string' },
      rate: { type: 'string', default: '100' },
      period: { type: 'string', default: '60' },
      'no-load': { type: 'boolean', default: false },
      port: { type: 'string', default: '9308' },
      'no-prometheus': { type: 'boolean', default: false },
      'prometheus-port': { type: 'string', default: '9090' },
    },
    usage,
  );
  const durationSeconds = flags.duration === undefined ? null : numberOption('duration', flags.duration, 1);
  const schedule: DemoSchedule = demoSchedule({
    baseRate: numberOption('rate', flags.rate, 1),
    periodSeconds: numberOption('period', flags.period, 6),
  });
  lifecycle.stopAfter(durationSeconds);
  const started = Date.now();
  const elapsedSeconds = () => (Date.now() - started) / 1000;

  const cluster = await startExampleCluster(lifecycle, [
    { name: defaultTopics.orders, partitions: 6 },
    { name: defaultTopics.enriched, partitions: 3 },
    { name: defaultTopics.deadLetters, partitions: 1 },
  ]);
  const agent = await startExampleAgent(lifecycle, cluster, {
    clusterName,
    port: numberOption('port', flags.port, 0),
    collectionIntervalSeconds: 2,
    pipelineWindowSeconds: 10,
  });

  let prometheusLine =
    'Prometheus:       not started (install Debian\'s "prometheus" to get one with the alert rules)';
  if (!flags['no-prometheus'] && prometheusInstalled()) {
    const rulesDirectory = join(repositoryRoot, 'dashboards', 'rules');
    const prometheus = await startPrometheus({
      targets: [new URL(agent.url).host],
      scrapeIntervalSeconds: 5,
      ruleFiles: readdirSync(rulesDirectory)
        .filter((file) => file.endsWith('.rules.yaml'))
        .map((file) => join(rulesDirectory, file)),
      port: numberOption('prometheus-port', flags['prometheus-port'], 0) || undefined,
    });
    lifecycle.onStop('Prometheus', () => prometheus.stop());
    prometheusLine = `Prometheus:       ${prometheus.url}/alerts (rules from dashboards/rules), pid ${prometheus.pid}`;
  } else if (flags['no-prometheus']) {
    prometheusLine = 'Prometheus:       not started (--no-prometheus)';
  }

  for (const index of [0, 1]) {
    const instance = await startOrderEnrichment({
      kafka: cluster.kafka(`demo-pipeline-${index}`),
      name: pipelineName,
      instanceId: `${pipelineName}-${index}`,
      agentUrl: agent.url,
      reportIntervalMs: 2_000,
      lookupLatencyMs: () => schedule.lookupLatencyMs(elapsedSeconds()),
    });
    lifecycle.onStop(`pipeline instance ${index}`, () => instance.stop());
  }

  const brokers = cluster.bootstrap.join(',');
  console.log(`streamops demo
  Kafka:            ${cluster.describe()}
  pipeline:         ${defaultTopics.orders} → validate → enrich (retries, DLQ ${defaultTopics.deadLetters}) → ${defaultTopics.enriched}, 2 instances
  metrics:          ${agent.url}/metrics
  groups (JSON):    ${agent.url}/api/v1/clusters/${clusterName}/groups
  one group:        ${agent.url}/api/v1/clusters/${clusterName}/groups/${pipelineName}
  pipelines (JSON): ${agent.url}/api/v1/pipelines
  one pipeline:     ${agent.url}/api/v1/pipelines/${pipelineName}
  ${prometheusLine}
  CLI:              npx streamops lag --brokers ${brokers}
                    npx streamops capacity --agent ${agent.url} --target-rate ${schedule.baseRate * 4}
  load:             ${flags['no-load'] ? 'none (--no-load)' : schedule.describe()}
Ctrl-C stops everything.
`);

  let load: Load | undefined;
  if (!flags['no-load']) {
    const shop = cluster.kafka('demo-shop').producer();
    await shop.connect();
    lifecycle.onStop('the shop producer', () => shop.disconnect());
    load = startLoad({
      producer: shop,
      topic: defaultTopics.orders,
      // The schedule runs on the demo's clock, which the status line shows too.
      rateAt: () => schedule.rateAt(elapsedSeconds()),
      message: (id) => ({ key: `order-${id}`, value: orderValue(id, { poisonEvery: schedule.poisonEvery }) }),
      onError: (error) => console.error(`\nsend failed: ${error.message}`),
    });
    const running = load;
    lifecycle.onStop('the load', () => running.stop());
  }

  const status = setInterval(() => {
    process.stdout.write(
      `\r${statusLine({
        elapsedSeconds: elapsedSeconds(),
        phase: load ? schedule.phaseAt(elapsedSeconds()) : 'no load',
        produced: load?.produced() ?? 0,
        snapshot: agent.snapshots()[0],
        group: pipelineName,
        model: agent.pipelines().find((model) => model.pipeline === pipelineName),
      })}`,
    );
  }, 2000);
  lifecycle.onStop('the status line', () => clearInterval(status));
});
