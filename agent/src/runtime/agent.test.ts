import { type ClusterSource } from '../collector/cluster-source';
import { emptyClusterSource } from '../collector/fixtures/empty-cluster-source';
import { parseAgentConfig } from '../config/load';
import { PipelineView } from '../pipelines/pipeline-view';
import { ClusterLagStore } from '../storage/cluster-lag-store';
import { startAgent, type RunningAgent } from './agent';

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
    { createSource: emptyClusterSource, log: (line) => logged.push(line) },
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
      ...emptyClusterSource(),
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

  it('serves the last good text of a part that fails to render, and counts, logs and shows the failure', async () => {
    const running = await startWithEmptyCluster();
    await running.collectNow();
    const before = await (await fetch(`${running.url}/metrics`)).text();
    expect(before).toContain('streamops_pipelines_degraded{reason="non_finite_input"} 0');
    expect(before).toContain('streamops_agent_internal_errors_total{part="render"} 0');

    jest.spyOn(PipelineView.prototype, 'degradedCounts').mockImplementation(() => {
      throw new Error('boom');
    });
    await running.collectNow();
    const after = await (await fetch(`${running.url}/metrics`)).text();
    // The lag part is rebuilt (two cycles now), the pipelines part is its last good text.
    expect(after).toContain('streamops_collector_cycles_total{cluster="local",result="success"} 2');
    expect(after).toContain('streamops_pipelines_degraded{reason="non_finite_input"} 0');
    expect(after).toContain('streamops_agent_internal_errors_total{part="render"} 1');
    expect(after.match(/^# TYPE streamops_pipelines_degraded /gm)).toHaveLength(1);
    expect(logged).toContain('streamops-agent: internal error (render): pipelines: boom');
    const health = (await (await fetch(`${running.url}/healthz`)).json()) as {
      status: string;
      parts: Record<string, { state: string; lastError: string | null }>;
    };
    expect(health.status).toBe('degraded');
    expect(health.parts.render).toMatchObject({ state: 'failing', lastError: 'pipelines: boom' });
    expect(health.parts.cluster_cycle).toMatchObject({ state: 'ok' });

    jest.restoreAllMocks();
    await running.collectNow();
    await fetch(`${running.url}/metrics`);
    const healed = (await (await fetch(`${running.url}/healthz`)).json()) as { status: string };
    expect(healed.status).toBe('ok');
    expect(logged).toContain('streamops-agent: internal error cleared (render): pipelines');
  });

  it('counts and logs a pipeline-view update that throws, once per message, and keeps the lag updating', async () => {
    const running = await startWithEmptyCluster();
    jest.spyOn(PipelineView.prototype, 'update').mockImplementation(() => {
      throw new Error('view broke');
    });
    await running.collectNow();
    await running.collectNow();
    const text = await (await fetch(`${running.url}/metrics`)).text();
    expect(text).toContain('streamops_agent_internal_errors_total{part="pipeline_view"} 2');
    expect(text).toContain('streamops_collector_cycles_total{cluster="local",result="success"} 2');
    expect(logged.filter((line) => line.includes('view broke'))).toEqual([
      'streamops-agent: internal error (pipeline_view): view broke',
    ]);
    expect(running.snapshots()[0]?.health.up).toBe(true);
  });
});
