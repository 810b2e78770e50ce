/**
 * Entry point of `npm run bench`.
 *
 *   npm run bench                         every bench, full sizes; rewrites docs/PERFORMANCE.md
 *   npm run bench -- --smoke              every bench, tiny sizes; prints the report only
 *   npm run bench -- --only overhead,e2e  a subset; prints the report only
 *   ... --out <file>                      write the report there instead (or as well, with --smoke/--only)
 *   ... --json <file>                     also write the raw results as JSON
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { describeMachine } from './machine';
import { formatMarkdown, renderReport, writeReport, type Section } from './report';
import { type BenchOptions } from './runtime';
import { benchNames, runBench, type BenchName } from './benches';

const repositoryRoot = resolve(__dirname, '..', '..');
const defaultReportPath = join(repositoryRoot, 'docs', 'PERFORMANCE.md');

interface CliOptions {
  readonly smoke: boolean;
  readonly only: readonly BenchName[];
  readonly out: string | undefined;
  readonly json: string | undefined;
}

function parseCli(argv: readonly string[]): CliOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      smoke: { type: 'boolean', default: false },
      only: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'string' },
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
  return { smoke: values.smoke, only: only as BenchName[], out: values.out, json: values.json };
}

async function main(): Promise<void> {
  const cli = parseCli(process.argv.slice(2));
  const options: BenchOptions = { smoke: cli.smoke, log: (line) => process.stderr.write(`${line}\n`) };
  const machine = describeMachine(repositoryRoot);
  const startedAt = new Date();
  const started = performance.now();
  const sections: Section[] = [];
  const raw: Record<string, unknown> = {};
  for (const name of cli.only) {
    options.log(`bench ${name}${cli.smoke ? ' (smoke)' : ''}`);
    const outcome = await runBench(name, options);
    raw[name] = outcome.result;
    sections.push(outcome.section);
  }
  const markdown = renderReport({
    machine,
    startedAt,
    durationSeconds: (performance.now() - started) / 1000,
    smoke: cli.smoke,
    sections,
  });
  // Only a complete, full-size run may replace the published report.
  const complete = !cli.smoke && cli.only.length === benchNames.length;
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
