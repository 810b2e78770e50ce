// Crashes of a real Kafka 4 cluster under a running agent: a node killed with SIGKILL in the middle of a
// collection cycle, the active KRaft controller killed and restarted, and the whole cluster killed. After each
// the agent must still serve, recover by itself, and show the same lag and status it showed before: a crash
// must never look like lag, a rewind or a stopped consumer.
import { type Kafka, type Producer } from 'kafkajs';
import { type GroupLagView, type RunningAgent } from '@streamops/agent';
import { startTestBroker, uniqueTestName, type TestBroker } from '@streamops/test-broker';
import { pollUntil } from '../support/poll';
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

let broker: TestBroker;
let kafka: Kafka;
let producer: Producer;
let agent: RunningAgent;
const clock = new ManualClock(Date.now());
const topic = uniqueTestName('faults');
const group = uniqueTestName('faults-group');
// Committed 10 of 30, 12 of 12 and 0 of 6: lag 20, 0 and 6.
const expectedLag = new Map([
  [0, 20],
  [1, 0],
  [2, 6],
]);

function groupView(): GroupLagView | undefined {
  return agent.snapshots()[0]?.groups.find((view) => view.group === group);
}

/**
 * A crash must not look like a rewind, a stall or a caught-up partition falling behind. Lagging partitions of this
 * group do become STOP over time: it is Empty and never commits again, which is what Burrow's STOP means.
 */
function expectNoFalseStatus(view: GroupLagView | undefined): void {
  const statuses = new Map(
    (view?.partitions ?? []).map((partition) => [partition.partition, partition.status]),
  );
  expect(statuses.get(1)).toBe('OK');
  for (const partition of [0, 2]) expect(['OK', 'STOP']).toContain(statuses.get(partition));
}

function partitionLags(view: GroupLagView | undefined): Map<number, number | null> {
  return new Map((view?.partitions ?? []).map((partition) => [partition.partition, partition.lagMessages]));
}

/**
 * Runs cycles until the collector is up again. Every cycle, failed or not, must leave the last good lag in
 * place: a failed cycle keeps the previous snapshot, a good one reads the same offsets.
 */
async function collectUntilUp(description: string, lag: Map<number, number>): Promise<void> {
  await pollUntil(
    description,
    async () => {
      clock.advance(500);
      await agent.collectNow();
      expect(partitionLags(groupView())).toEqual(lag);
      expectNoFalseStatus(groupView());
      return agent.snapshots()[0]?.health.up ? true : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );
}

async function expectServing(): Promise<void> {
  const metrics = await scrape(agent);
  expect(metrics).toContain(`streamops_consumergroup_lag_messages{cluster="local",group="${group}"}`);
  expect((await apiGroup(agent, group))?.partitions).toHaveLength(3);
}

beforeAll(async () => {
  broker = await startTestBroker({
    brokers: 3,
    topics: [{ name: topic, partitions: 3, replicationFactor: 3 }],
  });
  kafka = testKafka(broker.bootstrap);
  producer = kafka.producer(exactProducer);
  await producer.connect();
  await produce(producer, topic, 0, 30, clock.nowMs);
  await produce(producer, topic, 1, 12, clock.nowMs);
  await produce(producer, topic, 2, 6, clock.nowMs);
  await commitAs(kafka, group, topic, [
    [0, 10],
    [1, 12],
    [2, 0],
  ]);
  agent = await startTestAgent(broker.bootstrap, clock, { groups: [group] });
  await agent.collectNow();
  expect(partitionLags(groupView())).toEqual(expectedLag);
  expect(groupView()?.status).toBe('OK');
}, 120_000);

afterAll(async () => {
  await agent?.stop();
  await producer?.disconnect();
  await broker?.stop();
});

describe('the agent on real Kafka 4 when nodes crash', () => {
  it('keeps serving when a partition leader is killed mid-cycle, and recovers without false lag', async () => {
    const leader = (await broker.control.status()).topics
      .find((state) => state.name === topic)
      ?.partitions.find((partition) => partition.partition === 0)?.leader;
    expect(leader).toBeGreaterThan(0);
    clock.advance(500);
    const cycle = agent.collectNow();
    await broker.control.down(leader!);
    await cycle;
    expect(partitionLags(groupView())).toEqual(expectedLag);
    await expectServing();
    // Two nodes of three still hold every partition: the agent must find the new leaders by itself.
    await collectUntilUp('the collector to follow the new leaders', expectedLag);

    await broker.control.up(leader!);
    await collectUntilUp('the collector after the node came back', expectedLag);
  }, 120_000);

  it('recovers from a restart of the active KRaft controller', async () => {
    const controller = (await broker.control.status()).controller;
    await broker.control.down(controller);
    // The remaining two voters elect a new quorum leader.
    await pollUntil(
      'a new active controller',
      async () => {
        const leader = await broker.control.status().then((status) => status.controller);
        return leader !== controller ? leader : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    clock.advance(500);
    await agent.collectNow();
    await expectServing();
    await collectUntilUp('the collector with the controller down', expectedLag);
    await broker.control.up(controller);
    await collectUntilUp('the collector after the controller restarted', expectedLag);
  }, 120_000);

  it('shows the cluster down while every node is dead, then recovers and counts new records exactly', async () => {
    clock.advance(500);
    const cycle = agent.collectNow();
    await broker.control.down(-1);
    await cycle;
    clock.advance(500);
    await agent.collectNow();
    const health = agent.snapshots()[0]?.health;
    expect(health?.up).toBe(false);
    expect(health?.lastError).toBeTruthy();
    const metrics = await scrape(agent);
    expect(metrics).toContain('streamops_collector_up{cluster="local"} 0');
    // The last good lag stays, marked stale by collector_up, rather than dropping to nothing.
    expect(metrics).toContain(`streamops_consumergroup_lag_messages{cluster="local",group="${group}"} 26`);
    await expectServing();

    await broker.control.up(-1);
    await collectUntilUp('the collector after the whole cluster restarted', expectedLag);

    await produce(producer, topic, 2, 4, clock.nowMs);
    clock.advance(500);
    await agent.collectNow();
    expect(partitionLags(groupView())).toEqual(new Map([...expectedLag, [2, 10]]));
  }, 180_000);
});
