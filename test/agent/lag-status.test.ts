import { type Consumer, type Kafka, type Producer } from 'kafkajs';
import { type RunningAgent } from '@streamops/agent';
import { startTestBroker, uniqueTestName, type TestBroker } from '@streamops/test-broker';
import { pollUntil } from '../support/poll';
import {
  apiGroup,
  type ApiGroup,
  commitAs,
  exactProducer,
  ManualClock,
  produce,
  scrape,
  startManualCommitConsumer,
  startTestAgent,
  testKafka,
} from './harness';

let broker: TestBroker;
let kafka: Kafka;
let producer: Producer;
let agent: RunningAgent;
let consumer: Consumer | undefined;
const clock = new ManualClock(Date.now());
const topic = uniqueTestName('status');
const group = uniqueTestName('status-group');

beforeAll(async () => {
  broker = await startTestBroker({ topics: [{ name: topic, partitions: 1 }] });
  kafka = testKafka(broker.bootstrap);
  producer = kafka.producer(exactProducer);
  await producer.connect();
  // A first commit creates __consumer_offsets, so the agent reads commits and their times from
  // it from its first cycle on (commit-log mode) instead of starting out polling.
  await commitAs(kafka, uniqueTestName('status-other'), topic, [[0, 0]]);
  agent = await startTestAgent(broker.bootstrap, clock, { groups: [`^${group}$`], windowSize: 3 });
});

afterAll(async () => {
  await consumer?.disconnect();
  await agent?.stop();
  await producer?.disconnect();
  await broker?.stop();
});

/** Runs one agent cycle one second after the previous and returns the group view. */
async function cycle(): Promise<ApiGroup> {
  clock.advance(1000);
  await agent.collectNow();
  const view = await apiGroup(agent, group);
  if (!view) throw new Error(`group ${group} not reported`);
  return view;
}

async function commit(offset: number): Promise<void> {
  await consumer?.commitOffsets([{ topic, partition: 0, offset: String(offset) }]);
}

describe('Burrow-style status driven by a real consumer', () => {
  it('goes OK → WARN → STALL → STOP → REWIND with the rule and partition named', async () => {
    consumer = await startManualCommitConsumer(kafka, group, topic);
    await produce(producer, topic, 0, 10, clock.nowMs);
    // The member must be in the group before the agent's first look.
    await pollUntil('the consumer to join', async () => {
      const admin = kafka.admin();
      await admin.connect();
      const { groups } = await admin.describeGroups([group]);
      await admin.disconnect();
      return groups[0]?.state === 'Stable' && groups[0].members.length === 1 ? true : undefined;
    });

    // OK: caught up at every look.
    await commit(10);
    let view: ApiGroup | undefined;
    for (let look = 0; look < 3; look++) view = await cycle();
    expect(view?.status).toBe('OK');
    expect(view?.partitions[0]?.status).toBe('OK');

    // WARN: the consumer moves, but producers add twice as much each time. The window holds
    // the lag at commit time, measured against a log end the agent sampled before the commit
    // (as Burrow measures against its last offset refresh): so the records are produced and
    // seen by a cycle before the consumer commits. Two cycles, so that polling (which only
    // knows a commit came after the previous poll) sees them too.
    for (const committed of [20, 30, 40]) {
      await produce(producer, topic, 0, 20, clock.nowMs);
      await cycle();
      await cycle();
      await commit(committed);
    }
    view = await cycle();
    expect(view?.partitions[0]).toMatchObject({
      committedOffset: 40,
      logEndOffset: 70,
      lagMessages: 30,
      status: 'WARN',
    });
    expect(view?.status).toBe('WARN');
    expect(view?.statusReasons[0]?.partitions).toEqual([{ topic, partition: 0 }]);

    // STALL: the member is still there and commits, but its offset no longer moves.
    for (let look = 0; look < 3; look++) {
      await commit(40);
      view = await cycle();
    }
    expect(view?.partitions[0]?.status).toBe('STALL');
    expect(view?.status).toBe('ERR');
    expect(view?.statusReasons[0]?.rule).toBeDefined();

    // STOP: the consumer leaves; the group is Empty and its silence outlasts the window.
    await consumer.disconnect();
    consumer = undefined;
    await pollUntil('the group to become Empty', async () =>
      (await cycle()).state === 'Empty' ? true : undefined,
    );
    clock.advance(60_000);
    view = await cycle();
    expect(view.state).toBe('Empty');
    expect(view.lagMessages).toBe(30);
    expect(view.partitions[0]?.status).toBe('STOP');
    expect(view.status).toBe('ERR');

    // REWIND: an operator resets the group to an earlier offset.
    await commitAs(kafka, group, topic, [[0, 5]]);
    view = await cycle();
    expect(view.partitions[0]).toMatchObject({ committedOffset: 5, lagMessages: 65, status: 'REWIND' });
    expect(view.status).toBe('ERR');
    expect(await scrape(agent)).toContain(
      `streamops_consumergroup_partition_status_code{cluster="local",group="${group}",topic="${topic}",partition="0"} 5`,
    );
  });
});
