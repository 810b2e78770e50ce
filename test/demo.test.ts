import { isAlive, printedPids, startExample } from './support/example-process';
import { pollUntil } from './support/poll';

interface PipelineBody {
  pipeline: string;
  arrivalRate: number | null;
  effectiveThroughput: number | null;
  stages: { stage: string; utilization: number | null }[];
  bottleneck: string | null;
}

describe('the demo (./scripts/demo.sh without its set-up)', () => {
  it('serves lag and the pipeline model, shows the status line, and leaves no process behind', async () => {
    const demo = startExample('demo', [
      ...['--duration', '60', '--period', '12', '--rate', '50', '--port', '0', '--prometheus-port', '0'],
    ]);
    try {
      const urls = await pollUntil(
        'the demo to print its URLs',
        () => {
          const group = /one group:\s+(\S+)/.exec(demo.output())?.[1];
          const pipeline = /one pipeline:\s+(\S+)/.exec(demo.output())?.[1];
          return group && pipeline && demo.output().includes('Ctrl-C') ? { group, pipeline } : undefined;
          // Starting Kafka (one node, about 3.5 s) and the agent, Prometheus and two instances takes longer on busy cores.
        },
        { timeoutMs: 90_000 },
      );
      const group = await pollUntil(
        'the agent to report the demo group with commits on all 6 partitions',
        async () => {
          const response = await fetch(urls.group);
          if (!response.ok) return undefined;
          const body = (await response.json()) as { partitions: { committedOffset: number | null }[] };
          // The agent lists a partition once the group has committed on it; on real Kafka the two demo
          // instances' first commits land over a few seconds.
          return body.partitions.length === 6 &&
            body.partitions.every((partition) => partition.committedOffset !== null)
            ? body
            : undefined;
        },
        { timeoutMs: 40_000, intervalMs: 250 },
      );
      expect(group.partitions).toHaveLength(6);
      const pipeline = await pollUntil(
        'the agent to model the demo pipeline with an arrival rate',
        async () => {
          const response = await fetch(urls.pipeline);
          if (!response.ok) return undefined;
          const body = (await response.json()) as PipelineBody;
          return body.arrivalRate !== null && body.arrivalRate > 0 ? body : undefined;
        },
        { timeoutMs: 22_000, intervalMs: 500 },
      );
      expect(pipeline.pipeline).toBe('order-enrichment');
      expect(pipeline.effectiveThroughput).toBeGreaterThan(0);
      expect(pipeline.stages.map((stage) => stage.stage)).toEqual(
        expect.arrayContaining(['validate', 'enrich']),
      );
      expect(pipeline.bottleneck).not.toBeNull();

      expect(await demo.exitCode(90_000)).toBe(0);
      const output = demo.output();
      expect(output).toMatch(/produced \d+ {2}lag \d+ msgs/);
      expect(output).toMatch(/D \d+\/s R \d+\/s bottleneck \w+/);
      expect(output).toContain('stopping...');
      const pids = printedPids(output);
      expect(pids.length).toBeGreaterThan(0);
      for (const pid of pids) expect(isAlive(pid)).toBe(false);
    } catch (error) {
      // What the demo printed is the first thing to read when it fails.
      throw new Error(`${(error as Error).message}\n--- the demo printed ---\n${demo.output()}`);
    } finally {
      await demo.stop();
    }
  }, 280_000);
});
