/**
 * Runs every bench in smoke mode (tiny sizes) so the benches cannot rot unnoticed.
 * Asserts only that each produces well-formed results and a report: never a timing, a
 * ratio or a goal, which depend on the machine and on whatever else it is running.
 */
import { benchNames, runBench } from '../bench/src/benches';
import { describeMachine } from '../bench/src/machine';
import { renderReport, type Section } from '../bench/src/report';
import { type BenchOptions } from '../bench/src/runtime';
import { type Summary } from '../bench/src/stats';
import { resetOtelGlobals } from '../bench/src/tracing';

const options: BenchOptions = { smoke: true, log: () => undefined };
const sections: Section[] = [];

/** A summary of real measurements: finite, ordered, and from at least one sample. */
function expectMeasured(summary: Summary, { positive = true } = {}): void {
  expect(summary.count).toBeGreaterThan(0);
  for (const value of [summary.min, summary.median, summary.max]) {
    expect(Number.isFinite(value)).toBe(true);
    if (positive) expect(value).toBeGreaterThan(0);
  }
  expect(summary.min).toBeLessThanOrEqual(summary.median);
  expect(summary.median).toBeLessThanOrEqual(summary.max);
}

function expectSection(section: Section): void {
  expect(section.title).not.toBe('');
  expect(section.tables.length).toBeGreaterThan(0);
  for (const table of section.tables) {
    expect(table.rows.length).toBeGreaterThan(0);
    for (const row of table.rows) expect(row).toHaveLength(table.headers.length);
  }
  sections.push(section);
}

afterAll(() => resetOtelGlobals());

it('runs the isolated SDK overhead bench', async () => {
  const { result, section } = await runBench('overhead', options);
  // The SDK saw every message, without errors, false losses or duplicates.
  expect(result.problems).toEqual([]);
  expect(result.consumer.map((table) => table.id)).toEqual(['consumer-eachMessage', 'consumer-eachBatch']);
  expect(result.producer).toHaveLength(2);
  for (const table of [...result.consumer, ...result.producer]) {
    expect(table.rows[0]?.id).toBe('none');
    for (const row of table.rows) {
      expectMeasured(row.nsPerMessage);
      expectMeasured(row.ratio);
      expectMeasured(row.addedNs, { positive: false });
      expect(row.samples).toHaveLength(result.sizes.rounds);
      // Tracing variants really traced: at least one span per message reached the exporter.
      if (row.id.includes('simple') || row.id.includes('batch'))
        expect(row.spansPerMessage).toBeGreaterThan(0);
      else expect(row.spansPerMessage).toBe(0);
    }
  }
  const headers = new Map(result.headers.map((cost) => [cost.setup, cost]));
  expect(Object.keys(headers.get('streamops, tracing off')!.valueBytes).sort()).toEqual([
    'streamops-origin-ts',
    'streamops-producer-id',
    'streamops-seq',
  ]);
  expect(headers.get('streamops, tracing on')!.valueBytes.traceparent).toBe(55);
  expect(Object.keys(headers.get('OTel instrumentation-kafkajs')!.valueBytes)).toEqual(['traceparent']);
  for (const cost of result.headers) expect(cost.wireBytes).toBeGreaterThan(cost.rawBytes);
  expectSection(section);
});

it('runs the end-to-end SDK bench on the test broker', async () => {
  const { result, section } = await runBench('e2e', options);
  expect(result.rows.map((row) => row.id)).toEqual(['none', 'none-headers', 'so-metrics', 'so-tracing']);
  for (const row of result.rows) {
    expectMeasured(row.throughput);
    expectMeasured(row.throughputRatio);
    expectMeasured(row.clientCpuUsPerMessage);
    expectMeasured(row.p50Ms);
    expectMeasured(row.p99Ms);
    expect(row.p99Ms.median).toBeGreaterThanOrEqual(row.p50Ms.median);
  }
  expectSection(section);
});

it('runs the agent scale bench on the test broker', async () => {
  const { result, section } = await runBench('scale', options);
  expect(result.cells).toHaveLength(result.sizes.partitionLevels.length * result.sizes.groupLevels.length);
  for (const cell of result.cells) {
    // The agent saw every group and commit that was set up: otherwise nothing real was measured.
    expect(cell.problems).toEqual([]);
    expect(Number.isFinite(cell.coldCycleMs)).toBe(true);
    expectMeasured(cell.warmCycleMs);
    expectMeasured(cell.firstScrapeMs);
    expectMeasured(cell.cachedScrapeMs);
    expect(cell.scrapeSamples).toBeGreaterThan(cell.groupPartitions);
    expect(cell.rssAfter).toBeGreaterThan(0);
    expect(cell.maxRss).toBeGreaterThanOrEqual(cell.rssAfter);
  }
  expect(result.fits.length).toBeGreaterThan(0);
  expect(result.profile?.categories.length).toBeGreaterThan(0);
  expectSection(section);
});

it('runs the agent OTLP ingest bench on the test broker', async () => {
  const { result, section } = await runBench('ingest', options);
  expect(result.levels).toHaveLength(result.sizes.instanceLevels.length);
  for (const level of result.levels) {
    // Every report was accepted whole, and the agent's own counters agree with the client's.
    expect(level.problems).toEqual([]);
    expect(level.sent).toBeGreaterThan(0);
    expect(level.accepted).toBe(level.sent);
    expect(level.agent.acceptedPayloads).toBe(level.sent);
    expect(level.agent.acceptedPoints).toBe(level.sent * result.seriesPerReport);
    expect(level.agent.rejectedPayloads).toBe(0);
    expect(level.agent.rejectedPoints).toBe(0);
    expect(level.agent.instances).toBe(level.instances);
    expect(level.slices).toHaveLength(result.sizes.rounds * 2);
    expect(level.rows.map((row) => row.encoding)).toEqual(['protobuf', 'json']);
    for (const row of level.rows) {
      expect(row.meanBodyBytes).toBeGreaterThan(0);
      expectMeasured(row.reportsPerSecond);
      expectMeasured(row.p50Ms);
      expectMeasured(row.p99Ms);
      expect(row.p99Ms.median).toBeGreaterThanOrEqual(row.p50Ms.median);
      // CPU is counted in clock ticks: a tiny load over a short slice can read 0.
      expectMeasured(row.agentCpuPercent, { positive: false });
      expectMeasured(row.clientCpuPercent, { positive: false });
      expectMeasured(row.agentRss);
    }
    expect(level.maxRss).toBeGreaterThan(0);
    expectMeasured(level.encoderCost.protobufUs);
    expectMeasured(level.encoderCost.jsonUs);
  }
  expect(result.levels.at(-1)?.profiles.map((profile) => profile.encoding)).toEqual(['protobuf', 'json']);
  expectSection(section);
});

it('runs the rotating-identity attack bench beside an unattacked agent', async () => {
  const { result, section } = await runBench('hostile', options);
  // Healthy pipelines exact in both agents, every healthy report taken, every scrape answered.
  expect(result.problems).toEqual([]);
  expect(result.attack.requests).toBeGreaterThan(0);
  expect(result.attack.answered).toBe(result.attack.requests);
  for (const run of [result.baseline, result.attacked]) {
    expect(run.exactPipelines).toBe(result.sizes.healthyPipelines);
    expect(run.healthyReports).toBeGreaterThan(0);
    expect(run.healthyRefused).toBe(0);
    expect(run.samples.length).toBeGreaterThan(result.sizes.attackSeconds);
    expect(run.peakRss).toBeGreaterThan(0);
    expect(run.finalRss).toBeGreaterThan(0);
    expect(run.maxRss).toBeGreaterThan(0);
    expect(Number.isFinite(run.finalSeries)).toBe(true);
    expectMeasured(run.scrapeMs);
  }
  // The attack reached the agent: it holds more than the healthy series, or refused some.
  const refused = Object.values(result.attacked.refusals).reduce((sum, value) => sum + value, 0);
  expect(result.attacked.finalSeries > result.baseline.finalSeries || refused > 0).toBe(true);
  expectSection(section);
});

it('runs the lag-at-commit accuracy and cost bench in process', async () => {
  const { result, section } = await runBench('commit-lag', options);
  expect(result.commits).toBeGreaterThan(0);
  for (const row of result.errors) {
    expect(row.entries).toBeGreaterThan(0);
    // The stated bounds: commit log and polling never above the true lag, never past their bound.
    if (row.estimator === 'A' || row.estimator === 'B') {
      expect(row.violations).toBe(0);
      expect(row.overShare).toBe(0);
    }
  }
  for (const row of result.statuses)
    if (row.estimator === 'A' || row.estimator === 'B') expect(row.caughtUpOk).toBe(1);
  expectMeasured(result.decode.nsPerRecord);
  expectMeasured(result.decode.recordsPerSecond);
  expectMeasured(result.apply.nsPerCommitEvent, { positive: false });
  expectMeasured(result.apply.nsPerPolledEntry, { positive: false });
  expectSection(section);
});

it('runs Burrow beside the agent, or says why it could not', async () => {
  const { result, section } = await runBench('burrow', options);
  if (result.comparison === undefined) {
    // Burrow, Java or the ZooKeeper jar under .tools/ is missing (as in CI): the report says which.
    expect(result.notRun).toMatch(/\S/);
  } else {
    expect(result.comparison.agreeing).toBe(result.comparison.groupPartitions);
    expect(result.comparison.agentLagTotal).toBe(result.comparison.burrowLagTotal);
    expectMeasured(result.comparison.agentEvaluationMs);
    expectMeasured(result.comparison.burrowEvaluationMs);
  }
  expectSection(section);
});

it('renders every bench into one report', () => {
  expect(sections.map((section) => section.title)).toHaveLength(benchNames.length);
  const report = renderReport({
    machine: describeMachine(process.cwd()),
    startedAt: new Date(),
    durationSeconds: 1,
    smoke: true,
    sections,
  });
  expect(report).toMatch(/^# Performance/);
  for (const section of sections) expect(report).toContain(`## ${section.title}`);
});
