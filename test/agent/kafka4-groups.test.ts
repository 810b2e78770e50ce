// Groups of Kafka 4's group protocols on a real broker: a KIP-848 consumer group read by the
// Java client, a group moved from the classic protocol to the consumer protocol, and a share
// group (KIP-932). The consumers are Kafka's own test tools, run from the pinned jars.
import { type Kafka, type Producer } from 'kafkajs';
import { type RunningAgent } from '@streamops/agent';
import {
  startJavaProcess,
  startTestBroker,
  uniqueTestName,
  type JavaProcess,
  type TestBroker,
} from '@streamops/test-broker';
import { pollUntil } from '../support/poll';
import {
  apiGroup,
  type ApiGroup,
  exactProducer,
  ManualClock,
  scrape,
  startTestAgent,
  testKafka,
} from './harness';

/** What the JSON API adds for group types (the harness's ApiGroup predates them). */
type TypedGroup = Omit<ApiGroup, 'members'> & {
  groupType: string;
  kafkaState: string;
  thresholdStatus: string;
  members: { memberId: string; clientId: string; host: string; assignedPartitions: number }[];
  partitions: (ApiGroup['partitions'][number] & { memberId: string | null })[];
};

interface ShareGroup {
  groupType: string;
  state: string;
  kafkaState: string;
  members: { memberId: string; clientId: string; host: string; assignedPartitions: number }[];
  lagMessages: number | null;
  partitions: { topic: string; partition: number; startOffset: number | null; lagMessages: number | null }[];
}

/** A JSON event line of Kafka's Verifiable(Share)Consumer. */
interface ToolEvent {
  readonly name: string;
  readonly offsets?: { topic: string; partition: number; offset: number }[];
  readonly success?: boolean;
}

let broker: TestBroker;
let kafka: Kafka;
let producer: Producer;
let agent: RunningAgent;
const clock = new ManualClock(Date.now());
const tools: JavaProcess[] = [];

beforeAll(async () => {
  broker = await startTestBroker({ brokers: 1 });
  kafka = testKafka(broker.bootstrap);
  producer = kafka.producer(exactProducer);
  await producer.connect();
  agent = await startTestAgent(broker.bootstrap, clock);
}, 120_000);

afterEach(async () => {
  // Every JVM a test started is stopped by its PID, even when the test failed half-way.
  await Promise.all(tools.splice(0).map((tool) => tool.kill()));
});

afterAll(async () => {
  await agent?.stop();
  await producer?.disconnect();
  await broker?.stop();
});

/** Starts one of Kafka's tools, collecting its JSON events. */
async function startTool(
  mainClass: string,
  args: readonly string[],
): Promise<{ tool: JavaProcess; events: ToolEvent[] }> {
  const events: ToolEvent[] = [];
  const tool = await startJavaProcess({
    mainClass,
    args: ['--bootstrap-server', broker.bootstrap.join(','), ...args],
    onStdoutLine: (line) => {
      if (line.startsWith('{')) events.push(JSON.parse(line) as ToolEvent);
    },
  });
  tools.push(tool);
  return { tool, events };
}

/** Kafka's VerifiableConsumer: commits synchronously after every batch it consumed. */
function startConsumer(
  protocol: 'classic' | 'consumer',
  topic: string,
  group: string,
  maxMessages = -1,
): Promise<{ tool: JavaProcess; events: ToolEvent[] }> {
  return startTool('org.apache.kafka.tools.VerifiableConsumer', [
    '--topic',
    topic,
    '--group-id',
    group,
    '--group-protocol',
    protocol,
    '--max-messages',
    String(maxMessages),
    '--reset-policy',
    'earliest',
  ]);
}

function lastCommitted(events: readonly ToolEvent[]): number | undefined {
  const commits = events.filter((event) => event.name === 'offsets_committed' && event.success);
  return commits[commits.length - 1]?.offsets?.[0]?.offset;
}

async function exitsCleanly(tool: JavaProcess): Promise<void> {
  const { code, signal } = await tool.exited;
  if (code !== 0) throw new Error(`tool exited with ${signal ?? code}: ${tool.stderrTail.join('\n')}`);
}

/** Record i of `count` is stamped `firstTimestampMs + i` seconds, so time lag is exact. */
async function produceTimed(
  topic: string,
  count: number,
  firstTimestampMs: number,
  firstIndex = 0,
): Promise<void> {
  await producer.send({
    topic,
    acks: -1,
    messages: Array.from({ length: count }, (_, index) => ({
      partition: 0,
      value: `record-${firstIndex + index}`,
      timestamp: String(firstTimestampMs + (firstIndex + index) * 1000),
    })),
  });
}

/** One collection cycle, which must succeed: a failed cycle leaves the last good view, which would mislead. */
async function collect(): Promise<void> {
  await agent.collectNow();
  const { health } = agent.snapshots()[0] ?? {};
  if (!health?.up) throw new Error(`the collection cycle failed: ${health?.lastError ?? 'no snapshot'}`);
}

async function typedGroup(group: string): Promise<TypedGroup | undefined> {
  return (await apiGroup(agent, group)) as TypedGroup | undefined;
}

async function shareGroup(group: string): Promise<ShareGroup | undefined> {
  return (await apiGroup(agent, group)) as ShareGroup | undefined;
}

/** The samples of a family for one group in one scrape. */
function samplesOf(metrics: string, family: string, group: string): string[] {
  return metrics
    .split('\n')
    .filter((line) => line.startsWith(`${family}{`) && line.includes(`group="${group}"`));
}

describe('Kafka 4 group protocols on a real broker', () => {
  it('reports a KIP-848 consumer group with exact lag, time lag, status, members and assignment', async () => {
    const topic = uniqueTestName('kip848');
    const group = uniqueTestName('kip848-group');
    await broker.control.createTopic(topic, 1);
    // The agent's clock only moves forward (its histories require it), so records are stamped from now on.
    const firstTimestampMs = clock.nowMs;
    await produceTimed(topic, 100, firstTimestampMs);

    // The Java client with group.protocol=consumer reads 60 records, commits offset 60 and leaves.
    const first = await startConsumer('consumer', topic, group, 60);
    await exitsCleanly(first.tool);
    expect(lastCommitted(first.events)).toBe(60);

    // Now is 40 s after record 60 (the oldest unconsumed one) was written.
    clock.nowMs = firstTimestampMs + 100_000;
    await collect();
    let view = await typedGroup(group);
    expect(view).toMatchObject({ groupType: 'consumer', state: 'Empty', kafkaState: 'Empty', members: [] });
    expect(view?.lagMessages).toBe(40);
    expect(view?.lagSeconds).toBe(40);
    expect(view?.partitions).toEqual([
      expect.objectContaining({
        topic,
        partition: 0,
        committedOffset: 60,
        logEndOffset: 100,
        lagMessages: 40,
        lagSeconds: 40,
        lagSecondsMethod: 'record-timestamp',
        status: 'OK',
        memberId: null,
      }),
    ]);
    expect(view?.status).toBe('OK');

    // Ten seconds later nothing moved: the stopped group is ERR, and the reason names the partition.
    // STOP needs windowSize (3) looks at the log end, as Burrow needs its `intervals` refreshes
    // (docs/concepts.md, STOP): before them a stop cannot be told from records that just arrived.
    clock.advance(5_000);
    await collect();
    expect((await typedGroup(group))?.status).toBe('OK');
    clock.advance(5_000);
    await collect();
    view = await typedGroup(group);
    expect(view?.lagSeconds).toBe(50);
    expect(view?.status).toBe('ERR');
    expect(view?.thresholdStatus).toBe('WARN');
    expect(view?.statusReasons).toEqual([
      expect.objectContaining({ rule: 'partition-errors', partitions: [{ topic, partition: 0 }] }),
    ]);
    expect((view?.statusReasons[0] as { message?: string } | undefined)?.message).toContain(
      `${topic}/0 STOP (stopped)`,
    );
    let metrics = await scrape(agent);
    expect(samplesOf(metrics, 'streamops_consumergroup_info', group)).toEqual([
      `streamops_consumergroup_info{cluster="local",group="${group}",state="Empty",protocol_type="consumer",group_type="consumer",kafka_state="Empty"} 1`,
    ]);
    expect(metrics).toContain(`streamops_consumergroup_lag_messages{cluster="local",group="${group}"} 40`);
    expect(metrics).toContain(`streamops_consumergroup_lag_seconds{cluster="local",group="${group}"} 50`);
    expect(metrics).toContain(`streamops_consumergroup_status_code{cluster="local",group="${group}"} 3`);
    expect(metrics).toContain(
      `streamops_consumergroup_partition_lag_messages{cluster="local",group="${group}",topic="${topic}",partition="0"} 40`,
    );

    // A running member: the rest is consumed, and the member and its partition show up.
    const running = await startConsumer('consumer', topic, group);
    view = await pollUntil('the running member with its assignment and commit 100', async () => {
      await collect();
      const current = await typedGroup(group);
      // The tool prints its commit event after the broker has it, so the agent may see the commit first.
      return current?.members[0]?.assignedPartitions === 1 &&
        current.partitions[0]?.committedOffset === 100 &&
        lastCommitted(running.events) === 100
        ? current
        : undefined;
    });
    expect(view).toMatchObject({
      groupType: 'consumer',
      state: 'Stable',
      kafkaState: 'Stable',
      lagMessages: 0,
    });
    const [member] = view.members;
    expect(member?.clientId).toMatch(/^consumer-/);
    expect(member?.host).toBe('/127.0.0.1');
    expect(view.partitions[0]?.memberId).toBe(member?.memberId);
    metrics = await scrape(agent);
    expect(samplesOf(metrics, 'streamops_consumergroup_member_info', group)).toEqual([
      `streamops_consumergroup_member_info{cluster="local",group="${group}",member_id="${member?.memberId}",client_id="${member?.clientId}",host="/127.0.0.1"} 1`,
    ]);
    expect(metrics).toContain(`streamops_consumergroup_members{cluster="local",group="${group}"} 1`);
  }, 120_000);

  it('keeps one unbroken lag series while a group moves from the classic to the consumer protocol', async () => {
    const topic = uniqueTestName('upgrade');
    const group = uniqueTestName('upgrade-group');
    await broker.control.createTopic(topic, 1);
    const firstTimestampMs = clock.nowMs;
    await produceTimed(topic, 50, firstTimestampMs);
    const seen: { groupType: string; state: string; lag: string[]; info: string[] }[] = [];
    const cycle = async (): Promise<TypedGroup | undefined> => {
      await collect();
      const view = await typedGroup(group);
      const metrics = await scrape(agent);
      seen.push({
        groupType: view?.groupType ?? 'missing',
        state: view?.state ?? 'missing',
        lag: samplesOf(metrics, 'streamops_consumergroup_lag_messages', group),
        info: samplesOf(metrics, 'streamops_consumergroup_info', group),
      });
      return view;
    };

    // 1. A classic member reads everything and stays.
    const classic = await startConsumer('classic', topic, group);
    await pollUntil(
      'the classic member to commit 50',
      () => (lastCommitted(classic.events) === 50 ? true : undefined),
      {
        timeoutMs: 30_000,
      },
    );
    await pollUntil('the classic member in the group', async () =>
      (await cycle())?.members.length === 1 ? true : undefined,
    );
    // 2. Offline upgrade: every classic member leaves, the group is Empty and keeps its offsets.
    await classic.tool.stop();
    await pollUntil('the classic group to be Empty', async () =>
      (await cycle())?.state === 'Empty' ? true : undefined,
    );
    await produceTimed(topic, 50, firstTimestampMs, 50);
    clock.nowMs = firstTimestampMs + 60_000;
    expect(await cycle()).toMatchObject({
      groupType: 'classic',
      state: 'Empty',
      lagMessages: 50,
      lagSeconds: 10,
    });
    // 3. A consumer-protocol member joins with the same group id, reads 30 and leaves.
    const upgraded = await startConsumer('consumer', topic, group, 30);
    await exitsCleanly(upgraded.tool);
    expect(lastCommitted(upgraded.events)).toBe(80);
    clock.nowMs = firstTimestampMs + 95_000;
    const after = await cycle();
    expect(after).toMatchObject({ groupType: 'consumer', state: 'Empty', lagMessages: 20, lagSeconds: 15 });
    // 4. And a consumer-protocol member that stays.
    await startConsumer('consumer', topic, group);
    await pollUntil('the consumer-protocol member in the group', async () => {
      const view = await cycle();
      return view?.members.length === 1 && view.lagMessages === 0 ? true : undefined;
    });

    // Every cycle had exactly one lag series and one info series for the group: no gap, no
    // duplicate, and the lag series kept its labels (group_type is on the info series only).
    const lagSeries = `streamops_consumergroup_lag_messages{cluster="local",group="${group}"}`;
    for (const cycleSeen of seen) {
      expect(cycleSeen.lag).toHaveLength(1);
      expect(cycleSeen.lag[0]?.startsWith(`${lagSeries} `)).toBe(true);
      expect(cycleSeen.info).toHaveLength(1);
      expect(cycleSeen.info[0]).toContain(`group_type="${cycleSeen.groupType}"`);
    }
    const types = seen.map((cycleSeen) => cycleSeen.groupType);
    expect(types[0]).toBe('classic');
    expect(types[types.length - 1]).toBe('consumer');
    // One switch, from classic to consumer, and never missing.
    expect(types.filter((type, index) => index > 0 && type !== types[index - 1])).toEqual(['consumer']);
    expect(seen.map((cycleSeen) => cycleSeen.lag[0]?.slice(lagSeries.length + 1))).toEqual(
      expect.arrayContaining(['0', '50', '20']),
    );
  }, 180_000);

  it("reports a share group's members, state and Kafka's share lag, and no consumer lag for it", async () => {
    const topic = uniqueTestName('share');
    const group = uniqueTestName('share-group');
    await broker.control.createTopic(topic, 1);
    await produceTimed(topic, 100, clock.nowMs - 200_000);

    const share = await startTool('org.apache.kafka.tools.VerifiableShareConsumer', [
      '--topic',
      topic,
      '--group-id',
      group,
      '--offset-reset-strategy',
      'earliest',
      '--acknowledgement-mode',
      'sync',
    ]);
    let view = await pollUntil(
      'the share member with its assignment, all 100 records acknowledged',
      async () => {
        await collect();
        const current = await shareGroup(group);
        return current?.members[0]?.assignedPartitions === 1 && current.lagMessages === 0
          ? current
          : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect(view).toMatchObject({ groupType: 'share', state: 'Stable', kafkaState: 'Stable' });
    expect(view.members[0]?.host).toBe('/127.0.0.1');
    expect(share.events.some((event) => event.name === 'offsets_acknowledged')).toBe(true);

    await share.tool.stop();
    await produceTimed(topic, 40, clock.nowMs - 100_000, 100);
    view = await pollUntil('Kafka to report the 40 new records as share lag', async () => {
      await collect();
      const current = await shareGroup(group);
      return current?.state === 'Empty' && current.lagMessages === 40 ? current : undefined;
    });
    expect(view.members).toEqual([]);
    expect(view.partitions).toEqual([
      { topic, partition: 0, startOffset: expect.any(Number) as number, lagMessages: 40 },
    ]);

    const metrics = await scrape(agent);
    expect(samplesOf(metrics, 'streamops_consumergroup_info', group)).toEqual([
      `streamops_consumergroup_info{cluster="local",group="${group}",state="Empty",protocol_type="share",group_type="share",kafka_state="Empty"} 1`,
    ]);
    expect(metrics).toContain(`streamops_sharegroup_lag_messages{cluster="local",group="${group}"} 40`);
    expect(metrics).toContain(
      `streamops_sharegroup_partition_lag_messages{cluster="local",group="${group}",topic="${topic}",partition="0"} 40`,
    );
    // No committed offsets, so none of the consumer-lag, time-lag or status series.
    for (const family of [
      'streamops_consumergroup_lag_messages',
      'streamops_consumergroup_lag_seconds',
      'streamops_consumergroup_status_code',
      'streamops_consumergroup_partition_lag_messages',
    ]) {
      expect(samplesOf(metrics, family, group)).toEqual([]);
    }
  }, 120_000);
});
