import { type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { createAgentApp } from '../httpserver/app';
import { modelPipeline, type PipelineCounters } from '../pipelines/model';
import { runCapacityCommand } from './capacity-command';

const T0 = 1_700_000_000_000;

function counters(timeMs: number, inputEndOffsets: number, consumed: number): PipelineCounters {
  return {
    timeMs,
    inputEndOffsets,
    consumed,
    processed: consumed,
    filtered: 0,
    errored: 0,
    deadLettered: 0,
    delivered: consumed,
    redelivered: 0,
    lost: 0,
    duplicated: 0,
    latency: null,
    stages: [{ stage: 'score', messages: consumed, busySeconds: consumed / 100, instances: 1 }],
  };
}

// 200 msg/s arrive and 100 are consumed over 10 s: the lag builds, so time to drain is +Inf.
const building = modelPipeline({
  pipeline: 'scoring',
  earlier: counters(T0, 1000, 0),
  later: counters(T0 + 10_000, 3000, 1000),
  lagMessages: 1000,
  inputPartitions: 4,
});

let server: Server;
let agentUrl = '';

beforeAll(async () => {
  server = createAgentApp({ snapshots: () => [], metrics: () => '', pipelines: () => [building] }).listen(
    0,
    '127.0.0.1',
  );
  await new Promise((resolve) => server.once('listening', resolve));
  agentUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

describe('streamops capacity', () => {
  it('reads an infinite time to drain from the JSON API as infinite, not as a string', async () => {
    expect(building.timeToDrainSeconds).toBe(Number.POSITIVE_INFINITY);
    const printed: string[] = [];
    expect(
      await runCapacityCommand(['--agent', agentUrl, '--pipeline', 'scoring'], (text) => printed.push(text)),
    ).toBe(0);
    expect(printed.join('\n')).toContain('lag: 1000 msgs; time to drain: inf');
    expect(printed.join('\n')).not.toContain('NaN');
  });

  it('keeps infinities in --json output as +Inf strings, as the API sends them', async () => {
    const printed: string[] = [];
    await runCapacityCommand(['--agent', agentUrl, '--json'], (text) => printed.push(text));
    const [model] = JSON.parse(printed.join('\n')) as { timeToDrainSeconds: unknown }[];
    expect(model?.timeToDrainSeconds).toBe('+Inf');
  });
});
