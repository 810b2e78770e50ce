import { type Kafka, type Producer } from 'kafkajs';
import { type RunningAgent } from '@streamops/agent';
import { startTestBroker, uniqueTestName, type TestBroker } from '@streamops/test-broker';
import { runLagCommand } from '../../agent/src/cli/lag-command';
import {
  apiGroup,
  commitAs,
  exactProducer,
  ManualClock,
  produce,
  scrape,
  startTestAgent,
  testKafka,
} from './harness';

// One broker and one agent for the file; each test uses its own topic and group names.
let broker: TestBroker;
let kafka: Kafka;
let producer: Producer;
let agent: RunningAgent;
const clock = new ManualClock(Date.now());

beforeAll(async () => {
  broker = await startTestBroker();
  kafka = testKafka(broker.bootstrap);
  producer = kafka.producer(exactProducer);
  await producer.connect();
  agent = await startTestAgent(broker.bootstrap, clock);
});

afterAll(async () => {
  await agent?.stop();
  await producer?.disconnect();
  await broker?.stop();
});

async function createTopic(partitions: number): Promise<string> {
  const topic = uniqueTestName('lag');
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }] });
  await admin.disconnect();
  return topic;
}

describe('agent lag collection on the test broker', () => {
  it('reports lag exactly equal to produced minus committed, per partition and in total', async () => {
    const topic = await createTopic(3);
    const group = uniqueTestName('exact');
    await produce(producer, topic, 0, 120, clock.nowMs);
    await produce(producer, topic, 1, 45, clock.nowMs);
    await produce(producer, topic, 2, 7, clock.nowMs);
    await commitAs(kafka, group, topic, [
      [0, 100],
      [1, 45],
      [2, 0],
    ]);
    await agent.collectNow();
    const view = await apiGroup(agent, group);
    expect(
      view?.partitions.map((p) => [p.partition, p.committedOffset, p.logEndOffset, p.lagMessages]),
    ).toEqual([
      [0, 100, 120, 20],
      [1, 45, 45, 0],
      [2, 0, 7, 7],
    ]);
    expect(view?.lagMessages).toBe(27);
    expect(view?.state).toBe('Empty');
    const metrics = await scrape(agent);
    expect(metrics).toContain(`streamops_consumergroup_lag_messages{cluster="local",group="${group}"} 27`);
    expect(metrics).toContain(
      `streamops_consumergroup_partition_lag_messages{cluster="local",group="${group}",topic="${topic}",partition="0"} 20`,
    );
  });

  it('measures time lag from the record at the committed offset, exact in steady, burst, idle and catch-up phases', async () => {
    const topic = await createTopic(1);
    const group = uniqueTestName('time');
    const start = clock.nowMs;
    // Steady: one record a second for 10 s; the group is 4 records (4 s) behind.
    for (let second = 0; second < 10; second++) await produce(producer, topic, 0, 1, start + second * 1000);
    clock.nowMs = start + 10_000;
    await commitAs(kafka, group, topic, [[0, 6]]);
    await agent.collectNow();
    let partition = (await apiGroup(agent, group))?.partitions[0];
    expect(partition?.lagSecondsMethod).toBe('record-timestamp');
    expect(partition?.lagSeconds).toBeCloseTo(4, 3);

    // Burst: 500 records in one instant at t+12 s; the group reads into the burst.
    await produce(producer, topic, 0, 500, start + 12_000);
    clock.nowMs = start + 12_500;
    await commitAs(kafka, group, topic, [[0, 260]]);
    await agent.collectNow();
    partition = (await apiGroup(agent, group))?.partitions[0];
    expect(partition?.lagMessages).toBe(250);
    expect(partition?.lagSeconds).toBeCloseTo(0.5, 3);

    // Catch-up and idle producer: the group reaches the end and the producer stays idle for
    // ten minutes; lag must stay 0, not grow with the idle time.
    await commitAs(kafka, group, topic, [[0, 510]]);
    clock.nowMs = start + 612_500;
    await agent.collectNow();
    partition = (await apiGroup(agent, group))?.partitions[0];
    expect(partition?.lagMessages).toBe(0);
    expect(partition?.lagSeconds).toBe(0);

    // After the idle period one record arrives; 2 s later the group has not read it.
    await produce(producer, topic, 0, 1, start + 612_500);
    clock.nowMs = start + 614_500;
    await agent.collectNow();
    partition = (await apiGroup(agent, group))?.partitions[0];
    expect(partition?.lagSeconds).toBeCloseTo(2, 3);
  });

  it('keeps reporting an Empty group and drops a deleted group and its series on the next cycle', async () => {
    const topic = await createTopic(1);
    const staying = uniqueTestName('empty');
    const leaving = uniqueTestName('deleted');
    await produce(producer, topic, 0, 10, clock.nowMs);
    await commitAs(kafka, staying, topic, [[0, 3]]);
    await commitAs(kafka, leaving, topic, [[0, 5]]);
    await agent.collectNow();
    expect((await apiGroup(agent, staying))?.lagMessages).toBe(7);
    expect((await apiGroup(agent, leaving))?.lagMessages).toBe(5);

    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteGroups([leaving]);
    await admin.disconnect();
    clock.advance(1000);
    await agent.collectNow();
    expect(await apiGroup(agent, leaving)).toBeUndefined();
    const staysView = await apiGroup(agent, staying);
    expect(staysView?.state).toBe('Empty');
    expect(staysView?.lagMessages).toBe(7);
    const metrics = await scrape(agent);
    expect(metrics).not.toContain(`group="${leaving}"`);
    expect(metrics).toContain(`streamops_consumergroup_lag_messages{cluster="local",group="${staying}"} 7`);
  });

  it('prints the streamops lag table for one group', async () => {
    const topic = await createTopic(2);
    const group = uniqueTestName('cli');
    await produce(producer, topic, 0, 5, Date.now());
    await produce(producer, topic, 1, 3, Date.now());
    await commitAs(kafka, group, topic, [
      [0, 5],
      [1, 1],
    ]);
    const printed: string[] = [];
    const code = await runLagCommand(
      ['--brokers', broker.bootstrap.join(','), '--group', group],
      {},
      (text) => printed.push(text),
    );
    expect(code).toBe(0);
    const lines = printed.join('\n').split('\n');
    expect(lines[0]).toMatch(/^GROUP\s+TOPIC\s+PARTITION\s+COMMITTED\s+END\s+LAG\s+TIME LAG\s+STATUS$/);
    expect(lines.slice(1).map((line) => line.split(/\s{2,}/).slice(1, 6))).toEqual([
      [topic, '0', '5', '5', '0'],
      [topic, '1', '1', '3', '2'],
    ]);
    const missing: string[] = [];
    expect(
      await runLagCommand(['--brokers', broker.bootstrap.join(','), '--group', 'no-such-group'], {}, (text) =>
        missing.push(text),
      ),
    ).toBe(1);
    expect(missing.join('\n')).toContain('group(s) not found: no-such-group');
  });
});
