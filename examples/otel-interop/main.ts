// The otel-interop example: a shop instrumented with @opentelemetry/instrumentation-kafkajs
// and a billing service instrumented with streamops, each its own process, both exporting
// spans to a small OTLP receiver here. Every checkout must come back as one trace:
// shop → orders → billing → invoices → shop, across both instrumentations.
import { join } from 'node:path';
import { startExampleCluster } from '../support/kafka';
import { Lifecycle } from '../support/lifecycle';
import { numberOption, parseExampleArgs } from '../support/options';
import { startServiceProcess, waitUntil } from '../support/service-process';
import { startTraceReceiver } from './trace-receiver';
import { groupByTrace, otelKafkaScope, renderTrace, streamopsScope, traceProblems } from './traces';

const usage = `usage: ./scripts/example.sh otel-interop [--checkouts n] [--timeout s]

Runs shop.ts (OpenTelemetry's kafkajs instrumentation) and billing.ts (streamops) as child
processes; the shop checks out --checkouts orders (default 3), billing invoices them, the
shop consumes the invoices. Prints every trace as a tree and checks that each one is a
single tree across both services and both instrumentations. --timeout (default 30) bounds
each wait.`;

const topics = { orders: 'otel-interop.orders', invoices: 'otel-interop.invoices' };
const services = ['shop', 'billing'];

new Lifecycle().run(async (lifecycle) => {
  const flags = parseExampleArgs(
    process.argv.slice(2),
    { checkouts: { type: 'string', default: '3' }, timeout: { type: 'string', default: '30' } },
    usage,
  );
  const checkouts = numberOption('checkouts', flags.checkouts, 1);
  const timeoutMs = numberOption('timeout', flags.timeout, 1) * 1000;

  const cluster = await startExampleCluster(lifecycle, [
    { name: topics.orders, partitions: 3 },
    { name: topics.invoices, partitions: 3 },
  ]);
  const receiver = await startTraceReceiver();
  lifecycle.onStop('the trace receiver', () => receiver.stop());
  console.log(`otel-interop
  Kafka:     ${cluster.describe()}
  shop:      checkout → ${topics.orders}, consumes ${topics.invoices}  (${otelKafkaScope})
  billing:   ${topics.orders} → ${topics.invoices}  (${streamopsScope})
  receiver:  ${receiver.url} (OTLP/HTTP JSON)
`);

  const environment = (groupId: string) => ({
    KAFKA_BROKERS: cluster.bootstrap.join(','),
    ORDERS_TOPIC: topics.orders,
    INVOICES_TOPIC: topics.invoices,
    GROUP_ID: groupId,
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.url,
  });
  const billing = startServiceProcess(
    'billing',
    join(__dirname, 'billing.ts'),
    environment('otel-interop.billing'),
  );
  lifecycle.onStop('billing', () => billing.stop());
  console.log(`started billing.ts, pid ${billing.pid}`);
  await billing.waitForLine(/billing: consuming/, timeoutMs);
  const shop = startServiceProcess('shop', join(__dirname, 'shop.ts'), {
    ...environment('otel-interop.shop'),
    CHECKOUTS: String(checkouts),
  });
  lifecycle.onStop('shop', () => shop.stop());
  console.log(`started shop.ts, pid ${shop.pid}`);

  const invoiceReceived = /shop: invoice \S+ received/;
  await waitUntil(
    `the shop to receive ${checkouts} invoices`,
    () => {
      shop.assertRunning();
      billing.assertRunning();
      return shop.lines().filter((line) => invoiceReceived.test(line)).length >= checkouts ? true : undefined;
    },
    timeoutMs,
  );
  // Both flush their spans when they shut down on SIGTERM.
  const exitCodes = await Promise.all([shop.stop(), billing.stop()]);
  if (exitCodes.some((code) => code !== 0)) {
    throw new Error(
      `shop and billing exited with codes ${exitCodes.join(' and ')} after SIGTERM, expected 0`,
    );
  }
  console.log('stopped shop and billing with SIGTERM, exit code 0; both flushed their spans\n');

  const checkoutTraceIds = new Set(
    shop.lines().flatMap((line) => /shop: checkout \S+ in trace ([0-9a-f]{32})/.exec(line)?.[1] ?? []),
  );
  const traces = groupByTrace(receiver.spans());
  const problems: string[] = [];
  console.log('each span: name, service, instrumentation scope, kind\n');
  for (const [traceId, spans] of traces) {
    console.log(`trace ${traceId}, ${spans.length} spans:\n${renderTrace(spans)}\n`);
    const traceIssues = traceProblems(spans, services, [otelKafkaScope, streamopsScope]);
    if (!checkoutTraceIds.has(traceId)) traceIssues.push('not started by a checkout of this run');
    problems.push(...traceIssues.map((problem) => `trace ${traceId}: ${problem}`));
  }
  for (const traceId of checkoutTraceIds) {
    if (!traces.has(traceId)) problems.push(`trace ${traceId} of a checkout: no span received`);
  }
  if (checkoutTraceIds.size !== checkouts) {
    problems.push(`the shop printed ${checkoutTraceIds.size} checkout traces, expected ${checkouts}`);
  }
  if (problems.length > 0)
    throw new Error(`the traces are not what they should be:\n  ${problems.join('\n  ')}`);
  console.log(
    `${traces.size} traces, one per checkout, each a single tree across shop and billing with spans from ${otelKafkaScope} and ${streamopsScope}`,
  );
  await lifecycle.exit(0);
});
