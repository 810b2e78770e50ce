import { Kafka, type KafkaConfig } from 'kafkajs';
import { mapWithConcurrency } from './concurrency';
import { isGroupAuthorisationFailure } from './connection-error';
import { internalClusterFactory, type KafkajsBroker } from './kafkajs-internals';
import { kafkajsConfig } from './kafkajs-source';
import { type ClusterConfig } from '../config/schema';
import { type DeniedGroupsProbe } from './explaining-source';

/** kafkajs 2.x's Broker.findGroupCoordinator (src/broker/index.js): FindCoordinator to this broker, errors thrown as they come. */
interface FindCoordinatorBroker {
  findGroupCoordinator(request: { groupId: string; coordinatorType: number }): Promise<unknown>;
}

function canFindCoordinator(broker: KafkajsBroker): broker is KafkajsBroker & FindCoordinatorBroker {
  return typeof (broker as Partial<FindCoordinatorBroker>).findGroupCoordinator === 'function';
}

const GROUP_COORDINATOR = 0;

/** Limits of one probe: it runs only after a failed cycle, and must stay cheap on clusters with many groups. */
export interface GroupProbeOptions {
  /** Groups asked about at most; the rest are not probed. */
  readonly maxGroups: number;
  readonly concurrency: number;
}

/**
 * A probe that asks FindCoordinator for each group on its own short-lived connection. kafkajs
 * turns a refused FindCoordinator into "Failed to find group coordinator" and drops Kafka's
 * answer; asked directly, a broker says GROUP_AUTHORIZATION_FAILED when the principal may not
 * DESCRIBE the group. Any other outcome (success, another error, no connection) counts as
 * "not denied", so the probe never invents a cause.
 */
export function findCoordinatorProbe(
  config: () => KafkaConfig,
  options: GroupProbeOptions,
): DeniedGroupsProbe {
  return async (groups) => {
    const cluster = internalClusterFactory(new Kafka(config()))({
      metadataMaxAge: 60_000,
      allowAutoTopicCreation: false,
    });
    try {
      await cluster.connect();
      await cluster.refreshMetadata();
      const nodeId = cluster.getNodeIds()[0];
      if (nodeId === undefined) return [];
      const broker = await cluster.findBroker({ nodeId });
      if (!canFindCoordinator(broker)) return [];
      const probed = groups.slice(0, options.maxGroups);
      const denied = await mapWithConcurrency(probed, options.concurrency, async (groupId) => {
        try {
          await broker.findGroupCoordinator({ groupId, coordinatorType: GROUP_COORDINATOR });
          return false;
        } catch (error) {
          return isGroupAuthorisationFailure(error);
        }
      });
      return probed.filter((_, index) => denied[index]);
    } catch {
      return [];
    } finally {
      await cluster.disconnect().catch(() => undefined);
    }
  };
}

// A probe after a failed cycle asks about this many groups at most (one small request each).
const MAX_PROBED_GROUPS = 256;

/** The probe of one configured cluster: its own kafkajs connection, configured like the collector's. */
export function defaultGroupProbe(
  cluster: ClusterConfig,
  requestTimeoutMs: number,
  concurrency: number,
): DeniedGroupsProbe {
  return findCoordinatorProbe(() => kafkajsConfig(cluster, requestTimeoutMs), {
    maxGroups: MAX_PROBED_GROUPS,
    concurrency,
  });
}
