import { type Kafka, type Producer } from 'kafkajs';
import { type RunningAgent } from '@streamops/agent';
import { startTestBroker, uniqueTestName, type TestBroker } from '@streamops/test-broker';
import { pollUntil } from '../support/poll';
import { startPrometheus, type TestPrometheus } from '../support/prometheus';
import { apiGroup, commitAs, ManualClock, produce, scrape, startTestAgent, testKafka } from './harness';

let broker: TestBroker;
let kafka: Kafka;
let producer: Producer;
let agent: RunningAgent;
let prometheus: TestPrometheus | undefined;
const clock = new ManualClock(Date.now());
const topic = uniqueTestName('outage');
const group = uniqueTestName('outage-group');

beforeAll(async () => {
  // The mock: the slow-cluster case delays every response through its control port (real-Kafka crashes and
  // restarts are in kafka-faults.test.ts).
  broker = await startTestBroker({ kind: 'mock', brokers: 2, topics: [{ name: topic, partitions: 2 }] });
  kafka = testKafka(broker.bootstrap);
  producer = kafka.producer();
  await producer.connect();
  await produce(producer, topic, 0, 30, clock.nowMs);
  await produce(producer, topic, 1, 12, clock.nowMs);
  await commitAs(kafka, group, topic, [
    [0, 10],
    [1, 12],
  ]);
  agent = await startTestAgent(broker.bootstrap, clock);
  await agent.collectNow();
});

afterAll(async () => {
  await prometheus?.stop();
  await agent?.stop();
  await producer?.disconnect();
  await broker?.stop();
});

describe('agent under a real Prometheus and a broker outage', () => {
  it('is scraped by Prometheus, which returns the lag series from /api/v1/query', async () => {
    const target = new URL(agent.url).host;
    prometheus = await startPrometheus({ targets: [target] });
    const result = await pollUntil(
      'the lag series in Prometheus',
      async () => {
        const series = await prometheus?.query(`streamops_consumergroup_lag_messages{group="${group}"}`);
        return series && series.length > 0 ? series : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(result[0]?.metric).toMatchObject({ cluster: 'local', group, job: 'streamops' });
    expect(result[0]?.value[1]).toBe('20');
    const up = await prometheus.query('up{job="streamops"}');
    expect(up[0]?.value[1]).toBe('1');
  });

  it('keeps the last lag with collector_up 0 while every broker is down, then recovers by itself', async () => {
    await broker.control.down(1);
    await broker.control.down(2);
    clock.advance(1000);
    await agent.collectNow();
    const cluster = agent.snapshots()[0];
    expect(cluster?.health.up).toBe(false);
    expect(cluster?.health.lastError).toBeTruthy();
    const metrics = await scrape(agent);
    expect(metrics).toContain('streamops_collector_up{cluster="local"} 0');
    expect(metrics).toContain(`streamops_consumergroup_lag_messages{cluster="local",group="${group}"} 20`);
    expect((await apiGroup(agent, group))?.lagMessages).toBe(20);

    await broker.control.up(1);
    await broker.control.up(2);
    await produce(producer, topic, 1, 3, clock.nowMs);
    await pollUntil(
      'the collector to recover',
      async () => {
        clock.advance(1000);
        await agent.collectNow();
        return agent.snapshots()[0]?.health.up ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect((await apiGroup(agent, group))?.lagMessages).toBe(23);
    expect(await scrape(agent)).toContain('streamops_collector_up{cluster="local"} 1');
  });

  it('marks the cluster down when requests time out, and recovers when the brokers answer again', async () => {
    // Every broker answers 4 s late; the agent's request timeout is 3 s.
    await broker.control.rtt(-1, 4000);
    clock.advance(1000);
    await agent.collectNow();
    expect(agent.snapshots()[0]?.health.up).toBe(false);
    expect(agent.snapshots()[0]?.health.lastError).toMatch(/timed? ?out/i);
    await broker.control.rtt(-1, 0);
    await pollUntil(
      'the collector to recover from the timeouts',
      async () => {
        clock.advance(1000);
        await agent.collectNow();
        return agent.snapshots()[0]?.health.up ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect((await apiGroup(agent, group))?.lagMessages).toBe(23);
  });
});
