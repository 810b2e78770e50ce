import { commitLogNotices } from './agent';

const unavailable = (reason: string) => ({ available: false as const, reason });
const available = { available: true as const, events: [], backlogRecords: 0 };

describe('commitLogNotices', () => {
  it('with auto, logs each change of reason once, and the return to the topic', () => {
    const lines: string[] = [];
    const notice = commitLogNotices('prod', 'auto', (line) => lines.push(line));
    notice(available, 0);
    notice(unavailable('not authorised to read __consumer_offsets'), 1_000);
    notice(unavailable('not authorised to read __consumer_offsets'), 2_000_000);
    notice(unavailable('reading __consumer_offsets failed: timeout'), 2_001_000);
    notice(available, 2_002_000);
    notice(available, 2_003_000);
    expect(lines).toEqual([
      'streamops-agent: cluster "prod": not authorised to read __consumer_offsets',
      'streamops-agent: cluster "prod": reading __consumer_offsets failed: timeout',
      'streamops-agent: cluster "prod": commits are read from __consumer_offsets again',
    ]);
  });

  it('with offsets-topic, warns and repeats the warning every 10 minutes while it lasts', () => {
    const lines: string[] = [];
    const notice = commitLogNotices('prod', 'offsets-topic', (line) => lines.push(line));
    const refused = unavailable('not authorised to read __consumer_offsets: grant READ and DESCRIBE');
    for (let minute = 0; minute <= 20; minute++) notice(refused, 1_000_000 + minute * 60_000);
    expect(lines).toEqual(
      Array.from(
        { length: 3 },
        () =>
          'streamops-agent: warning: cluster "prod": collection.commitSource is offsets-topic but not authorised to read __consumer_offsets: grant READ and DESCRIBE',
      ),
    );
  });

  it('says nothing when polling, or when the source has no commit log', () => {
    const lines: string[] = [];
    commitLogNotices('prod', 'polling', (line) => lines.push(line))(unavailable('x'), 0);
    commitLogNotices('prod', 'auto', (line) => lines.push(line))(null, 0);
    expect(lines).toEqual([]);
  });
});
