import { parseArgs } from 'node:util';
import { type ClusterSource } from '../collector/cluster-source';
import { collectCycle } from '../collector/collect-cycle';
import { KafkajsClusterSource, kafkajsConfig } from '../collector/kafkajs-source';
import { compileNameFilter } from '../collector/name-filter';
import { ConfigError, loadAgentConfig } from '../config/load';
import { type ClusterConfig } from '../config/schema';
import { connectionFacts, explainingSource, type DeniedGroupsProbe } from '../collector/explaining-source';
import { defaultGroupProbe } from '../collector/group-access-probe';
import { ClusterLagStore } from '../storage/cluster-lag-store';
import { renderLagTable } from './lag-table';

/** Usage of `streamops lag`. */
export const lagUsage = `usage: streamops lag (--brokers host:port[,host:port] | --config agent.yaml) [--cluster name] [--group name]... [--json]

Prints, once, every consumer group's lag per partition: committed offset, log end,
lag in messages and seconds, and status. KAFKA_BROKERS is used when neither
--brokers nor --config is given.`;

/** Output sink, injectable for tests. */
export type Print = (text: string) => void;

/**
 * `streamops lag`: one collection cycle and a table, like `kafka-consumer-groups --describe`
 * with time lag and status. Returns the exit code.
 *
 * @throws {ConfigError} for bad flags or configuration (exit status 2).
 * @throws {ClusterCollectionError} when the cluster cannot be read: its message is one line
 *   naming the cluster, the cause and the fix, with no secret in it (exit status 1).
 */
export async function runLagCommand(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  print: Print,
  createSource: (cluster: ClusterConfig, timeoutMs: number) => ClusterSource = (cluster, timeoutMs) =>
    new KafkajsClusterSource(kafkajsConfig(cluster, timeoutMs)),
  createGroupProbe: (cluster: ClusterConfig, timeoutMs: number) => DeniedGroupsProbe = (cluster, timeoutMs) =>
    defaultGroupProbe(cluster, timeoutMs, 1),
): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        brokers: { type: 'string' },
        config: { type: 'string' },
        cluster: { type: 'string' },
        group: { type: 'string', multiple: true },
        json: { type: 'boolean' },
        help: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new ConfigError(`${(error as Error).message}\n${lagUsage}`);
  }
  if (values.help) {
    print(lagUsage);
    return 0;
  }
  const config = loadAgentConfig({
    argv: [
      ...(values.config ? ['--config', values.config] : []),
      ...(values.brokers ? ['--brokers', values.brokers] : []),
    ],
    env: values.config || values.brokers ? {} : env,
  });
  const cluster = values.cluster
    ? config.clusters.find((candidate) => candidate.name === values.cluster)
    : config.clusters[0];
  if (!cluster) throw new ConfigError(`unknown cluster ${JSON.stringify(values.cluster)}`);

  const wantedGroups = values.group ?? [];
  const { facts, secrets } = connectionFacts(cluster);
  const source = explainingSource(createSource(cluster, config.collection.requestTimeoutMs), {
    facts,
    secrets,
    probeDeniedGroups: createGroupProbe(cluster, config.collection.requestTimeoutMs),
  });
  try {
    const includeGroup = compileNameFilter(cluster.groups);
    const observation = await collectCycle(
      source,
      {
        includeGroup: (group) =>
          includeGroup(group) && (wantedGroups.length === 0 || wantedGroups.includes(group)),
        includeTopic: compileNameFilter(cluster.topics),
        concurrency: config.collection.concurrency,
        nowMs: Date.now,
      },
      new Map(),
    );
    const store = new ClusterLagStore({
      cluster: cluster.name,
      windowSize: config.evaluation.windowSize,
      defaultThresholds: config.evaluation.thresholds.default,
      groupThresholds: [],
      intervalMs: config.collection.intervalSeconds * 1000,
    });
    const snapshot = store.apply(observation, 0);
    const missing = wantedGroups.filter((group) => !snapshot.groups.some((found) => found.group === group));
    if (values.json) print(JSON.stringify(snapshot.groups, null, 2));
    else print(renderLagTable(snapshot.groups));
    if (missing.length > 0) {
      // Kafka lists only the groups the client may DESCRIBE (all of them with DESCRIBE on the cluster).
      print(
        `group(s) not found: ${missing.join(', ')} (a group the client may not describe is not listed either)`,
      );
      return 1;
    }
    return 0;
  } finally {
    await source.close();
  }
}
