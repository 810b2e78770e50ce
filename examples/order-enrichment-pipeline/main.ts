// The order-enrichment example: the test broker (or KAFKA_BROKERS), the streamops agent,
// a shop producing orders with a few poison messages, and two instances of
// source → validate → enrich → sink. At the end it checks that every order was either
// delivered or dead-lettered, and prints the agent's throughput model.
import { sdkMetrics } from '@streamops/sdk';
import { startExampleAgent } from '../support/agent';
import { startExampleCluster } from '../support/kafka';
import { Lifecycle } from '../support/lifecycle';
import { startLoad } from '../support/load';
import { numberOption, parseExampleArgs } from '../support/options';
import { waitForGroupToCatchUp } from '../support/progress';
import { orderValue } from './orders';
import { counterTotal, defaultTopics, startOrderEnrichment, type OrderEnrichmentInstance } from './pipeline';

const usage = `usage: ./scripts/example.sh order-enrichment-pipeline [--duration s] [--rate orders/s] [--instances n] [--port 9308]

Runs the pipeline under a steady load for --duration seconds (default 30), drains it,
checks that every order was delivered or dead-lettered, and prints the model.`;

const name = 'order-enrichment';

new Lifecycle().run(async (lifecycle) => {
  const flags = parseExampleArgs(
    process.argv.slice(2),
    {
      duration: { type: 'string', default: '30' },
      rate: { type: 'string', default: '100' },
      instances: { type: 'string', default: '2' },
      port: { type: 'string', default: '9308' },
    },
    usage,
  );
  const durationSeconds = numberOption('duration', flags.duration, 5);
  const rate = numberOption('rate', flags.rate, 1);
  const instanceCount = numberOption('instances', flags.instances, 1);
  const cluster = await startExampleCluster(lifecycle, [
    { name: defaultTopics.orders, partitions: 6 },
    { name: defaultTopics.enriched, partitions: 3 },
    { name: defaultTopics.deadLetters, partitions: 1 },
  ]);
  const agent = await startExampleAgent(lifecycle, cluster, {
    clusterName: 'local',
    port: numberOption('port', flags.port, 0),
    pipelineWindowSeconds: 10,
  });
  console.log(`order-enrichment-pipeline
  Kafka:     ${cluster.describe()}
  pipeline:  ${defaultTopics.orders} → validate → enrich (3 retries, DLQ ${defaultTopics.deadLetters}) → ${defaultTopics.enriched}
  agent:     ${agent.url}/api/v1/pipelines/${name}
  load:      ${rate} orders/s for ${durationSeconds} s, every 200th order malformed`);

  const instances: OrderEnrichmentInstance[] = [];
  for (let index = 0; index < instanceCount; index++) {
    const instance = await startOrderEnrichment({
      kafka: cluster.kafka(`order-enrichment-${index}`),
      name,
      instanceId: `${name}-${index}`,
      agentUrl: agent.url,
      reportIntervalMs: 2_000,
    });
    lifecycle.onStop(`instance ${index}`, () => instance.stop());
    instances.push(instance);
  }

  const shop = cluster.kafka('shop').producer();
  await shop.connect();
  lifecycle.onStop('the shop producer', () => shop.disconnect());
  const load = startLoad({
    producer: shop,
    topic: defaultTopics.orders,
    rateAt: () => rate,
    message: (id) => ({ key: `order-${id}`, value: orderValue(id, { poisonEvery: 200 }) }),
    onError: (error) => console.error(`send failed: ${error.message}`),
  });
  await new Promise((resolve) => setTimeout(resolve, durationSeconds * 1000));
  // The model of the steady load, taken before the drain: a window that spans the end of the load (or only the
  // idle time after it) measures the transition, not the pipeline.
  await agent.collectNow();
  const model = agent.pipelines().find((candidate) => candidate.pipeline === name);
  await load.stop();
  console.log(`produced ${load.produced()} orders (${load.failed()} failed sends); draining...`);
  await waitForGroupToCatchUp(cluster, name, defaultTopics.orders, 60_000);

  const outcome = async (stage: string, outcome: string) => {
    let total = 0;
    for (const instance of instances) {
      total += await counterTotal(instance.registry, sdkMetrics.stageMessages.name, { stage, outcome });
    }
    return total;
  };
  const validated = await outcome('validate', 'success');
  const invalid = await outcome('validate', 'dead_lettered');
  const enriched = (await outcome('enrich', 'success')) + (await outcome('enrich', 'retried'));
  const retried = await outcome('enrich', 'retried');
  const unknownCustomers = await outcome('enrich', 'dead_lettered');
  const format = (value: number | null | undefined, digits = 2) =>
    value === null || value === undefined ? '-' : value.toFixed(digits);
  console.log(`outcomes:
  validate: ${validated} valid, ${invalid} malformed → ${defaultTopics.deadLetters}
  enrich:   ${enriched} enriched (${retried} after a retry), ${unknownCustomers} unknown customers → ${defaultTopics.deadLetters}
model (agent, the last ${model?.windowSeconds ?? '-'} s of the load):
  D ${format(model?.arrivalRate, 1)}/s × P ${format(model?.processingYield)} × C ${format(model?.deliveryYield)} = R ${format(model?.effectiveThroughput, 1)}/s
  dead-letter ratio ${format(model?.deadLetterRatio, 3)}, bottleneck ${model?.bottleneck ?? '-'}, lost ${model?.lostTotal ?? '-'}, duplicated ${model?.duplicatedTotal ?? '-'}`);
  if (model?.degraded !== undefined) {
    console.log(`  degraded (${model.degraded.reason}): ${model.degraded.message}`);
  }

  // Every consumed order ends in exactly one place; redeliveries after a rebalance may count twice.
  const accounted = validated + invalid;
  if (accounted < load.produced() - load.failed()) {
    throw new Error(
      `only ${accounted} of ${load.produced() - load.failed()} orders were validated or dead-lettered`,
    );
  }
  if (enriched + unknownCustomers !== validated) {
    throw new Error(`enrich saw ${enriched + unknownCustomers} orders, validate passed ${validated}`);
  }
  if (model === undefined) throw new Error(`the agent has no model for ${name}`);
  console.log('every order was delivered or dead-lettered');
  await lifecycle.exit(0);
});
