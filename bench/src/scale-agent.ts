/**
 * The agent process of the scale and ingest benches: runs the streamops agent through its
 * public API and answers the bench's commands (see scale-protocol.ts). A process of its
 * own, so its memory and CPU are the agent's and nothing else's. Started by
 * agent-process.ts with Node's IPC channel.
 */
import { httpGetText } from '../../test/support/http-get';
import { Session } from 'node:inspector/promises';
import { parseAgentConfig, startAgent, type RunningAgent } from '@streamops/agent';
import { summarizeProfile } from './cpu-profile';
import { ownCpuMs } from './proc';
import { type MemoryStats, type ScaleCommand, type ScaleReply, type SnapshotStats } from './scale-protocol';

let agent: RunningAgent | undefined;

function memory(): MemoryStats {
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heapUsed };
}

function running(): RunningAgent {
  if (agent === undefined) throw new Error('the agent is not started');
  return agent;
}

function snapshotStats(current: RunningAgent): SnapshotStats {
  const [snapshot] = current.snapshots();
  if (snapshot === undefined) throw new Error('the agent has no cluster');
  let committedPartitions = 0;
  let partitionsWithLagSeconds = 0;
  for (const group of snapshot.groups) {
    for (const partition of group.partitions) {
      if (partition.committedOffset !== null) committedPartitions++;
      if (partition.lagSeconds !== null) partitionsWithLagSeconds++;
    }
  }
  return {
    groups: snapshot.groups.length,
    committedPartitions,
    partitionsWithLagSeconds,
    collectorUp: snapshot.health.up,
    lastError: snapshot.health.lastError,
  };
}

/** Times `action`: wall and this process's CPU, ms. */
async function timed(action: () => Promise<void>): Promise<{ wallMs: number; cpuMs: number }> {
  const cpu = ownCpuMs();
  const started = performance.now();
  await action();
  return { wallMs: performance.now() - started, cpuMs: ownCpuMs() - cpu };
}

/**
 * GET `path` with node:http (global fetch would load undici on first use, inside the
 * timing), on a new connection: the server closes idle kept-alive connections after 5 s,
 * and a long cycle would make a reused one fail.
 */
function get(current: RunningAgent, path: string): Promise<{ status: number; body: string }> {
  return httpGetText(`${current.url}${path}`);
}

/** One GET /metrics, as Prometheus does it: the whole body. */
async function scrape(current: RunningAgent): Promise<{ wallMs: number; bytes: number; samples: number }> {
  const started = performance.now();
  const { status, body } = await get(current, '/metrics');
  const wallMs = performance.now() - started;
  if (status !== 200) throw new Error(`GET /metrics: HTTP ${status}`);
  let samples = 0;
  for (const line of body.split('\n')) if (line !== '' && !line.startsWith('#')) samples++;
  return { wallMs, bytes: Buffer.byteLength(body), samples };
}

/** Runs `action` under the V8 CPU profiler and summarises where the time went. */
async function profiled(action: () => Promise<void>): Promise<ScaleReply> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
    const { wallMs, cpuMs } = await timed(action);
    const { profile: recorded } = await session.post('Profiler.stop');
    // A profiler started in process records no idle samples: idle is what the CPU time leaves of the wall time.
    const idleShare = Math.min(1, Math.max(0, 1 - cpuMs / wallMs));
    return { type: 'profiled', summary: { ...summarizeProfile(recorded), idleShare } };
  } finally {
    session.disconnect();
  }
}

function profile(current: RunningAgent, cycles: number): Promise<ScaleReply> {
  return profiled(async () => {
    for (let cycle = 0; cycle < cycles; cycle++) {
      await current.collectNow();
      await scrape(current);
      await scrape(current);
    }
  });
}

async function handle(command: ScaleCommand): Promise<ScaleReply> {
  switch (command.type) {
    case 'start': {
      const idle = memory();
      const config = parseAgentConfig(command.config, 'scale bench');
      // startAgent begins the first cycle at once; collectNow joins it, so this times start-up plus a cold cycle.
      const { wallMs, cpuMs } = await timed(async () => {
        agent = await startAgent(config);
        await agent.collectNow();
      });
      // Loads and warms the HTTP client code, so that the first scrape does not pay for it.
      await get(running(), '/healthz');
      return {
        type: 'started',
        url: running().url,
        idle,
        wallMs,
        cpuMs,
        snapshot: snapshotStats(running()),
        memory: memory(),
      };
    }
    case 'cycle': {
      const current = running();
      const { wallMs, cpuMs } = await timed(() => current.collectNow());
      return { type: 'cycled', wallMs, cpuMs, snapshot: snapshotStats(current), memory: memory() };
    }
    case 'scrape':
      return { type: 'scraped', ...(await scrape(running())), memory: memory() };
    case 'profile':
      return profile(running(), command.cycles);
    case 'profileFor':
      running();
      return profiled(() => new Promise((resolveWait) => setTimeout(resolveWait, command.ms)));
    case 'stop':
      await agent?.stop();
      agent = undefined;
      // maxRSS is in kilobytes.
      return { type: 'stopped', maxRss: process.resourceUsage().maxRSS * 1024 };
  }
}

process.on('message', (command: ScaleCommand) => {
  handle(command).then(
    (reply) =>
      process.send?.(reply, undefined, {}, () => (reply.type === 'stopped' ? process.exit(0) : undefined)),
    (error: unknown) =>
      process.send?.({
        type: 'failed',
        message: error instanceof Error ? error.message : String(error),
      } satisfies ScaleReply),
  );
});
// The bench going away must not leave an agent behind.
process.on('disconnect', () => process.exit(0));
