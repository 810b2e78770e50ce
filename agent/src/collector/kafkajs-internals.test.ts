import {
  compactArray,
  compactString,
  concat,
  hex,
  int16,
  int32,
  noTags,
  oneTag,
} from './kafka-protocol/fixtures/bytes';
import { decodeListGroupsResponse, listGroupsApi } from './kafka-protocol/list-groups';
import { sendFlexibleRequest, type KafkajsBroker } from './kafkajs-internals';

interface SentRequest {
  apiKey: number;
  apiVersion: number;
  apiName: string;
  payload: Buffer;
  throttle: number;
}

/** A broker whose connection pool runs kafkajs's send protocol against a canned answer. */
function fakeBroker(answer: Buffer | Error): KafkajsBroker & { sent: SentRequest[]; disconnects: number } {
  const sent: SentRequest[] = [];
  const broker = {
    nodeId: 1,
    versions: { 16: { minVersion: 0, maxVersion: 5 } },
    sent,
    disconnects: 0,
    disconnect: () => {
      broker.disconnects += 1;
      return Promise.resolve();
    },
    listOffsets: () => Promise.reject(new Error('unused')),
    fetch: () => Promise.reject(new Error('unused')),
    connectionPool: {
      async send<T>(protocol: Parameters<KafkajsBroker['connectionPool']['send']>[0]): Promise<T> {
        const encoder = await protocol.request.encode();
        // kafkajs's writeEncoder checks `buf` and copies `buffer`.
        expect(Buffer.isBuffer(encoder.buf)).toBe(true);
        if (answer instanceof Error) throw answer;
        const decoded = await protocol.response.decode(answer);
        sent.push({
          apiKey: protocol.request.apiKey,
          apiVersion: protocol.request.apiVersion,
          apiName: protocol.request.apiName,
          payload: encoder.buffer,
          throttle: decoded.clientSideThrottleTime,
        });
        return (await protocol.response.parse(decoded)) as T;
      },
    },
  };
  return broker;
}

const request = {
  api: listGroupsApi,
  version: 5,
  body: hex('01 01 00'),
  decode: (body: Buffer) => decodeListGroupsResponse(body, 5),
  throttleTimeMs: (response: { throttleTimeMs: number }) => response.throttleTimeMs,
};

describe('sendFlexibleRequest', () => {
  it('adds request header v2 tags, strips response header v1 tags, and hands kafkajs the throttle time', async () => {
    const body = concat(
      int32(250),
      int16(0),
      compactArray([
        concat(
          compactString('g'),
          compactString('consumer'),
          compactString('Empty'),
          compactString('consumer'),
          noTags,
        ),
      ]),
      noTags,
    );
    const broker = fakeBroker(concat(oneTag(0, hex('aa')), body));
    const response = await sendFlexibleRequest(broker, request);
    expect(response.groups).toEqual([
      { groupId: 'g', protocolType: 'consumer', groupState: 'Empty', groupType: 'consumer' },
    ]);
    expect(broker.sent).toEqual([
      { apiKey: 16, apiVersion: 5, apiName: 'ListGroups', payload: hex('00 01 01 00'), throttle: 250 },
    ]);
  });

  it('rejects with the decoding error, naming the API', async () => {
    await expect(sendFlexibleRequest(fakeBroker(hex('00 0000')), request)).rejects.toThrow(
      /^ListGroups v5 response: truncated reading ThrottleTimeMs/,
    );
  });

  it('passes connection errors on, disconnecting the broker when its connection closed', async () => {
    const closed = Object.assign(new Error('Closed connection'), { name: 'KafkaJSConnectionClosedError' });
    const broker = fakeBroker(closed);
    await expect(sendFlexibleRequest(broker, request)).rejects.toBe(closed);
    expect(broker.disconnects).toBe(1);
    const refused = fakeBroker(new Error('connect ECONNREFUSED'));
    await expect(sendFlexibleRequest(refused, request)).rejects.toThrow('ECONNREFUSED');
    expect(refused.disconnects).toBe(0);
  });
});
