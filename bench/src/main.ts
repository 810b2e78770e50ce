/**
 * Entry point of `npm run bench`.
 *
 *   npm run bench                         every bench, full sizes; rewrites docs/PERFORMANCE.md
 *   npm run bench -- --smoke              every bench, tiny sizes; prints the report only
 *   npm run bench -- --only overhead,e2e  a subset; prints the report only
 *   ... --out <file>                      write the report there instead (or as well, with --smoke/--only)
 *   ... --json <file>                     also write the raw results as JSON
 *   npm run bench -- --chart-from <file>  only render docs/performance-scale.png from a --json file
 *   ... --chart-out <file>                write the PNG there instead
 *
 * A complete full-size run also renders docs/performance-scale.png from the scale bench
 * (skipped with a notice when /usr/bin/chromium is missing) and links it from the report.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { describeMachine, type MachineInfo } from './machine';
import { formatMarkdown, renderReport, writeReport, type Section } from './report';
import { type BenchOptions } from './runtime';
import { benchNames, runBench, type BenchName } from './benches';
import { type ScaleResult } from './scale';
import { writeScaleChart } from './scale-chart';

const repositoryRoot = resolve(__dirname, '..', '..');
const defaultReportPath = join(repositoryRoot, 'docs', 'PERFORMANCE.md');
/** The scale curves, next to the report that links them by this relative name. */
const chartFileName = 'performance-scale.png';
const defaultChartPath = join(repositoryRoot, 'docs', chartFileName);

interface CliOptions {
  readonly smoke: boolean;
  readonly only: readonly BenchName[];
  readonly out: string | undefined;
  readonly json: string | undefined;
  readonly chartFrom: string | undefined;
  readonly chartOut: string | undefined;
}

function parseCli(argv: readonly string[]): CliOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      smoke: { type: 'boolean', default: false },
      only: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'string' },
      'chart-from': { type: 'string' },
      'chart-out': { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const only =
    values.only === undefined ? [...benchNames] : values.only.split(',').map((name) => name.trim());
  for (const name of only) {
    if (!(benchNames as readonly string[]).includes(name)) {
      throw new Error(`unknown bench "${name}" in --only; known: ${benchNames.join(', ')}`);
    }
  }
  return {
    smoke: values.smoke,
    only: only as BenchName[],
    out: values.out,
    json: values.json,
    chartFrom: values['chart-from'],
    chartOut: values['chart-out'],
  };
}

/** The caption under the chart's title: where and when the figures were measured. */
function chartCaption(machine: MachineInfo, startedAt: Date, broker: string): string {
  return (
    `npm run bench, ${startedAt.toISOString()}: one agent process per point, on ${broker}; ` +
    `${machine.cpuModel}, ${machine.cores} cores, Node.js ${machine.node}, commit ${machine.commit}. ` +
    'Figures and their min–max are in docs/PERFORMANCE.md.'
  );
}

/** `--chart-from`: renders the PNG from the scale results of an earlier `--json` file. */
async function chartFromJson(path: string, out: string, log: (line: string) => void): Promise<void> {
  const saved = JSON.parse(readFileSync(path, 'utf8')) as {
    machine: MachineInfo;
    startedAt: string;
    raw: { scale?: ScaleResult };
  };
  if (saved.raw.scale === undefined)
    throw new Error(`${path} has no scale results (run with --only scale or all)`);
  await writeScaleChart(
    saved.raw.scale,
    out,
    chartCaption(saved.machine, new Date(saved.startedAt), saved.raw.scale.broker),
    log,
  );
}

async function main(): Promise<void> {
  const cli = parseCli(process.argv.slice(2));
  const options: BenchOptions = { smoke: cli.smoke, log: (line) => process.stderr.write(`${line}\n`) };
  if (cli.chartFrom !== undefined) {
    await chartFromJson(cli.chartFrom, resolve(cli.chartOut ?? defaultChartPath), options.log);
    return;
  }
  const machine = describeMachine(repositoryRoot);
  const startedAt = new Date();
  const started = performance.now();
  const sections: Section[] = [];
  const raw: Record<string, unknown> = {};
  let scaleIndex: number | undefined;
  for (const name of cli.only) {
    options.log(`bench ${name}${cli.smoke ? ' (smoke)' : ''}`);
    const outcome = await runBench(name, options);
    raw[name] = outcome.result;
    if (name === 'scale') scaleIndex = sections.length;
    sections.push(outcome.section);
  }
  // Only a complete, full-size run may replace the published report.
  const complete = !cli.smoke && cli.only.length === benchNames.length;
  const scale = raw.scale as ScaleResult | undefined;
  if (scale !== undefined && (complete || cli.chartOut !== undefined)) {
    const chartOut = resolve(cli.chartOut ?? defaultChartPath);
    const written = await writeScaleChart(
      scale,
      chartOut,
      chartCaption(machine, startedAt, scale.broker),
      options.log,
    );
    if (written && complete && cli.chartOut === undefined && scaleIndex !== undefined) {
      const section = sections[scaleIndex]!;
      sections[scaleIndex] = {
        ...section,
        intro: [
          ...section.intro,
          `![Agent scale curves: warm cycle and /metrics first render against partitions, one line per group count; peak RSS against committed group-partitions](${chartFileName})`,
        ],
      };
    }
  }
  const markdown = renderReport({
    machine,
    startedAt,
    durationSeconds: (performance.now() - started) / 1000,
    smoke: cli.smoke,
    sections,
  });
  const out = cli.out ?? (complete ? defaultReportPath : undefined);
  if (out === undefined) {
    process.stdout.write(await formatMarkdown(markdown, defaultReportPath));
  } else {
    await writeReport(out, markdown);
    options.log(`wrote ${out}`);
  }
  if (cli.json !== undefined)
    writeFileSync(cli.json, `${JSON.stringify({ machine, startedAt, raw }, null, 2)}\n`);
}

main().then(
  // Broker clients and child processes are closed by the benches; exit even if a timer lingers.
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
