// billing: turns every order on the orders topic into an invoice on the invoices topic.
// Configuration comes from the environment; /metrics serves prom-client's default
// registry and /healthz answers 200 once the consumer is running.
import { createServer } from 'node:http';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { collectDefaultMetrics, Counter, register } from 'prom-client';

interface Order {
  orderId: string;
  customerId: string;
  amountCents: number;
}

const brokers = (process.env.KAFKA_BROKERS ?? 'localhost:9092').split(',');
const ordersTopic = process.env.ORDERS_TOPIC ?? 'orders';
const invoicesTopic = process.env.INVOICES_TOPIC ?? 'invoices';
const groupId = process.env.GROUP_ID ?? 'billing';
const metricsHost = process.env.METRICS_HOST ?? '0.0.0.0';
const metricsPort = Number(process.env.METRICS_PORT ?? 9464);
const taxRate = 0.2;

collectDefaultMetrics();
const invoicesIssued = new Counter({ name: 'billing_invoices_issued_total', help: 'Invoices sent.' });

const kafka = new Kafka({ clientId: 'billing', brokers, logLevel: logLevel.WARN });
const consumer = kafka.consumer({ groupId });
const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
let running = false;

const server = createServer((request, response) => {
  if (request.url === '/metrics') {
    register.metrics().then(
      (body) => response.writeHead(200, { 'content-type': register.contentType }).end(body),
      (error: Error) => response.writeHead(500).end(error.message),
    );
  } else if (request.url === '/healthz') {
    response.writeHead(running ? 200 : 503).end(running ? 'ok' : 'starting');
  } else {
    response.writeHead(404).end();
  }
});

async function start(): Promise<void> {
  await new Promise<void>((resolve) => server.listen(metricsPort, metricsHost, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : metricsPort;
  console.log(`billing: metrics on http://${metricsHost}:${port}/metrics`);

  await Promise.all([consumer.connect(), producer.connect()]);
  await consumer.subscribe({ topic: ordersTopic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const order = JSON.parse(message.value?.toString() ?? '{}') as Order;
      const taxCents = Math.round(order.amountCents * taxRate);
      const invoice = {
        ...order,
        invoiceId: `inv-${order.orderId}`,
        taxCents,
        totalCents: order.amountCents + taxCents,
      };
      await producer.send({
        topic: invoicesTopic,
        messages: [{ key: order.customerId, value: JSON.stringify(invoice) }],
      });
      invoicesIssued.inc();
    },
  });
  running = true;
  console.log(`billing: consuming ${ordersTopic} as ${groupId}, invoicing to ${invoicesTopic}`);
}

async function stop(signal: string): Promise<void> {
  console.log(`billing: ${signal}, disconnecting`);
  running = false;
  await consumer.disconnect();
  await producer.disconnect();
  await new Promise((resolve) => server.close(resolve));
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
