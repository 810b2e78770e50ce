import { runExample } from '../support/example-process';

describe('examples/capacity-planning', () => {
  it('plans more instances for the slow stage, and applying the plan removes the bottleneck', async () => {
    const output = await runExample(
      'capacity-planning',
      ['--rate', '150', '--score-ms', '10', '--window', '6', '--port', '0'],
      120_000,
    );
    expect(output).toContain('score (bottleneck)');
    expect(output).toMatch(/scale out: .*score/);
    const planned = Number(/applying the plan: (\d+) instances/.exec(output)?.[1]);
    expect(planned).toBeGreaterThan(1);
    const row = (label: string) =>
      /\s+(\S+)\s+(\S+)$/.exec(output.split('\n').find((line) => line.startsWith(label)) ?? '');
    expect(row('instances')?.slice(1)).toEqual(['1', String(planned)]);
    const capacity = row('max sustainable/s');
    const arrivals = row('arrivals/s (D)');
    expect(Number(capacity?.[1])).toBeLessThan(Number(arrivals?.[1]));
    expect(Number(capacity?.[2])).toBeGreaterThanOrEqual(Number(arrivals?.[2]));
    expect(row('lag trend')?.slice(1)).toEqual(['building', expect.stringMatching(/draining|steady|idle/)]);
    expect(output).toContain('the plan removed the bottleneck');
  }, 150_000);
});
