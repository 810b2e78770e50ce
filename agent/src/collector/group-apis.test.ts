import { KafkaGroupApis } from './group-apis';
import { type ApiVersionRange } from './kafka-protocol/api';
import { compactArray, compactString, concat, int16, int32, noTags } from './kafka-protocol/fixtures/bytes';
import { WireReader } from './kafka-protocol/wire';
import { type KafkajsBroker, type KafkajsCluster } from './kafkajs-internals';

/** Group ids of a ConsumerGroupDescribe request payload (header tags, then the body). */
function requestedGroups(payload: Buffer): string[] {
  const reader = new WireReader(payload, 'request');
  reader.taggedFields('request header');
  return reader.compactArray('GroupIds', (item) => item.compactString('GroupIds[]'));
}

function describedGroup(groupId: string): Buffer {
  return concat(
    int16(0),
    compactString(null),
    compactString(groupId),
    compactString('Stable'),
    int32(1),
    int32(1),
    compactString('uniform'),
    compactArray([]),
    int32(-2147483648),
    noTags,
  );
}

function listedGroup(groupId: string): Buffer {
  return concat(
    compactString(groupId),
    compactString('consumer'),
    compactString('Stable'),
    compactString('consumer'),
    noTags,
  );
}

interface FakeNode {
  readonly versions: Record<number, ApiVersionRange>;
  /** Groups this node coordinates. */
  readonly groups: readonly string[];
  /** Leaves these out of its ConsumerGroupDescribe answers. */
  readonly forgets?: readonly string[];
}

function fakeCluster(nodes: Record<string, FakeNode>): { cluster: KafkajsCluster; requests: string[] } {
  const requests: string[] = [];
  const brokers = new Map<string, KafkajsBroker>();
  for (const [nodeId, node] of Object.entries(nodes)) {
    brokers.set(nodeId, {
      nodeId: Number(nodeId),
      versions: node.versions,
      disconnect: () => Promise.resolve(),
      listOffsets: () => Promise.reject(new Error('unused')),
      fetch: () => Promise.reject(new Error('unused')),
      connectionPool: {
        async send<T>(protocol: Parameters<KafkajsBroker['connectionPool']['send']>[0]): Promise<T> {
          const payload = (await protocol.request.encode()).buffer;
          let body: Buffer;
          if (protocol.request.apiKey === 16) {
            requests.push(`${nodeId} ListGroups`);
            body = concat(int32(0), int16(0), compactArray(node.groups.map(listedGroup)), noTags);
          } else {
            const ids = requestedGroups(payload);
            requests.push(`${nodeId} ${protocol.request.apiName} ${ids.join(',')}`);
            const answered = ids.filter((id) => !(node.forgets ?? []).includes(id));
            body = concat(int32(0), compactArray(answered.map(describedGroup)), noTags);
          }
          const decoded = await protocol.response.decode(concat(noTags, body));
          return (await protocol.response.parse(decoded)) as T;
        },
      },
    });
  }
  const broker = (nodeId: string): KafkajsBroker => {
    const found = brokers.get(nodeId);
    if (!found) throw new Error(`no broker ${nodeId}`);
    return found;
  };
  const cluster: KafkajsCluster = {
    connect: () => Promise.resolve(),
    disconnect: () => Promise.resolve(),
    addMultipleTargetTopics: () => Promise.resolve(),
    refreshMetadataIfNecessary: () => Promise.resolve(),
    refreshMetadata: () => Promise.resolve(),
    findLeaderForPartitions: () => ({}),
    findTopicPartitionMetadata: () => [],
    getNodeIds: () => Object.keys(nodes),
    findBroker: ({ nodeId }) => Promise.resolve(broker(nodeId)),
    findGroupCoordinator: ({ groupId }) => {
      const nodeId = Object.keys(nodes).find((id) => nodes[id]?.groups.includes(groupId));
      return nodeId === undefined
        ? Promise.reject(new Error(`no coordinator for ${groupId}`))
        : Promise.resolve(broker(nodeId));
    },
  };
  return { cluster, requests };
}

const modern = { 16: { minVersion: 0, maxVersion: 5 }, 69: { minVersion: 0, maxVersion: 1 } };

describe('KafkaGroupApis', () => {
  it('lists the groups of every broker with ListGroups v5', async () => {
    const { cluster, requests } = fakeCluster({
      '1': { versions: modern, groups: ['a'] },
      '2': { versions: modern, groups: ['b', 'c'] },
    });
    const groups = await new KafkaGroupApis(cluster).listGroups();
    expect(groups?.map((group) => group.groupId)).toEqual(['a', 'b', 'c']);
    expect(requests.sort()).toEqual(['1 ListGroups', '2 ListGroups']);
  });

  it('says unsupported (null) without sending anything when a broker lacks ListGroups v5', async () => {
    const { cluster, requests } = fakeCluster({
      '1': { versions: modern, groups: ['a'] },
      '2': { versions: { 16: { minVersion: 0, maxVersion: 4 } }, groups: ['b'] },
    });
    expect(await new KafkaGroupApis(cluster).listGroups()).toBeNull();
    expect(requests).toEqual([]);
  });

  it('describes consumer groups with one request per coordinator, leaving those whose coordinator lacks the API', async () => {
    const { cluster, requests } = fakeCluster({
      '1': { versions: modern, groups: ['a', 'b'] },
      '2': { versions: { 16: { minVersion: 0, maxVersion: 5 } }, groups: ['c'] },
    });
    const answers = await new KafkaGroupApis(cluster).describeConsumerGroups(['a', 'c', 'b']);
    expect(answers.described.map((group) => group.groupId)).toEqual(['a', 'b']);
    expect(answers.unsupported).toEqual(['c']);
    expect(requests).toEqual(['1 ConsumerGroupDescribe a,b']);
  });

  it('rejects when a coordinator leaves a group out of its answer', async () => {
    const { cluster } = fakeCluster({ '1': { versions: modern, groups: ['a', 'b'], forgets: ['b'] } });
    await expect(new KafkaGroupApis(cluster).describeConsumerGroups(['a', 'b'])).rejects.toThrow(
      'ConsumerGroupDescribe v1 on broker 1 did not answer for group(s) b (it answered for "a")',
    );
  });
});
