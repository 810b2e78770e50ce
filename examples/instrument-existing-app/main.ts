// The instrument-existing-app example: before/service.ts is a plain kafkajs billing service,
// after/service.ts the same file plus two lines. Each version runs as its own process
// against the test broker (or KAFKA_BROKERS), bills the same kind of orders, and has its
// /metrics scraped: before has no streamops_ series, after has them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Partitioners, type Producer } from 'kafkajs';
import { startExampleCluster, type ExampleCluster } from '../support/kafka';
import { Lifecycle } from '../support/lifecycle';
import { numberOption, parseExampleArgs } from '../support/options';
import { waitForGroupToCatchUp } from '../support/progress';
import { histogramQuantile, parsePrometheusText, sumOf, type Sample } from './prometheus-text';
import { startServiceProcess, waitUntil } from '../support/service-process';

const usage = `usage: ./scripts/example.sh instrument-existing-app [--orders n] [--timeout s]

Runs before/service.ts, then after/service.ts (the same billing service plus the two lines
that add streamops), each as a child process; sends each --orders orders (default 20) and
compares what their /metrics serve. --timeout (default 30) bounds each wait.`;

const topics = { orders: 'billing-example.orders', invoices: 'billing-example.invoices' };
const group = 'billing-example';
type Version = 'before' | 'after';

/** The series every instrumented consumer and producer of the service should now serve. */
const expectedStreamopsSeries = [
  'streamops_consumer_messages_total',
  'streamops_consumer_record_age_seconds_bucket',
  'streamops_consumer_process_duration_seconds_bucket',
  'streamops_consumer_lag_messages',
  'streamops_producer_messages_total',
  'streamops_producer_send_duration_seconds_bucket',
];

/** Lines of `after` that are not in `before`, when `after` is `before` with lines inserted only. */
function insertedLines(before: string, after: string): string[] | undefined {
  const beforeLines = before.split('\n');
  const inserted: string[] = [];
  let index = 0;
  for (const line of after.split('\n')) {
    if (line === beforeLines[index]) index++;
    else inserted.push(line);
  }
  return index === beforeLines.length ? inserted : undefined;
}

async function endOffsetTotal(cluster: ExampleCluster, topic: string): Promise<number> {
  const admin = cluster.kafka('billing-example-offsets').admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((total, partition) => total + Number(partition.high), 0);
  } finally {
    await admin.disconnect();
  }
}

async function scrape(url: string): Promise<Sample[]> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
  return parsePrometheusText(await response.text());
}

/**
 * Runs one version of the service until it has billed `orderCount` new orders, and returns
 * its last scrape. The service is stopped with SIGTERM and must exit with code 0.
 */
async function runVersion(
  lifecycle: Lifecycle,
  cluster: ExampleCluster,
  shop: Producer,
  version: Version,
  orderCount: number,
  timeoutMs: number,
): Promise<Sample[]> {
  const service = startServiceProcess(version, join(__dirname, version, 'service.ts'), {
    KAFKA_BROKERS: cluster.bootstrap.join(','),
    ORDERS_TOPIC: topics.orders,
    INVOICES_TOPIC: topics.invoices,
    GROUP_ID: group,
    METRICS_HOST: '127.0.0.1',
    METRICS_PORT: '0',
  });
  lifecycle.onStop(`the ${version} service`, () => service.stop());
  console.log(`\n${version}: started ${version}/service.ts, pid ${service.pid}`);
  const [, metricsUrl = ''] = await service.waitForLine(/metrics on (http:\/\/\S+)/, timeoutMs);
  await waitUntil(
    `${version}: /healthz to answer 200`,
    async () => {
      service.assertRunning();
      return (await fetch(metricsUrl.replace(/\/metrics$/, '/healthz'))).ok ? true : undefined;
    },
    timeoutMs,
  );

  const invoicesAtStart = await endOffsetTotal(cluster, topics.invoices);
  await shop.send({
    topic: topics.orders,
    messages: Array.from({ length: orderCount }, (_, index) => {
      const orderId = `${version}-${Date.now().toString(36)}-${index}`;
      const order = { orderId, customerId: `customer-${index % 7}`, amountCents: 500 + 37 * index };
      return { key: order.customerId, value: JSON.stringify(order) };
    }),
  });
  console.log(`${version}: sent ${orderCount} orders to ${topics.orders}`);
  const invoices = await waitUntil(
    `${version}: ${orderCount} invoices on ${topics.invoices}`,
    async () => {
      service.assertRunning();
      const count = (await endOffsetTotal(cluster, topics.invoices)) - invoicesAtStart;
      return count >= orderCount ? count : undefined;
    },
    timeoutMs,
    250,
  );
  // Committed before the next version takes over the group, so it does not bill them again.
  await waitForGroupToCatchUp(cluster, group, topics.orders, timeoutMs);
  const samples = await waitUntil(
    `${version}: /metrics to count ${orderCount} invoices`,
    async () => {
      service.assertRunning();
      const scraped = await scrape(metricsUrl);
      return (sumOf(scraped, 'billing_invoices_issued_total') ?? 0) >= orderCount ? scraped : undefined;
    },
    timeoutMs,
  );
  console.log(`${version}: ${invoices} invoices on ${topics.invoices}; ${group} has committed every order`);

  const exitCode = await service.stop();
  if (exitCode !== 0)
    throw new Error(`${version}: the service exited with code ${exitCode ?? 'null'} after SIGTERM`);
  console.log(`${version}: stopped with SIGTERM, exit code 0`);
  return samples;
}

function seconds(value: number | undefined): string {
  return value === undefined ? '-' : `${(value * 1000).toFixed(1)} ms`;
}

function count(value: number | undefined): string {
  return value === undefined ? '-' : String(value);
}

/** The streamops series of the after scrape, summarised. */
function describeAfter(samples: readonly Sample[]): string {
  const streamops = samples.filter((sample) => sample.name.startsWith('streamops_'));
  const families = new Set(streamops.map((sample) => sample.name.replace(/_(bucket|sum|count)$/, '')));
  const consumerLabels = { topic: topics.orders };
  return `after: /metrics serves ${samples.length} series, ${streamops.length} of them streamops_ (${families.size} metrics), among them:
  consumer messages   ${count(sumOf(samples, 'streamops_consumer_messages_total', consumerLabels))} from ${topics.orders} (group ${group})
  record age          p50 ≈ ${seconds(histogramQuantile(samples, 'streamops_consumer_record_age_seconds', 0.5))}, p99 ≈ ${seconds(histogramQuantile(samples, 'streamops_consumer_record_age_seconds', 0.99))}
  processing time     p50 ≈ ${seconds(histogramQuantile(samples, 'streamops_consumer_process_duration_seconds', 0.5))} per order
  consumer lag        ${count(sumOf(samples, 'streamops_consumer_lag_messages', consumerLabels))} messages
  rebalances          ${count(sumOf(samples, 'streamops_consumer_rebalances_total'))}, partitions assigned ${count(sumOf(samples, 'streamops_consumer_assigned_partitions'))}
  producer messages   ${count(sumOf(samples, 'streamops_producer_messages_total', { topic: topics.invoices }))} to ${topics.invoices}, send p50 ≈ ${seconds(histogramQuantile(samples, 'streamops_producer_send_duration_seconds', 0.5))}
  lost / duplicated   ${count(sumOf(samples, 'streamops_consumer_lost_messages_total') ?? 0)} / ${count(sumOf(samples, 'streamops_consumer_duplicate_messages_total') ?? 0)}`;
}

new Lifecycle().run(async (lifecycle) => {
  const flags = parseExampleArgs(
    process.argv.slice(2),
    { orders: { type: 'string', default: '20' }, timeout: { type: 'string', default: '30' } },
    usage,
  );
  const orderCount = numberOption('orders', flags.orders, 1);
  const timeoutMs = numberOption('timeout', flags.timeout, 1) * 1000;

  const source = (version: Version) => readFileSync(join(__dirname, version, 'service.ts'), 'utf8');
  const added = insertedLines(source('before'), source('after'));
  if (added?.length !== 2)
    throw new Error('after/service.ts should be before/service.ts plus exactly two lines');

  const cluster = await startExampleCluster(lifecycle, [
    { name: topics.orders, partitions: 3 },
    { name: topics.invoices, partitions: 3 },
  ]);
  console.log(`instrument-existing-app
  Kafka:    ${cluster.describe()}
  service:  billing, ${topics.orders} → ${topics.invoices} (group ${group}), /metrics from prom-client
  after/service.ts is before/service.ts plus:
${added.map((line) => `    + ${line}`).join('\n')}`);

  const shop = cluster.kafka('shop').producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await shop.connect();
  lifecycle.onStop('the order producer', () => shop.disconnect());

  const before = await runVersion(lifecycle, cluster, shop, 'before', orderCount, timeoutMs);
  const streamopsBefore = before.filter((sample) => sample.name.startsWith('streamops_'));
  if (streamopsBefore.length > 0) {
    throw new Error(`before: /metrics already serves streamops_ series: ${streamopsBefore[0]?.name ?? ''}`);
  }
  console.log(
    `before: /metrics serves ${before.length} series (prom-client defaults and billing_invoices_issued_total), no streamops_ series`,
  );

  const after = await runVersion(lifecycle, cluster, shop, 'after', orderCount, timeoutMs);
  console.log(describeAfter(after));
  const missing = expectedStreamopsSeries.filter((name) => sumOf(after, name) === undefined);
  if (missing.length > 0) throw new Error(`after: /metrics lacks ${missing.join(', ')}`);
  const consumed = sumOf(after, 'streamops_consumer_messages_total', { topic: topics.orders }) ?? 0;
  const produced = sumOf(after, 'streamops_producer_messages_total', { topic: topics.invoices }) ?? 0;
  if (consumed < orderCount || produced < orderCount) {
    throw new Error(
      `after: streamops counted ${consumed} orders consumed and ${produced} invoices sent, expected ${orderCount} each`,
    );
  }
  console.log('\nthe two added lines gave the billing service its streamops metrics');
  await lifecycle.exit(0);
});
