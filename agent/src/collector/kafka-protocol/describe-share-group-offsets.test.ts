import {
  decodeDescribeShareGroupOffsetsResponse,
  encodeDescribeShareGroupOffsetsRequest,
} from './describe-share-group-offsets';
import {
  compactArray,
  compactString,
  concat,
  hex,
  int16,
  int32,
  int64,
  noTags,
  sampleUuid,
} from './fixtures/bytes';

function partition(version: number, index: number, startOffset: number, lag: number, errorCode = 0): Buffer {
  return concat(
    int32(index),
    int64(startOffset),
    int32(0), // LeaderEpoch
    version >= 1 ? int64(lag) : Buffer.alloc(0), // Lag (v1+)
    int16(errorCode),
    compactString(errorCode === 0 ? null : 'unknown topic'),
    noTags,
  );
}

function response(version: number): Buffer {
  return concat(
    int32(0),
    compactArray([
      concat(
        compactString('workers'),
        compactArray([
          concat(
            compactString('jobs'),
            sampleUuid,
            compactArray([
              partition(version, 0, 100, 40),
              partition(version, 1, -1, -1),
              partition(version, 2, 0, 0, 3),
            ]),
            noTags,
          ),
        ]),
        int16(0),
        compactString(null),
        noTags,
      ),
    ]),
    noTags,
  );
}

describe('DescribeShareGroupOffsets', () => {
  it('encodes all topic-partitions as a null topics array, or the given ones', () => {
    const workers = Buffer.from('workers').toString('hex');
    expect(
      encodeDescribeShareGroupOffsetsRequest({ groups: [{ groupId: 'workers', topics: null }] }, 1),
    ).toEqual(hex(`02 08${workers} 00 00 00`));
    expect(
      encodeDescribeShareGroupOffsetsRequest(
        { groups: [{ groupId: 'workers', topics: [{ topicName: 'jobs', partitions: [0, 1] }] }] },
        0,
      ),
    ).toEqual(
      hex(`02 08${workers} 02 05${Buffer.from('jobs').toString('hex')} 03 00000000 00000001 00 00 00`),
    );
  });

  it('decodes v1 start offsets and lags, keeping -1 and per-partition errors as Kafka sent them', () => {
    const [group] = decodeDescribeShareGroupOffsetsResponse(response(1), 1).groups;
    expect(group).toEqual({
      groupId: 'workers',
      errorCode: 0,
      errorMessage: null,
      topics: [
        {
          topicName: 'jobs',
          topicId: 'AAECAwQFBgcICQoLDA0ODw',
          partitions: [
            {
              partitionIndex: 0,
              startOffset: 100,
              leaderEpoch: 0,
              lag: 40,
              errorCode: 0,
              errorMessage: null,
            },
            { partitionIndex: 1, startOffset: -1, leaderEpoch: 0, lag: -1, errorCode: 0, errorMessage: null },
            {
              partitionIndex: 2,
              startOffset: 0,
              leaderEpoch: 0,
              lag: 0,
              errorCode: 3,
              errorMessage: 'unknown topic',
            },
          ],
        },
      ],
    });
  });

  it('decodes v0, which has no lag, as lag -1', () => {
    const [group] = decodeDescribeShareGroupOffsetsResponse(response(0), 0).groups;
    expect(group?.topics[0]?.partitions.map((p) => [p.startOffset, p.lag])).toEqual([
      [100, -1],
      [-1, -1],
      [0, -1],
    ]);
  });

  it('fails with the API name on every truncation', () => {
    const body = response(1);
    for (let length = 0; length < body.length; length++) {
      expect(() => decodeDescribeShareGroupOffsetsResponse(body.subarray(0, length), 1)).toThrow(
        /^DescribeShareGroupOffsets v1 response: /,
      );
    }
    // v1 bytes read as v0: the lag's bytes are taken for the error code and what follows.
    expect(() => decodeDescribeShareGroupOffsetsResponse(body, 0)).toThrow(
      /^DescribeShareGroupOffsets v0 response: /,
    );
  });
});
