// Billing, instrumented with streamops: the OpenTelemetry SDK here only provides the tracer
// provider and exporter (no instrumentations); @streamops/sdk makes the kafkajs spans.
import { startTracing } from './tracing';
import { Kafka, logLevel } from 'kafkajs';
import { instrument } from '@streamops/sdk';

const tracing = startTracing('billing', []);

const brokers = (process.env.KAFKA_BROKERS ?? 'localhost:9092').split(',');
const ordersTopic = process.env.ORDERS_TOPIC ?? 'orders';
const invoicesTopic = process.env.INVOICES_TOPIC ?? 'invoices';
const groupId = process.env.GROUP_ID ?? 'billing';

const kafka = instrument(new Kafka({ clientId: 'billing', brokers, logLevel: logLevel.WARN }), {
  pipeline: 'billing',
});
const consumer = kafka.consumer({ groupId });
const producer = kafka.producer();

async function start(): Promise<void> {
  await Promise.all([consumer.connect(), producer.connect()]);
  await consumer.subscribe({ topic: ordersTopic, fromBeginning: true });
  await consumer.run({
    // Sent while the message's process span is active, so the send span is its child.
    eachMessage: async ({ message }) => {
      const order = JSON.parse(message.value?.toString() ?? '{}') as { orderId: string; amountCents: number };
      const invoice = {
        invoiceId: `inv-${order.orderId}`,
        orderId: order.orderId,
        totalCents: order.amountCents,
      };
      await producer.send({
        topic: invoicesTopic,
        messages: [{ key: order.orderId, value: JSON.stringify(invoice) }],
      });
      console.log(`billing: invoiced ${order.orderId}`);
    },
  });
  console.log(`billing: consuming ${ordersTopic} as ${groupId}`);
}

async function stop(signal: string): Promise<void> {
  console.log(`billing: ${signal}, disconnecting`);
  await consumer.disconnect();
  await producer.disconnect();
  await tracing.shutdown();
}

function exitOn(signal: NodeJS.Signals): void {
  process.once(signal, () => {
    stop(signal).then(
      () => process.exit(0),
      (error: Error) => {
        console.error(`billing: stopping failed: ${error.message}`);
        process.exit(1);
      },
    );
  });
}

exitOn('SIGTERM');
exitOn('SIGINT');
start().catch((error: Error) => {
  console.error(`billing: ${error.message}`);
  process.exit(1);
});
