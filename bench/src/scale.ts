/**
 * Bench C: agent scale (issue 5 "Scale", issue 10 item 3, without ingest).
 *
 * For each partition count a test broker is started with topics of 10 partitions, a few
 * records in every partition, and consumer groups whose commits cover every partition.
 * For each group count an agent runs in a process of its own (so its RSS is its own),
 * through the public API (`parseAgentConfig`, `startAgent`, `collectNow`), selecting that
 * level's groups with its group allow-list. Measured: cycle time (cold, then warm),
 * /metrics (first render after a cycle, then cached), agent and broker CPU per cycle, RSS.
 */
import { startTestBroker, type TestBroker } from '@streamops/test-broker';
import { Kafka, logLevel } from 'kafkajs';
import { AgentProcess } from './agent-process';
import { describeBroker } from './broker-description';
import { commitWithoutMember, internalCluster, type InternalCluster } from './offset-commit';
import { type ProfileSummary } from './cpu-profile';
import { processesCpuMs } from './proc';
import { count, megabytes, num, range, type Section, type Table } from './report';
import { type BenchOptions } from './runtime';
import { type ScaleReply, type SnapshotStats } from './scale-protocol';
import { leastSquares, summarize, type LinearFit, type Summary } from './stats';

/** Sizes of one run. */
export interface ScaleSizes {
  readonly partitionLevels: readonly number[];
  readonly groupLevels: readonly number[];
  readonly partitionsPerTopic: number;
  /** Records written to every partition; groups commit at {@link committedOffset}, so every partition lags. */
  readonly recordsPerPartition: number;
  readonly committedOffset: number;
  readonly brokers: number;
  /** Cycles measured after the cold one. */
  readonly warmCycles: number;
  /** Cycles profiled in the largest cell (0: none). */
  readonly profileCycles: number;
  /** Time one `admin.setOffsets` call, to document why commits are written another way. */
  readonly timeSetOffsets: boolean;
}

const fullSizes: ScaleSizes = {
  partitionLevels: [100, 1_000, 10_000],
  groupLevels: [10, 100, 1_000],
  partitionsPerTopic: 10,
  recordsPerPartition: 3,
  committedOffset: 1,
  brokers: 3,
  warmCycles: 3,
  profileCycles: 2,
  timeSetOffsets: true,
};
const smokeSizes: ScaleSizes = {
  partitionLevels: [20, 40],
  groupLevels: [2, 6],
  partitionsPerTopic: 10,
  recordsPerPartition: 2,
  committedOffset: 1,
  brokers: 1,
  warmCycles: 1,
  profileCycles: 1,
  timeSetOffsets: false,
};

/** Concurrent OffsetCommit requests while setting up groups. */
const commitConcurrency = 8;

/** Figures of one (partitions, groups) cell. */
export interface ScaleCell {
  readonly partitions: number;
  readonly groups: number;
  readonly topics: number;
  /** Group-partition pairs with a commit: what lag series are made of. */
  readonly groupPartitions: number;
  /** Agent start-up plus its first cycle (connections, metadata, every record timestamp fetched). */
  readonly coldCycleMs: number;
  /** Cycles after it (nothing moved: record timestamps come from the cache). */
  readonly warmCycleMs: Summary;
  readonly agentCpuMsPerWarmCycle: Summary;
  /** CPU the test broker spent answering a warm cycle (same machine, so it competes with the agent). */
  readonly brokerCpuMsPerWarmCycle: Summary;
  /** GET /metrics right after a cycle (renders the snapshot). */
  readonly firstScrapeMs: Summary;
  /** GET /metrics again (served from the rendered text). */
  readonly cachedScrapeMs: Summary;
  readonly scrapeBytes: number;
  readonly scrapeSamples: number;
  /** RSS before the agent started (Node, tsx and the agent's code loaded). */
  readonly rssBeforeStart: number;
  /** RSS after the last cycle and scrape. */
  readonly rssAfter: number;
  /** Peak RSS of the agent process. */
  readonly maxRss: number;
  /** What the agent saw in its last cycle. */
  readonly seen: SnapshotStats;
  /** Mismatches between what was set up and what the agent saw; empty when the cell is valid. */
  readonly problems: readonly string[];
}

/** A fitted cost model. */
export interface ScaleFit {
  readonly description: string;
  /** Unit of the fitted measure (and of every coefficient). */
  readonly unit: 'ms' | 'MB';
  readonly features: readonly string[];
  readonly fit: LinearFit;
}

/** Everything bench C measured. */
export interface ScaleResult {
  readonly sizes: ScaleSizes;
  /** Which broker the figures came from (one like it is started per partition level). */
  readonly broker: string;
  readonly cells: readonly ScaleCell[];
  readonly fits: readonly ScaleFit[];
  /** CPU profile of the agent over warm cycles and scrapes of the largest cell. */
  readonly profile: (ProfileSummary & { partitions: number; groups: number }) | undefined;
  /** How the groups' commits were written, and how long one admin.setOffsets took for comparison. */
  readonly commitMethod: {
    readonly description: string;
    readonly setOffsetsMs: number | undefined;
    readonly directCommitMs: number;
  };
}

/** Runs `work` over `items` with at most `limit` at once. */
async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** A broker holding one partition level: topics, records, and a client for set-up. */
interface World {
  readonly broker: TestBroker;
  readonly kafka: Kafka;
  readonly cluster: InternalCluster;
  readonly topics: readonly string[];
  readonly partitions: number;
}

async function startWorld(partitions: number, sizes: ScaleSizes, runId: string): Promise<World> {
  const topics = Array.from(
    { length: Math.ceil(partitions / sizes.partitionsPerTopic) },
    (_, index) => `bench-scale-${runId}-p${partitions}-t${index}`,
  );
  const broker = await startTestBroker({
    brokers: sizes.brokers,
    // Replication factor 1: what the agent asks and renders does not depend on it, and 30,000 replicas
    // (10,000 partitions × 3) left three small-heap Kafka JVMs on 2 cores without a group coordinator.
    topics: topics.map((name) => ({ name, partitions: sizes.partitionsPerTopic, replicationFactor: 1 })),
  });
  const kafka = new Kafka({
    clientId: 'bench-scale-setup',
    brokers: broker.bootstrap,
    logLevel: logLevel.NOTHING,
  });
  const cluster = internalCluster(kafka);
  try {
    await cluster.connect();
    const producer = kafka.producer();
    await producer.connect();
    const topicsPerSend = 100;
    for (let first = 0; first < topics.length; first += topicsPerSend) {
      await producer.sendBatch({
        topicMessages: topics.slice(first, first + topicsPerSend).map((topic) => ({
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
    }
    await producer.disconnect();
  } catch (error) {
    await cluster.disconnect().catch(() => undefined);
    await broker.stop();
    throw error;
  }
  return { broker, kafka, cluster, topics, partitions };
}

/** Group names of one group level; the agent selects a level by this prefix. */
function groupPrefix(runId: string, groups: number): string {
  return `bench-scale-${runId}-g${groups}-`;
}

/**
 * Topics each group of a level commits on: with fewer groups than topics every group
 * takes every `groups`-th topic, otherwise group i takes topic i mod topics. Either way
 * every partition is committed by at least one group.
 */
function topicsOfGroup(world: World, groups: number, index: number): string[] {
  const { topics } = world;
  return groups <= topics.length
    ? topics.filter((_, topic) => topic % groups === index)
    : [topics[index % topics.length]!];
}

/**
 * Commits the level's offsets the way an admin tool does, without a consumer: one
 * OffsetCommit per group with generation -1 and no member id, sent to the group's
 * coordinator. Returns the group-partition pairs committed.
 */
async function commitGroups(
  world: World,
  groups: number,
  runId: string,
  sizes: ScaleSizes,
): Promise<{ committed: number; elapsedMs: number }> {
  let committed = 0;
  const started = performance.now();
  // Group 0 first, alone: its commit makes the brokers create `__consumer_offsets` (50 partitions), which the
  // other commits would otherwise all wait for at once.
  const indexes = Array.from({ length: groups }, (_, index) => index);
  const commitGroup = async (index: number): Promise<void> => {
    const groupId = `${groupPrefix(runId, groups)}${index}`;
    const topics = topicsOfGroup(world, groups, index).map((topic) => ({
      topic,
      partitions: Array.from({ length: sizes.partitionsPerTopic }, (_, partition) => ({
        partition,
        offset: String(sizes.committedOffset),
      })),
    }));
    // Awaited first: `committed += await …` would read `committed` before the await and lose concurrent adds.
    const partitions = await commitWithoutMember(world.cluster, groupId, topics);
    committed += partitions;
  };
  await commitGroup(0);
  await eachLimited(indexes.slice(1), commitConcurrency, commitGroup);
  const elapsedMs = performance.now() - started;
  // Check that the commits read back as written, as the agent will read them.
  const admin = world.kafka.admin();
  await admin.connect();
  try {
    const groupId = `${groupPrefix(runId, groups)}0`;
    const [topic] = topicsOfGroup(world, groups, 0);
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic!] });
    const wrong = offsets?.partitions.filter(({ offset }) => offset !== String(sizes.committedOffset)) ?? [];
    if (offsets === undefined || wrong.length > 0)
      throw new Error(`commits of ${groupId} do not read back: ${JSON.stringify(offsets)}`);
  } finally {
    await admin.disconnect();
  }
  return { committed, elapsedMs };
}

/** Times one admin.setOffsets (it joins the group with a consumer, then waits for a fetch). */
async function timeSetOffsets(world: World, runId: string): Promise<number> {
  const admin = world.kafka.admin();
  await admin.connect();
  try {
    const started = performance.now();
    await admin.setOffsets({
      groupId: `bench-scale-${runId}-setoffsets`,
      topic: world.topics[0]!,
      partitions: [{ partition: 0, offset: '1' }],
    });
    return performance.now() - started;
  } finally {
    await admin.disconnect();
  }
}

function agentConfig(world: World, groups: number, runId: string): unknown {
  return {
    clusters: [
      {
        name: 'bench',
        brokers: world.broker.bootstrap,
        groups: { allow: [`^${groupPrefix(runId, groups)}`] },
      },
    ],
    // Cycles are run on command; the hour-long interval keeps the loop out of the way.
    collection: { intervalSeconds: 3600, requestTimeoutMs: 60_000 },
    server: { host: '127.0.0.1', port: 0 },
  };
}

async function measureCell(
  world: World,
  groups: number,
  groupPartitions: number,
  runId: string,
  sizes: ScaleSizes,
  profileCycles: number,
): Promise<{ cell: ScaleCell; profile: ProfileSummary | undefined }> {
  const agent = new AgentProcess();
  let maxRss: number | undefined;
  try {
    const started = await agent.request(
      { type: 'start', config: agentConfig(world, groups, runId) },
      'started',
    );
    const warm: number[] = [];
    const agentCpu: number[] = [];
    const brokerCpu: number[] = [];
    const firstScrape: number[] = [];
    const cachedScrape: number[] = [];
    let last: { snapshot: SnapshotStats; memory: { rss: number } } = started;
    let scrape: Extract<ScaleReply, { type: 'scraped' }> | undefined;
    for (let cycle = 0; cycle < sizes.warmCycles; cycle++) {
      const brokerBefore = processesCpuMs(world.broker.pids);
      const cycled = await agent.request({ type: 'cycle' }, 'cycled');
      const brokerAfter = processesCpuMs(world.broker.pids);
      warm.push(cycled.wallMs);
      agentCpu.push(cycled.cpuMs);
      brokerCpu.push(
        brokerBefore === undefined || brokerAfter === undefined ? Number.NaN : brokerAfter - brokerBefore,
      );
      firstScrape.push((await agent.request({ type: 'scrape' }, 'scraped')).wallMs);
      scrape = await agent.request({ type: 'scrape' }, 'scraped');
      cachedScrape.push(scrape.wallMs);
      last = cycled;
    }
    const profile =
      profileCycles > 0
        ? (await agent.request({ type: 'profile', cycles: profileCycles }, 'profiled')).summary
        : undefined;
    maxRss = await agent.stop();

    const problems: string[] = [];
    const seen = last.snapshot;
    if (!seen.collectorUp) problems.push(`collector down: ${seen.lastError ?? 'no error recorded'}`);
    if (seen.groups !== groups) problems.push(`the agent saw ${seen.groups} of ${groups} groups`);
    if (seen.committedPartitions !== groupPartitions) {
      problems.push(
        `the agent saw ${seen.committedPartitions} of ${groupPartitions} committed group-partitions`,
      );
    }
    if (seen.partitionsWithLagSeconds !== groupPartitions) {
      problems.push(
        `lag in seconds known for ${seen.partitionsWithLagSeconds} of ${groupPartitions} group-partitions`,
      );
    }
    return {
      profile,
      cell: {
        partitions: world.partitions,
        groups,
        topics: world.topics.length,
        groupPartitions,
        coldCycleMs: started.wallMs,
        warmCycleMs: summarize(warm),
        agentCpuMsPerWarmCycle: summarize(agentCpu),
        brokerCpuMsPerWarmCycle: summarize(brokerCpu),
        firstScrapeMs: summarize(firstScrape),
        cachedScrapeMs: summarize(cachedScrape),
        scrapeBytes: scrape?.bytes ?? Number.NaN,
        scrapeSamples: scrape?.samples ?? Number.NaN,
        rssBeforeStart: started.idle.rss,
        rssAfter: scrape?.memory.rss ?? last.memory.rss,
        maxRss: maxRss ?? Number.NaN,
        seen,
        problems,
      },
    };
  } finally {
    if (maxRss === undefined) await agent.stop().catch(() => undefined);
  }
}

function fitOrUndefined(
  description: string,
  unit: ScaleFit['unit'],
  features: string[],
  rows: { x: number[]; y: number }[],
): ScaleFit | undefined {
  try {
    return { description, unit, features, fit: leastSquares(rows) };
  } catch {
    return undefined; // too few distinct cells (smoke sizes)
  }
}

/** Runs bench C. */
export async function runScaleBench(options: BenchOptions): Promise<ScaleResult> {
  const sizes = options.smoke ? smokeSizes : fullSizes;
  const runId = Date.now().toString(36);
  const cells: ScaleCell[] = [];
  let profile: ScaleResult['profile'];
  let setOffsetsMs: number | undefined;
  let commitMs = 0;
  let committedGroups = 0;
  let broker = 'none started';
  const largest = { partitions: Math.max(...sizes.partitionLevels), groups: Math.max(...sizes.groupLevels) };

  for (const partitions of sizes.partitionLevels) {
    options.log(`  scale: ${num(partitions)} partitions: starting the broker and writing records`);
    const world = await startWorld(partitions, sizes, runId);
    broker = describeBroker(world.broker);
    try {
      if (sizes.timeSetOffsets && setOffsetsMs === undefined)
        setOffsetsMs = await timeSetOffsets(world, runId);
      for (const groups of sizes.groupLevels) {
        const { committed: groupPartitions, elapsedMs } = await commitGroups(world, groups, runId, sizes);
        commitMs += elapsedMs;
        committedGroups += groups;
        options.log(
          `  scale: ${num(partitions)} partitions, ${num(groups)} groups (${num(groupPartitions)} committed)`,
        );
        const isLargest = partitions === largest.partitions && groups === largest.groups;
        const measured = await measureCell(
          world,
          groups,
          groupPartitions,
          runId,
          sizes,
          isLargest ? sizes.profileCycles : 0,
        );
        cells.push(measured.cell);
        if (measured.profile !== undefined) profile = { ...measured.profile, partitions, groups };
      }
    } finally {
      await world.cluster.disconnect().catch(() => undefined);
      await world.broker.stop();
    }
  }

  const work = (cell: ScaleCell) => [1, cell.partitions, cell.groups, cell.groupPartitions];
  const fits = [
    fitOrUndefined(
      'warm cycle',
      'ms',
      ['fixed', 'per partition', 'per group', 'per group-partition'],
      cells.map((cell) => ({ x: work(cell), y: cell.warmCycleMs.median })),
    ),
    fitOrUndefined(
      'cold cycle, start-up included',
      'ms',
      ['fixed', 'per partition', 'per group', 'per group-partition'],
      cells.map((cell) => ({ x: work(cell), y: cell.coldCycleMs })),
    ),
    fitOrUndefined(
      '/metrics first render',
      'ms',
      ['fixed', 'per 1,000 samples'],
      cells.map((cell) => ({ x: [1, cell.scrapeSamples / 1000], y: cell.firstScrapeMs.median })),
    ),
    fitOrUndefined(
      'agent RSS after cycles',
      'MB',
      ['fixed', 'per 1,000 group-partitions'],
      cells.map((cell) => ({ x: [1, cell.groupPartitions / 1000], y: cell.rssAfter / 1e6 })),
    ),
  ].filter((fit): fit is ScaleFit => fit !== undefined);

  return {
    sizes,
    broker,
    cells,
    fits,
    profile,
    commitMethod: {
      description:
        'one OffsetCommit per group (generation -1, no member id: an admin-style commit into an empty group) sent to ' +
        'the group coordinator through kafkajs’s internal cluster, 8 groups at a time; read back with admin.fetchOffsets',
      setOffsetsMs,
      directCommitMs: commitMs / committedGroups,
    },
  };
}

function goal(met: boolean): string {
  return met ? '**met**' : '**missed**';
}

function coefficient(value: number, unit: string): string {
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 1 ? 2 : 4;
  return `${num(value, digits)} ${unit}`;
}

/** Renders bench C for the report. */
export function renderScale(result: ScaleResult): Section {
  const { sizes } = result;
  const table: Table = {
    caption: 'Agent scale (one agent process per row)',
    headers: [
      'partitions',
      'groups',
      'committed group-partitions',
      'cold cycle (ms)',
      'warm cycle (ms)',
      'agent CPU / warm cycle (ms)',
      'broker CPU / warm cycle (ms)',
      '/metrics first render (ms)',
      '/metrics cached (ms)',
      '/metrics samples',
      'RSS before start → after',
      'peak RSS',
    ],
    rows: result.cells.map((cell) => [
      num(cell.partitions),
      num(cell.groups),
      num(cell.groupPartitions) + (cell.problems.length > 0 ? ' ⚠' : ''),
      num(cell.coldCycleMs),
      range(cell.warmCycleMs),
      range(cell.agentCpuMsPerWarmCycle),
      range(cell.brokerCpuMsPerWarmCycle),
      range(cell.firstScrapeMs, 1),
      range(cell.cachedScrapeMs, 1),
      num(cell.scrapeSamples),
      `${megabytes(cell.rssBeforeStart)} → ${megabytes(cell.rssAfter)}`,
      megabytes(cell.maxRss),
    ]),
  };
  const fitTable: Table = {
    caption: 'Fitted cost (least squares over the rows above)',
    headers: ['measure', 'fitted model', 'R²'],
    rows: result.fits.map(({ description, unit, features, fit }) => [
      `${description} (${unit})`,
      fit.coefficients.map((value, index) => coefficient(value, `${unit} ${features[index]!}`)).join(' + '),
      num(fit.rSquared, 3),
    ]),
  };

  const notes: string[] = [];
  const target = result.cells.find((cell) => cell.partitions === 10_000 && cell.groups === 1_000);
  if (target !== undefined) {
    const rss = Math.max(target.maxRss, target.rssAfter);
    notes.push(
      `Goal "lag collection, 1,000 groups / 10,000 partitions ≤ 2 s": warm cycle ${num(target.warmCycleMs.median)} ms ` +
        `(${goal(target.warmCycleMs.median <= 2000)}), cold cycle with start-up ${num(target.coldCycleMs)} ms (${goal(target.coldCycleMs <= 2000)}).`,
      `Goal "/metrics ≤ 100 ms": first render after a cycle ${num(target.firstScrapeMs.median, 1)} ms ` +
        `(${goal(target.firstScrapeMs.median <= 100)}), cached ${num(target.cachedScrapeMs.median, 1)} ms (${goal(target.cachedScrapeMs.median <= 100)}), ` +
        `${num(target.scrapeSamples)} samples, ${megabytes(target.scrapeBytes)}.`,
      `Goal "agent RSS ≤ 200 MB": peak ${megabytes(rss)} (${goal(rss <= 200e6)}); ${megabytes(target.rssBeforeStart)} of it is ` +
        'Node.js, tsx and the agent’s code before the agent starts.',
    );
  }
  const warmFit = result.fits.find((fit) => fit.description.startsWith('warm'));
  if (warmFit !== undefined) {
    const [, perPartition, perGroup, perGroupPartition] = warmFit.fit.coefficients;
    notes.push(
      `A warm cycle costs about ${coefficient(perGroup ?? Number.NaN, 'ms')} per group, ${coefficient(perPartition ?? Number.NaN, 'ms')} ` +
        `per partition and ${coefficient(perGroupPartition ?? Number.NaN, 'ms')} per committed group-partition (R² ${num(warmFit.fit.rSquared, 3)}).`,
    );
  }
  // The fit is linear; the marginal cost between partition levels shows whether growth is.
  const fewestGroups = Math.min(...sizes.groupLevels);
  const column = result.cells
    .filter((cell) => cell.groups === fewestGroups)
    .sort((a, b) => a.partitions - b.partitions);
  if (column.length >= 3) {
    const marginal = column.slice(1).map((cell, index) => {
      const previous = column[index]!;
      const perPartition =
        (cell.warmCycleMs.median - previous.warmCycleMs.median) / (cell.partitions - previous.partitions);
      return `${num(previous.partitions)} → ${num(cell.partitions)}: ${coefficient(perPartition, 'ms')}`;
    });
    notes.push(
      `Marginal warm-cycle cost per added partition at ${num(fewestGroups)} groups: ${marginal.join('; ')}. ` +
        'A rising marginal cost means growth faster than linear, which the linear fit above averages away.',
    );
  }
  if (result.profile !== undefined) {
    const { profile } = result;
    const categories = profile.categories
      .slice(0, 5)
      .map((entry) => `${entry.name} ${num(entry.share * 100, 0)}%`)
      .join(', ');
    const functions = profile.functions
      .slice(0, 5)
      .map((entry) => `\`${entry.name}\` ${num(entry.share * 100, 0)}%`)
      .join(', ');
    notes.push(
      `Dominant cost (CPU profile of the agent over ${count(sizes.profileCycles, 'warm cycle')} and their scrapes at ${num(profile.partitions)} ` +
        `partitions / ${num(profile.groups)} groups): the agent was idle, waiting for the broker, ${num(profile.idleShare * 100, 0)}% ` +
        `of the time; its busy time went to ${categories}. Top functions: ${functions}.`,
    );
  }
  for (const cell of result.cells) {
    if (cell.problems.length > 0) {
      notes.push(
        `⚠ ${num(cell.partitions)} partitions / ${num(cell.groups)} groups is not valid: ${cell.problems.join('; ')}.`,
      );
    }
  }
  const { commitMethod } = result;
  notes.push(
    `Groups were set up with ${commitMethod.description}: ${num(commitMethod.directCommitMs, 1)} ms per group. ` +
      (commitMethod.setOffsetsMs === undefined
        ? 'admin.setOffsets was not timed in this run.'
        : `kafkajs admin.setOffsets took ${num(commitMethod.setOffsetsMs)} ms for one group (it joins the group with a ` +
          'consumer and waits for its first fetch), too slow for thousands of groups.'),
    'Limits: groups have commits but no live members (so describe returns Empty groups and no assignments are ' +
      'decoded), and warm cycles see no commit move (record timestamps come from the cache); the cold cycle fetches every ' +
      'timestamp, the bound for a cycle where every commit moved. The agent, the broker and this bench share two cores.',
  );

  return {
    title: 'Agent scale',
    broker: result.broker,
    intro: [
      `For each partition count a test broker (${count(sizes.brokers, 'broker')}) holds topics of ${sizes.partitionsPerTopic} partitions ` +
        '(replication factor 1) ' +
        `with ${count(sizes.recordsPerPartition, 'record')} in every partition. For each group count, groups commit offset ` +
        `${sizes.committedOffset} on every partition (with fewer groups than topics each group takes every n-th topic, ` +
        'otherwise group i takes topic i mod topics), so every group lags. An agent runs in a process of its own, through ' +
        '`parseAgentConfig` / `startAgent` / `collectNow`, selecting the level’s groups with its allow-list: one cold cycle ' +
        `(start-up included), then ${count(sizes.warmCycles, 'warm cycle')}, each followed by two GET /metrics (the first renders ` +
        'the new snapshot, the second is served from the rendered text).',
    ],
    tables: [table, fitTable],
    notes,
  };
}
