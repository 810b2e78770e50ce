import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { allAlerts } from '@streamops/dashboards';

// The committed rule files (equal to the generated ones: dashboards/src/generated.test.ts)
// pass `promtool check rules`, and every alert's cases pass `promtool test rules`.
// promtool comes from Debian's prometheus package (scripts/setup.sh installs it).

const run = promisify(execFile);
const rulesFolder = join(__dirname, '..', '..', 'dashboards', 'rules');
const testsFolder = join(rulesFolder, 'tests');
const ruleFiles = readdirSync(rulesFolder).filter((name) => name.endsWith('.rules.yaml'));
const testFiles = readdirSync(testsFolder).filter((name) => name.endsWith('.test.yaml'));

async function promtool(args: string[], cwd: string): Promise<string> {
  try {
    const { stdout, stderr } = await run('promtool', args, { cwd, timeout: 30_000 });
    return stdout + stderr;
  } catch (error) {
    const failure = error as Error & { stdout?: string; stderr?: string; code?: string | number };
    if (failure.code === 'ENOENT')
      throw new Error('promtool not found: run ./scripts/setup.sh (Debian package prometheus)');
    throw new Error(`promtool ${args.join(' ')} failed:\n${failure.stdout ?? ''}${failure.stderr ?? ''}`);
  }
}

it('finds the rule files and their tests', () => {
  expect(ruleFiles.length).toBeGreaterThanOrEqual(4);
  expect(testFiles.map((name) => name.replace('.test.yaml', ''))).toEqual(
    ruleFiles.map((name) => name.replace('.rules.yaml', '')),
  );
});

it('passes promtool check rules', async () => {
  const output = await promtool(['check', 'rules', ...ruleFiles], rulesFolder);
  expect(output).not.toMatch(/FAILED/);
  expect(output.match(/SUCCESS/g)?.length).toBe(ruleFiles.length);
});

it('passes promtool test rules, with a case for every alert', async () => {
  const outputs = await Promise.all(testFiles.map((file) => promtool(['test', 'rules', file], testsFolder)));
  for (const output of outputs) expect(output).toMatch(/SUCCESS/);
  // Every alert is exercised by the files promtool just ran.
  const tested = new Set(
    testFiles.flatMap((file) =>
      [...readFileSync(join(testsFolder, file), 'utf8').matchAll(/alertname: (\w+)/g)].map(
        (match) => match[1],
      ),
    ),
  );
  for (const rule of allAlerts()) expect(tested).toContain(rule.alert);
});
