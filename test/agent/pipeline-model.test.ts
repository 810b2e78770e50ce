import { Kafka, logLevel, type KafkaMessage, type Producer } from 'kafkajs';
import { Registry } from 'prom-client';
import { parseAgentConfig, startAgent, type PipelineModel, type RunningAgent } from '@streamops/agent';
import { instrument, pipeline, stage, startReporter, type Pipeline, type Reporter } from '@streamops/sdk';
import { startTestBroker, uniqueTestName, type TestBroker } from '@streamops/test-broker';
import { runCapacityCommand } from '../../agent/src/cli/capacity-command';
import { pollUntil } from '../support/poll';
import { ManualClock, scrape } from './harness';

// A 3-stage pipeline (source producer → enrich → score → sink, with a dead-letter topic)
// runs as two SDK instances that report to the agent; the agent's model is checked
// against the test's own counts over windows the test controls with the agent's clock.

let broker: TestBroker;
let agent: RunningAgent;
let source: Producer;
const clock = new ManualClock(Date.now());
const name = uniqueTestName('orders');
const input = `${name}.in`;
const output = `${name}.out`;
const deadLetters = `${name}.dlq`;
const group = `${name}-group`;
const windowMs = 10_000;

interface Instance {
  running: Pipeline;
  reporter: Reporter;
  stop(): Promise<void>;
}
const instances: Instance[] = [];
let produced = 0;

function kafka(): Kafka {
  return new Kafka({
    clientId: uniqueTestName('pipe'),
    brokers: broker.bootstrap,
    logLevel: logLevel.NOTHING,
  });
}

/** One pipeline process: its own registry, kafkajs clients and reporter. */
async function startInstance(id: string): Promise<Instance> {
  const registry = new Registry();
  const clients = instrument(kafka(), { registry, pipeline: name, tracing: false });
  const consumer = clients.consumer({ groupId: group, maxWaitTimeInMs: 50, sessionTimeout: 10_000 });
  const producer = clients.producer();
  await consumer.connect();
  await producer.connect();
  const busyWait = (ms: number) => {
    const until = performance.now() + ms;
    while (performance.now() < until) {
      // a CPU-bound step: the deliberately slow stage
    }
  };
  const running = pipeline({
    name,
    source: { consumer, topics: [input], fromBeginning: true },
    stages: [
      stage(
        'enrich',
        (message: KafkaMessage) => {
          const value = Number(message.value?.toString());
          if (value % 10 === 0) throw new Error(`order ${value} cannot be enriched`);
          return value;
        },
        { deadLetterTopic: deadLetters },
      ),
      stage('score', (value: number) => {
        busyWait(2);
        return String(value * 2);
      }),
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
    instanceId: id,
    intervalMs: 3_600_000,
  });
  return {
    running,
    reporter,
    async stop() {
      await running.stop();
      await reporter.stop();
      await consumer.disconnect();
      await producer.disconnect();
    },
  };
}

async function produce(count: number): Promise<void> {
  const messages = Array.from({ length: count }, (_, index) => ({
    key: `k${produced + index}`,
    value: String(produced + index + 1),
  }));
  produced += count;
  await source.send({ topic: input, acks: -1, messages });
}

async function committedTotal(): Promise<number> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    const [entry] = await admin.fetchOffsets({ groupId: group, topics: [input] });
    return (entry?.partitions ?? []).reduce(
      (sum, partition) => sum + Math.max(0, Number(partition.offset)),
      0,
    );
  } finally {
    await admin.disconnect();
  }
}

/** Per partition, committed and end offsets, and the group's members: what a timeout prints. */
async function groupProgress(): Promise<string> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    const [entry] = await admin.fetchOffsets({ groupId: group, topics: [input] });
    const ends = await admin.fetchTopicOffsets(input);
    const {
      groups: [described],
    } = await admin.describeGroups([group]);
    const partitions = (entry?.partitions ?? [])
      .map(({ partition, offset }) => {
        const end = ends.find((candidate) => candidate.partition === partition)?.high;
        return `p${partition} ${offset}/${end}`;
      })
      .join(', ');
    const members = (described?.members ?? []).map((member) => member.clientId).join(', ');
    return `${partitions}; group ${described?.state} with [${members}]`;
  } finally {
    await admin.disconnect();
  }
}

/**
 * Waits until every produced message is committed, then reports and runs one agent cycle
 * `advanceMs` later. The model needs two cycles, so the first call returns undefined.
 */
async function settle(advanceMs: number): Promise<PipelineModel | undefined> {
  // A replacement instance first joins the group: on real Kafka under load that rebalance alone can take seconds.
  await pollUntil(
    'the pipeline to commit every message',
    async () => {
      const committed = await committedTotal();
      // Thrown, so that a timeout says how far the group got.
      if (committed < produced)
        throw new Error(`committed ${committed} of ${produced}; ${await groupProgress()}`);
      return true;
    },
    { timeoutMs: 45_000 },
  );
  for (const instance of instances) expect(await instance.reporter.flush()).toBe('success');
  clock.advance(advanceMs);
  await agent.collectNow();
  return agent.pipelines().find((candidate) => candidate.pipeline === name);
}

async function settleAndObserve(advanceMs: number): Promise<PipelineModel> {
  const model = await settle(advanceMs);
  if (!model) throw new Error(`no model for ${name}`);
  return model;
}

function within5Percent(actual: number | null, expected: number): void {
  expect(actual).not.toBeNull();
  expect(Math.abs((actual ?? 0) - expected)).toBeLessThanOrEqual(Math.abs(expected) * 0.05);
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
      collection: { intervalSeconds: 3600 },
      server: { host: '127.0.0.1', port: 0 },
      ingest: { instanceTtlSeconds: 30 },
      pipelines: {
        windowSeconds: windowMs / 1000,
        targetRate: 1000,
        declared: [
          {
            name,
            inputTopics: [input],
            outputTopics: [output],
            deadLetterTopics: [deadLetters],
            stages: ['enrich', 'score'],
          },
        ],
      },
    }),
    { nowMs: clock.now },
  );
  // Idempotent: a produce that times out on a loaded machine can still be written by real Kafka, and a plain
  // producer's retry would then add records the ground truth below does not count.
  source = kafka().producer({ idempotent: true, maxInFlightRequests: 1 });
  await source.connect();
  instances.push(await startInstance(`${name}-a`), await startInstance(`${name}-b`));
  // Warm-up: the group commits on every partition, so the agent sees the input topic.
  await produce(30);
  await settle(windowMs);
});

afterAll(async () => {
  for (const instance of instances) await instance.stop().catch(() => undefined);
  await source?.disconnect();
  await agent?.stop();
  await broker?.stop();
});

describe('pipeline model from SDK reports', () => {
  it('measures D, P, C and R within 5% of the counts, and finds the slow stage', async () => {
    await produce(400);
    const model = await settleAndObserve(windowMs);
    // Ground truth over the 10 s window: 400 arrived and were consumed; every 10th was
    // dead-lettered by enrich (40); the other 360 were scored and delivered.
    within5Percent(model.arrivalRate, 40);
    within5Percent(model.consumedRate, 40);
    within5Percent(model.processingYield, 0.9);
    within5Percent(model.deliveryYield, 1);
    within5Percent(model.effectiveThroughput, 36);
    within5Percent(model.deliveredRate, 36);
    within5Percent(model.deadLetterRatio, 0.1);
    expect(model.mismatch).toBe(false);
    expect(model.engine).toBe('kafkajs');
    expect(model.bottleneck).toBe('score');
    // The pipeline's own consumer and producer clients report as stages too (without busy time).
    expect(model.stages.map((stage) => stage.stage)).toEqual(expect.arrayContaining(['enrich', 'score']));
    const [enrich, score] = ['enrich', 'score'].map((name) =>
      model.stages.find((stage) => stage.stage === name),
    );
    expect(score?.utilization ?? 0).toBeGreaterThan(enrich?.utilization ?? 1);
    expect(model.plan?.targetRate).toBe(1000);

    const metrics = await scrape(agent);
    expect(metrics).toContain(
      `streamops_pipeline_bottleneck{engine="kafkajs",pipeline="${name}",stage="score"} 1`,
    );
    expect(metrics).toContain(`streamops_pipeline_instances{engine="kafkajs",pipeline="${name}"} 2`);

    const printed: string[] = [];
    expect(
      await runCapacityCommand(['--agent', agent.url, '--pipeline', name, '--target-rate', '500'], (text) =>
        printed.push(text),
      ),
    ).toBe(0);
    const report = printed.join('\n');
    expect(report).toContain(`pipeline ${name}`);
    expect(report).toMatch(/score \(bottleneck\)/);
    expect(report).toContain('plan for 500 msg/s');
  });

  it('shows lag building with an infinite time to drain, then drained, and no negative rate when instances expire', async () => {
    for (const instance of instances.splice(0)) await instance.stop();
    await produce(200);
    clock.advance(windowMs);
    await agent.collectNow();
    let model = agent.pipelines().find((candidate) => candidate.pipeline === name);
    expect(model?.lagMessages).toBe(200);
    expect(model?.timeToDrainSeconds).toBe(Number.POSITIVE_INFINITY);

    // New processes replace the stopped ones after they expire (TTL 30 s).
    clock.advance(31_000);
    instances.push(await startInstance(`${name}-c`));
    model = await settleAndObserve(windowMs);
    expect(model.lagMessages).toBe(0);
    expect(model.timeToDrainSeconds).toBe(0);
    for (const value of [
      model.arrivalRate,
      model.consumedRate,
      model.deliveredRate,
      model.effectiveThroughput,
    ]) {
      expect(value === null || value >= 0).toBe(true);
    }
    const metrics = await scrape(agent);
    expect(metrics).toMatch(/streamops_ingest_expired_instances_total 2/);
    expect(metrics).not.toMatch(/streamops_pipeline_\w+_rate_messages_per_second\{[^}]*\} -/);
  });

  it('refuses and counts malformed payloads', async () => {
    const bad = await fetch(`${agent.url}/v1/metrics`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"resourceMetrics": [{"resource": 42}]',
    });
    expect(bad.status).toBe(400);
    const wrongType = await fetch(`${agent.url}/v1/metrics`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(wrongType.status).toBe(415);
    await agent.collectNow();
    const metrics = await scrape(agent);
    expect(metrics).toContain('streamops_ingest_rejected_payloads_total{reason="malformed_json"} 1');
    expect(metrics).toContain('streamops_ingest_rejected_payloads_total{reason="unsupported_media_type"} 1');
  });
});
