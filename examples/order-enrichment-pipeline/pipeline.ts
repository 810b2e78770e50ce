import { type Kafka, type KafkaMessage } from 'kafkajs';
import { Registry } from 'prom-client';
import { instrument, pipeline, stage, startReporter, type Reporter } from '@streamops/sdk';
import { CustomerDirectory, parseOrder, type EnrichedOrder, type Order } from './orders';

/** The topics of the order-enrichment pipeline. */
export interface OrderEnrichmentTopics {
  /** Orders from the shop: the pipeline's source. */
  readonly orders: string;
  /** Enriched orders: the sink. */
  readonly enriched: string;
  /** Orders that could not be processed, with `streamops-dlq-*` headers saying why. */
  readonly deadLetters: string;
}

/** Topic names used when none are given. */
export const defaultTopics: OrderEnrichmentTopics = {
  orders: 'shop.orders',
  enriched: 'shop.orders.enriched',
  deadLetters: 'shop.orders.dlq',
};

/** Options of {@link startOrderEnrichment}. */
export interface OrderEnrichmentOptions {
  /** A kafkajs client for the cluster; it is instrumented here. */
  readonly kafka: Kafka;
  readonly topics?: OrderEnrichmentTopics;
  /** The pipeline name: the `pipeline` label of its series. */
  readonly name?: string;
  /** Consumer group of the pipeline's instances. */
  readonly group?: string;
  /** This instance's id (`service.instance.id` in reports). */
  readonly instanceId: string;
  /** The streamops agent's URL; when set, the instance reports its metrics there. */
  readonly agentUrl?: string;
  readonly reportIntervalMs?: number;
  /** Latency of a customer lookup in milliseconds, asked on every lookup. Default 2 ms. */
  readonly lookupLatencyMs?: () => number;
  /** Share of lookups whose first attempt fails briefly. Default 0.03. */
  readonly transientFailureRatio?: number;
}

/** One running instance of the pipeline. */
export interface OrderEnrichmentInstance {
  readonly instanceId: string;
  /** This instance's metrics (its own registry, so instances in one process stay apart). */
  readonly registry: Registry;
  /** Stops consuming (in-flight orders finish and are committed), sends a last report, disconnects. */
  stop(): Promise<void>;
}

/**
 * Starts one instance of source → validate → enrich → sink:
 * - validate parses the order; a malformed one goes to the dead-letter topic at once;
 * - enrich looks the customer up, retrying a briefly unavailable customer service three
 *   times with backoff; an order still failing (an unknown customer) is dead-lettered;
 * - the sink writes the enriched order as JSON, keyed like the source.
 * Instances with the same `group` share the orders' partitions.
 */
export async function startOrderEnrichment(
  options: OrderEnrichmentOptions,
): Promise<OrderEnrichmentInstance> {
  const topics = options.topics ?? defaultTopics;
  const name = options.name ?? 'order-enrichment';
  const registry = new Registry();
  // Every client created from `kafka` from here on is measured.
  const kafka = instrument(options.kafka, { pipeline: name, registry, tracing: false });
  const consumer = kafka.consumer({ groupId: options.group ?? name, maxWaitTimeInMs: 100 });
  const producer = kafka.producer({ idempotent: false });
  await Promise.all([consumer.connect(), producer.connect()]);

  const customers = new CustomerDirectory({
    latencyMs: options.lookupLatencyMs ?? (() => 2),
    transientFailureRatio: options.transientFailureRatio ?? 0.03,
  });
  const running = pipeline({
    name,
    source: { consumer, topics: [topics.orders], fromBeginning: true },
    stages: [
      stage('validate', (message: KafkaMessage) => parseOrder(message.value), {
        deadLetterTopic: topics.deadLetters,
      }),
      stage(
        'enrich',
        async (order: Order, context): Promise<EnrichedOrder> => {
          const customer = await customers.lookUp(order, context.attempt);
          return {
            ...order,
            customerName: customer.name,
            customerTier: customer.tier,
            enrichedAt: new Date().toISOString(),
          };
        },
        {
          retries: 3,
          backoff: { initialMs: 10, maxMs: 200 },
          timeoutMs: 2_000,
          deadLetterTopic: topics.deadLetters,
        },
      ),
    ],
    sink: {
      producer,
      topic: topics.enriched,
      toMessage: (order, source) => ({ key: source.key, value: JSON.stringify(order) }),
    },
    instrumentation: { registry, tracing: false },
  });
  await running.start();

  let reporter: Reporter | undefined;
  if (options.agentUrl !== undefined) {
    reporter = startReporter({
      agentUrl: options.agentUrl,
      pipeline: name,
      registry,
      instanceId: options.instanceId,
      intervalMs: options.reportIntervalMs ?? 5_000,
    });
  }
  return {
    instanceId: options.instanceId,
    registry,
    async stop() {
      await running.stop();
      await reporter?.stop();
      await Promise.all([consumer.disconnect(), producer.disconnect()]);
    },
  };
}

/** Sums a counter of `registry` over the series whose labels include `labels`. */
export async function counterTotal(
  registry: Registry,
  metric: string,
  labels: Readonly<Record<string, string>>,
): Promise<number> {
  const found = registry.getSingleMetric(metric);
  if (found === undefined) return 0;
  const { values } = await found.get();
  return values
    .filter((value) => Object.entries(labels).every(([key, wanted]) => value.labels[key] === wanted))
    .reduce((sum, value) => sum + value.value, 0);
}
