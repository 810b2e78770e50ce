// The streamops demo: a test broker (or KAFKA_BROKERS), the agent, and a producer and a
// consumer group under a load that changes over time, with a live status line.
import { parseArgs } from 'node:util';
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import { parseAgentConfig, startAgent, type RunningAgent } from '@streamops/agent';
import { startTestBroker, type TestBroker } from '@streamops/test-broker';

const usage = `usage: ./scripts/demo.sh [--duration seconds] [--rate msgs/s] [--no-load] [--port 9308]`;

interface DemoOptions {
  durationSeconds: number | null;
  rate: number;
  load: boolean;
  port: number;
}

function parseOptions(argv: string[]): DemoOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string' },
      rate: { type: 'string', default: '200' },
      'no-load': { type: 'boolean', default: false },
      port: { type: 'string', default: '9308' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const number = (name: string, text: string, min: number) => {
    const value = Number(text);
    if (!Number.isFinite(value) || value < min)
      throw new Error(`--${name} must be a number ≥ ${min}, got ${text}`);
    return value;
  };
  return {
    durationSeconds: values.duration === undefined ? null : number('duration', values.duration, 1),
    rate: number('rate', values.rate, 1),
    load: !values['no-load'],
    port: number('port', values.port, 0),
  };
}

const topic = 'demo.orders';
const group = 'demo-order-processor';

/** Producer rate over time: steady, a burst at 20–30 s, steady again; repeats every minute. */
function rateAt(baseRate: number, elapsedSeconds: number): number {
  const phase = elapsedSeconds % 60;
  return phase >= 20 && phase < 30 ? baseRate * 4 : baseRate;
}

/** Per-message processing time: a slow-stage episode at 40–50 s of every minute. */
function processingDelayMs(elapsedSeconds: number): number {
  const phase = elapsedSeconds % 60;
  return phase >= 40 && phase < 50 ? 20 : 1;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const started = Date.now();
  const elapsed = () => (Date.now() - started) / 1000;
  const cleanups: (() => Promise<unknown>)[] = [];
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('\nstopping...\n');
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    process.exit(code);
  };
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));

  const broker: TestBroker = await startTestBroker({ topics: [{ name: topic, partitions: 6 }] });
  cleanups.push(() => broker.stop());
  const kafka = new Kafka({
    clientId: 'streamops-demo',
    brokers: broker.bootstrap,
    logLevel: logLevel.NOTHING,
  });

  const agent: RunningAgent = await startAgent(
    parseAgentConfig({
      clusters: [{ name: 'demo', brokers: broker.bootstrap }],
      collection: { intervalSeconds: 2 },
      evaluation: { thresholds: { default: { warnSeconds: 5, errSeconds: 20 } } },
      server: { host: '127.0.0.1', port: options.port },
    }),
  );
  cleanups.push(() => agent.stop());

  console.log(`streamops demo
  Kafka bootstrap:  ${broker.bootstrap.join(',')}${broker.external ? ' (KAFKA_BROKERS)' : ' (test broker)'}
  metrics:          ${agent.url}/metrics
  groups (JSON):    ${agent.url}/api/v1/clusters/demo/groups
  one group:        ${agent.url}/api/v1/clusters/demo/groups/${group}
  CLI:              npx streamops lag --brokers ${broker.bootstrap.join(',')}
  ${options.load ? `load: ~${options.rate} msgs/s, a 4x burst at 20-30 s and a slow consumer at 40-50 s of every minute` : 'no load (--no-load)'}
Ctrl-C stops everything.
`);

  let produced = 0;
  let consumed = 0;
  if (options.load) {
    const producer: Producer = kafka.producer();
    await producer.connect();
    cleanups.push(() => producer.disconnect());
    const consumer: Consumer = kafka.consumer({ groupId: group });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    cleanups.push(() => consumer.disconnect());
    await consumer.run({
      eachMessage: async () => {
        await new Promise((resolve) => setTimeout(resolve, processingDelayMs(elapsed())));
        consumed++;
      },
    });
    const tick = 100;
    const timer = setInterval(() => {
      const count = Math.max(1, Math.round((rateAt(options.rate, elapsed()) * tick) / 1000));
      const messages = Array.from({ length: count }, (_, index) => ({
        key: `order-${produced + index}`,
        value: JSON.stringify({ id: produced + index, amount: (produced + index) % 97 }),
      }));
      produced += count;
      producer
        .send({ topic, messages })
        .catch((error: Error) => console.error(`send failed: ${error.message}`));
    }, tick);
    cleanups.push(() => Promise.resolve(clearInterval(timer)));
  }

  const status = setInterval(() => {
    const cluster = agent.snapshots()[0];
    const view = cluster?.groups.find((candidate) => candidate.group === group);
    const lag = view
      ? `${view.lagMessages} msgs, ${view.lagSeconds === null ? '-' : view.lagSeconds.toFixed(1)} s`
      : '-';
    process.stdout.write(
      `\r[${elapsed().toFixed(0).padStart(4)} s] produced ${produced}  consumed ${consumed}  lag ${lag}  ` +
        `status ${view?.status ?? '-'}/${view?.thresholdStatus ?? '-'}  collector ${cluster?.health.up ? 'up' : 'down'}   `,
    );
  }, 2000);
  cleanups.push(() => Promise.resolve(clearInterval(status)));

  if (options.durationSeconds !== null) {
    setTimeout(() => void shutdown(0), options.durationSeconds * 1000);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
