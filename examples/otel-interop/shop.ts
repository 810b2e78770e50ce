// The shop, instrumented with @opentelemetry/instrumentation-kafkajs: each checkout is a
// root span that sends an order; the invoices billing sends back are consumed here, so
// every trace ends on this side again.
import { shopTracing } from './shop-tracing';
import { trace } from '@opentelemetry/api';
import { Kafka, logLevel, Partitioners } from 'kafkajs';

const brokers = (process.env.KAFKA_BROKERS ?? 'localhost:9092').split(',');
const ordersTopic = process.env.ORDERS_TOPIC ?? 'orders';
const invoicesTopic = process.env.INVOICES_TOPIC ?? 'invoices';
const groupId = process.env.GROUP_ID ?? 'shop';
const checkouts = Number(process.env.CHECKOUTS ?? 3);

const tracer = trace.getTracer('shop');
const kafka = new Kafka({ clientId: 'shop', brokers, logLevel: logLevel.WARN });
const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
const consumer = kafka.consumer({ groupId });

async function checkout(orderId: string, customerId: string): Promise<void> {
  await tracer.startActiveSpan('checkout', async (span) => {
    try {
      span.setAttribute('shop.order_id', orderId);
      const order = { orderId, customerId, amountCents: 1999 };
      await producer.send({ topic: ordersTopic, messages: [{ key: orderId, value: JSON.stringify(order) }] });
      console.log(`shop: checkout ${orderId} in trace ${span.spanContext().traceId}`);
    } finally {
      span.end();
    }
  });
}

async function start(): Promise<void> {
  await Promise.all([producer.connect(), consumer.connect()]);
  await consumer.subscribe({ topic: invoicesTopic, fromBeginning: true });
  await consumer.run({
    eachMessage: ({ message }) => {
      const invoice = JSON.parse(message.value?.toString() ?? '{}') as {
        invoiceId?: string;
        orderId?: string;
      };
      console.log(`shop: invoice ${invoice.invoiceId} received for ${invoice.orderId}`);
      return Promise.resolve();
    },
  });
  const runId = Date.now().toString(36);
  for (let index = 1; index <= checkouts; index++) {
    await checkout(`order-${runId}-${index}`, `customer-${index % 5}`);
  }
}

async function stop(signal: string): Promise<void> {
  console.log(`shop: ${signal}, disconnecting`);
  await consumer.disconnect();
  await producer.disconnect();
  // Flushes the spans not exported yet.
  await shopTracing.shutdown();
}

function exitOn(signal: NodeJS.Signals): void {
  process.once(signal, () => {
    stop(signal).then(
      () => process.exit(0),
      (error: Error) => {
        console.error(`shop: stopping failed: ${error.message}`);
        process.exit(1);
      },
    );
  });
}

exitOn('SIGTERM');
exitOn('SIGINT');
start().catch((error: Error) => {
  console.error(`shop: ${error.message}`);
  process.exit(1);
});
