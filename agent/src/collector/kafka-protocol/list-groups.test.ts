import { compactArray, compactString, concat, hex, int16, int32, noTags, oneTag } from './fixtures/bytes';
import { decodeListGroupsResponse, encodeListGroupsRequest } from './list-groups';

describe('ListGroups v5', () => {
  it('encodes the states and types filters as compact arrays of compact strings', () => {
    expect(encodeListGroupsRequest({ statesFilter: [], typesFilter: [] }, 5)).toEqual(hex('01 01 00'));
    expect(
      encodeListGroupsRequest({ statesFilter: ['Stable'], typesFilter: ['consumer', 'share'] }, 5),
    ).toEqual(
      hex(
        '02 07' +
          Buffer.from('Stable').toString('hex') +
          '03 09' +
          Buffer.from('consumer').toString('hex') +
          '06' +
          Buffer.from('share').toString('hex') +
          '00',
      ),
    );
  });

  it('decodes each group with its protocol type, state and type, skipping unknown tagged fields', () => {
    const body = concat(
      int32(25),
      int16(0),
      compactArray([
        concat(
          compactString('orders'),
          compactString('consumer'),
          compactString('Stable'),
          compactString('classic'),
          noTags,
        ),
        concat(
          compactString('audit'),
          compactString('share'),
          compactString('Empty'),
          compactString('share'),
          oneTag(0, hex('0102')),
        ),
      ]),
      oneTag(3, hex('ff')),
    );
    expect(decodeListGroupsResponse(body, 5)).toEqual({
      throttleTimeMs: 25,
      errorCode: 0,
      groups: [
        { groupId: 'orders', protocolType: 'consumer', groupState: 'Stable', groupType: 'classic' },
        { groupId: 'audit', protocolType: 'share', groupState: 'Empty', groupType: 'share' },
      ],
    });
  });

  it('returns the top-level error code for the caller to act on', () => {
    const body = concat(int32(0), int16(15), compactArray([]), noTags);
    expect(decodeListGroupsResponse(body, 5)).toEqual({ throttleTimeMs: 0, errorCode: 15, groups: [] });
  });

  it('fails with the API name on truncated or garbled bytes, and refuses versions it does not implement', () => {
    const whole = concat(
      int32(0),
      int16(0),
      compactArray([concat(compactString('g'), compactString('consumer'))]),
    );
    expect(() => decodeListGroupsResponse(whole, 5)).toThrow(
      'ListGroups v5 response: truncated reading GroupState (needs 1 bytes at byte 18, 0 left)',
    );
    expect(() => decodeListGroupsResponse(hex('00'), 5)).toThrow(/^ListGroups v5 response: truncated/);
    expect(() => decodeListGroupsResponse(hex('00000000 0000 00 00 ee'), 5)).toThrow(
      /ListGroups v5 response: Groups is null/,
    );
    expect(() =>
      decodeListGroupsResponse(concat(int32(0), int16(0), compactArray([]), noTags, hex('00')), 5),
    ).toThrow('ListGroups v5 response: 1 unexpected bytes after the end of the response');
    expect(() => encodeListGroupsRequest({ statesFilter: [], typesFilter: [] }, 4)).toThrow(
      'ListGroups v4 request: the codec implements versions 5 to 5',
    );
  });
});
