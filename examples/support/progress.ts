import { type ExampleCluster } from './kafka';

/** Committed and end offsets of a group on one topic, summed over partitions. */
export interface GroupProgress {
  readonly committed: number;
  readonly end: number;
}

/** Reads how far `group` has committed on `topic` against the topic's end offsets. */
export async function groupProgress(
  cluster: ExampleCluster,
  group: string,
  topic: string,
): Promise<GroupProgress> {
  const admin = cluster.kafka('streamops-example-progress').admin();
  await admin.connect();
  try {
    const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    const ends = await admin.fetchTopicOffsets(topic);
    const committedByPartition = new Map(
      (committed?.partitions ?? []).map((partition) => [
        partition.partition,
        Math.max(0, Number(partition.offset)),
      ]),
    );
    let committedTotal = 0;
    let endTotal = 0;
    for (const end of ends) {
      endTotal += Number(end.high);
      committedTotal += Math.min(Number(end.high), committedByPartition.get(end.partition) ?? 0);
    }
    return { committed: committedTotal, end: endTotal };
  } finally {
    await admin.disconnect();
  }
}

/** Waits until `group` has committed everything on `topic`, or fails after `timeoutMs` saying how far it got. */
export async function waitForGroupToCatchUp(
  cluster: ExampleCluster,
  group: string,
  topic: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const progress = await groupProgress(cluster, group, topic);
    if (progress.committed >= progress.end) return;
    if (Date.now() > deadline) {
      throw new Error(
        `group ${group} committed ${progress.committed} of ${progress.end} messages on ${topic} within ${timeoutMs} ms`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
