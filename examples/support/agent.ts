import { parseAgentConfig, startAgent, type RunningAgent } from '@streamops/agent';
import { type ExampleCluster } from './kafka';
import { type Lifecycle } from './lifecycle';

/** Options of {@link startExampleAgent}. */
export interface ExampleAgentOptions {
  /** Cluster name in the agent's API and series. */
  readonly clusterName: string;
  /** HTTP port on 127.0.0.1; 0 picks a free one. */
  readonly port: number;
  readonly collectionIntervalSeconds?: number;
  /** Window of the pipeline model's rates. */
  readonly pipelineWindowSeconds?: number;
  /** Lag thresholds (seconds) of the threshold status. */
  readonly warnSeconds?: number;
  readonly errSeconds?: number;
}

/** Starts the streamops agent in this process, collecting from `cluster`; stopped with `lifecycle`. */
export async function startExampleAgent(
  lifecycle: Lifecycle,
  cluster: ExampleCluster,
  options: ExampleAgentOptions,
): Promise<RunningAgent> {
  const agent = await startAgent(
    parseAgentConfig({
      clusters: [{ name: options.clusterName, brokers: [...cluster.bootstrap] }],
      collection: { intervalSeconds: options.collectionIntervalSeconds ?? 2 },
      evaluation: {
        thresholds: {
          default: { warnSeconds: options.warnSeconds ?? 5, errSeconds: options.errSeconds ?? 20 },
        },
      },
      server: { host: '127.0.0.1', port: options.port },
      pipelines: { windowSeconds: options.pipelineWindowSeconds ?? 10 },
    }),
  );
  lifecycle.onStop('the agent', () => agent.stop());
  return agent;
}
