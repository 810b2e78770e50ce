import { type ClusterSource } from '../collector/cluster-source';
import { parseAgentConfig } from '../config/load';
import { ClusterLagStore } from '../storage/cluster-lag-store';
import { startAgent, type RunningAgent } from './agent';

const emptyCluster: ClusterSource = {
  listGroups: () => Promise.resolve([]),
  describeGroups: () => Promise.resolve([]),
  fetchCommittedOffsets: () => Promise.resolve([]),
  fetchWatermarks: () => Promise.resolve([]),
  fetchRecordTimestamps: () => Promise.resolve(new Map()),
  close: () => Promise.resolve(),
};

let agent: RunningAgent | undefined;
/** Lines the agent logged in the current test. */
const logged: string[] = [];

afterEach(async () => {
  jest.restoreAllMocks();
  await agent?.stop();
  agent = undefined;
});

async function startWithEmptyCluster(): Promise<RunningAgent> {
  agent = await startAgent(
    parseAgentConfig({
      clusters: [{ name: 'local', brokers: ['127.0.0.1:9092'] }],
      collection: { intervalSeconds: 3600 },
      server: { host: '127.0.0.1', port: 0 },
    }),
    { createSource: () => emptyCluster, log: (line) => logged.push(line) },
  );
  return agent;
}

describe('the agent runtime', () => {
  beforeEach(() => {
    logged.length = 0;
  });

  it('marks the collector down with the reason when a cycle cannot be evaluated', async () => {
    const running = await startWithEmptyCluster();
    await running.collectNow();
    expect(running.snapshots()[0]?.health.up).toBe(true);

    jest.spyOn(ClusterLagStore.prototype, 'apply').mockImplementation(() => {
      throw new RangeError('record timestamp must be a finite number ≥ 0');
    });
    await running.collectNow();
    const health = running.snapshots()[0]?.health;
    expect(health?.up).toBe(false);
    expect(health?.lastError).toBe(
      'evaluating the cycle failed: record timestamp must be a finite number ≥ 0',
    );
    expect(health?.failedCycles).toBe(1);
    expect(logged).toEqual([
      'streamops-agent: collection failed: cluster "local": evaluating the cycle failed: record timestamp must be a finite number ≥ 0',
    ]);
  });

  it('logs a failed cycle once per distinct error, with the cluster named, and logs the recovery', async () => {
    const lines: string[] = [];
    let failure: Error | null = new Error('connect ECONNREFUSED 127.0.0.1:9092');
    const flaky: ClusterSource = {
      ...emptyCluster,
      listGroups: () => (failure ? Promise.reject(failure) : Promise.resolve([])),
    };
    agent = await startAgent(
      parseAgentConfig({
        clusters: [{ name: 'local', brokers: ['127.0.0.1:9092'] }],
        collection: { intervalSeconds: 3600 },
        server: { host: '127.0.0.1', port: 0 },
      }),
      { createSource: () => flaky, log: (line) => lines.push(line) },
    );
    await agent.collectNow();
    await agent.collectNow();
    failure = new Error('something else');
    await agent.collectNow();
    failure = null;
    await agent.collectNow();
    await agent.collectNow();
    expect(lines).toEqual([
      'streamops-agent: collection failed: cluster "local": connect ECONNREFUSED 127.0.0.1:9092',
      'streamops-agent: collection failed: cluster "local": something else',
      'streamops-agent: collection recovered: cluster "local" is up',
    ]);
    expect(agent.snapshots()[0]?.health).toMatchObject({ up: true, failedCycles: 3 });
  });
});
