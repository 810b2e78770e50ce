import type { KafkaMessage } from 'kafkajs';
import { InvalidOptionError } from '../options/invalid-option-error';
import { runStage, stage, StageTimeoutError, type StageContext } from './stage';

const message = {
  key: null,
  value: Buffer.from('x'),
  offset: '0',
  timestamp: '0',
  headers: {},
} as KafkaMessage;
const context: Omit<StageContext, 'signal' | 'attempt'> = { message, topic: 't', partition: 0 };

function failingTimes(count: number, output: string | null = 'ok') {
  let calls = 0;
  return (): string | null => {
    calls++;
    if (calls <= count) throw new TypeError(`attempt ${calls} failed`);
    return output;
  };
}

describe('stage', () => {
  it('validates its name and options, naming the bad one', () => {
    expect(() => stage('', () => 1)).toThrow('invalid option "name"');
    expect(() => stage('s', 'x' as unknown as () => number)).toThrow('invalid option "handler"');
    expect(() => stage('s', () => 1, { retries: -1 })).toThrow('invalid option "retries"');
    expect(() => stage('s', () => 1, { timeoutMs: 0 })).toThrow('invalid option "timeoutMs"');
    expect(() => stage('s', () => 1, { deadLetterTopic: '' })).toThrow('invalid option "deadLetterTopic"');
    expect(() => stage('s', () => 1, { backoff: { multiplier: 2 } as never })).toThrow(
      'invalid option "backoff.initialMs"',
    );
    expect(() => stage('s', () => 1, { backoff: { initialMs: 1, multiplier: 0.5 } })).toThrow(
      InvalidOptionError,
    );
    expect(() => stage('s', () => 1, { retry: 1 } as never)).toThrow('invalid option "retry"');
  });

  it('computes fixed and exponential backoff', () => {
    expect(stage('s', () => 1, { backoff: 5 }).backoffMs(3)).toBe(5);
    const exponential = stage('s', () => 1, { backoff: { initialMs: 10, multiplier: 3, maxMs: 50 } });
    expect([1, 2, 3].map((retry) => exponential.backoffMs(retry))).toEqual([10, 30, 50]);
  });
});

describe('runStage', () => {
  const noSleep = () => Promise.resolve();

  it.each<[string, ReturnType<typeof stage<string, string>>, object]>([
    ['success', stage('s', failingTimes(0)), { outcome: 'success', value: 'ok', attempts: 1 }],
    [
      'retried',
      stage('s', failingTimes(2), { retries: 2 }),
      { outcome: 'retried', value: 'ok', attempts: 3 },
    ],
    ['filtered', stage('s', failingTimes(1, null), { retries: 1 }), { outcome: 'filtered', attempts: 2 }],
    ['error', stage('s', failingTimes(5), { retries: 1 }), { outcome: 'error', attempts: 2 }],
    [
      'dead_lettered',
      stage('s', failingTimes(5), { retries: 1, deadLetterTopic: 'dlq' }),
      { outcome: 'dead_lettered', attempts: 2 },
    ],
  ])('gives the outcome %s', async (_, definition, expected) => {
    const retries: number[] = [];
    const result = await runStage(definition, 'in', context, () => retries.push(1), noSleep);
    expect(result).toMatchObject(expected);
    expect(retries).toHaveLength(result.attempts - 1);
  });

  it('keeps the error of the last attempt unchanged', async () => {
    const error = new RangeError('bad');
    const result = await runStage(
      stage('s', () => Promise.reject(error)),
      'in',
      context,
      () => undefined,
    );
    expect(result).toEqual({ outcome: 'error', error, attempts: 1 });
  });

  it('waits the backoff between attempts', async () => {
    const waits: number[] = [];
    await runStage(
      stage('s', failingTimes(3), { retries: 3, backoff: { initialMs: 100 } }),
      'in',
      context,
      () => undefined,
      (ms) => {
        waits.push(ms);
        return Promise.resolve();
      },
    );
    expect(waits).toEqual([100, 200, 400]);
  });

  it('fails slow attempts with StageTimeoutError and aborts their signal', async () => {
    let signal: AbortSignal | undefined;
    const slow = stage(
      'slow',
      (_: string, { signal: attemptSignal }) => {
        signal = attemptSignal;
        return new Promise<string>(() => undefined);
      },
      { timeoutMs: 5 },
    );
    const result = await runStage(slow, 'in', context, () => undefined, noSleep);
    expect(result.outcome).toBe('error');
    expect(result.outcome === 'error' && result.error).toBeInstanceOf(StageTimeoutError);
    expect(signal?.aborted).toBe(true);
  });

  it('passes the attempt number and the source message', async () => {
    const seen: [number, string][] = [];
    await runStage(
      stage(
        's',
        (value: string, stageContext) => {
          seen.push([stageContext.attempt, stageContext.message.value?.toString() ?? '']);
          if (stageContext.attempt === 1) throw new Error('first');
          return value;
        },
        { retries: 1 },
      ),
      'in',
      context,
      () => undefined,
      noSleep,
    );
    expect(seen).toEqual([
      [1, 'x'],
      [2, 'x'],
    ]);
  });
});
