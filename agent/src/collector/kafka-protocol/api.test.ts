import {
  chooseApiVersion,
  describeErrorCode,
  flexibleRequestPayload,
  flexibleResponseBody,
  type KafkaApi,
} from './api';
import { concat, hex, oneTag } from './fixtures/bytes';

const api: KafkaApi = { key: 69, name: 'ConsumerGroupDescribe', minVersion: 0, maxVersion: 1 };

describe('chooseApiVersion', () => {
  it('takes the highest version both sides implement', () => {
    expect(chooseApiVersion(api, { minVersion: 0, maxVersion: 1 })).toBe(1);
    expect(chooseApiVersion(api, { minVersion: 0, maxVersion: 0 })).toBe(0);
    expect(chooseApiVersion(api, { minVersion: 0, maxVersion: 7 })).toBe(1);
  });

  it('says null (take the classic path) when the broker lacks the API or the ranges do not meet', () => {
    expect(chooseApiVersion(api, undefined)).toBeNull();
    expect(chooseApiVersion(api, { minVersion: 2, maxVersion: 3 })).toBeNull();
    expect(
      chooseApiVersion({ ...api, minVersion: 5, maxVersion: 5 }, { minVersion: 0, maxVersion: 4 }),
    ).toBeNull();
  });
});

describe('flexible headers over kafkajs framing', () => {
  it('starts the payload with request header v2 empty tagged fields, after the v1 header kafkajs writes', () => {
    expect(flexibleRequestPayload(hex('0102'))).toEqual(hex('00 0102'));
  });

  it('skips response header v1 tagged fields, empty or not', () => {
    expect(flexibleResponseBody(hex('00 abcd'), 'X v0 response')).toEqual(hex('abcd'));
    expect(flexibleResponseBody(concat(oneTag(0, hex('ffff')), hex('abcd')), 'X v0 response')).toEqual(
      hex('abcd'),
    );
    expect(() => flexibleResponseBody(hex(''), 'ListGroups v5 response')).toThrow(
      'ListGroups v5 response: truncated reading response header tagged fields (needs 1 bytes at byte 0, 0 left)',
    );
  });
});

describe('describeErrorCode', () => {
  it('names the codes the group APIs answer with', () => {
    expect(describeErrorCode(16)).toBe('NOT_COORDINATOR (16)');
    expect(describeErrorCode(69)).toBe('GROUP_ID_NOT_FOUND (69)');
    expect(describeErrorCode(12345)).toBe('error 12345');
  });
});
