import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, printedBrokerPids, printedPids, runExample } from '../support/example-process';

const repositoryRoot = join(__dirname, '..', '..');
const exampleDirectory = join(repositoryRoot, 'examples', 'instrument-existing-app');

/** `diff -u before/service.ts after/service.ts` run in the example's folder. */
function realDiff(): string {
  const result = spawnSync('diff', ['-u', 'before/service.ts', 'after/service.ts'], {
    cwd: exampleDirectory,
    encoding: 'utf8',
  });
  // diff exits 1 when the files differ, 0 when they are equal, 2 on trouble.
  expect(result.status).toBe(1);
  return result.stdout;
}

/**
 * The parts of a unified diff that do not depend on when or where it was made: the file
 * header lines lose their timestamps, and lines lose trailing spaces (Prettier strips
 * them from the blank context lines in the README).
 */
function normaliseDiff(diff: string): string {
  return diff
    .trimEnd()
    .split('\n')
    .map((line) => line.replace(/^(---|\+\+\+) (\S+).*$/, '$1 $2').trimEnd())
    .join('\n');
}

describe('examples/instrument-existing-app', () => {
  it('after/service.ts is before/service.ts plus exactly the two streamops lines', () => {
    const changed = realDiff()
      .split('\n')
      .filter((line) => /^[+-]/.test(line) && !/^(---|\+\+\+) /.test(line));
    expect(changed).toEqual([
      "+import { instrument } from '@streamops/sdk';",
      "+instrument(kafka, { pipeline: 'billing' });",
    ]);
  });

  it("the README's diff block is the real diff", () => {
    const readme = readFileSync(join(exampleDirectory, 'README.md'), 'utf8');
    const block = /```diff\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    expect(normaliseDiff(block ?? '')).toBe(normaliseDiff(realDiff()));
  });

  it('runs both versions as processes: no streamops series before, consumer and producer series after, no process left', async () => {
    const output = await runExample('instrument-existing-app', ['--orders', '10']);
    expect(output).toContain("+ import { instrument } from '@streamops/sdk';");
    expect(output).toMatch(/before: stopped with SIGTERM, exit code 0/);
    expect(output).toMatch(/before: \/metrics serves \d+ series .*no streamops_ series/);
    expect(output).toMatch(/after: stopped with SIGTERM, exit code 0/);
    expect(output).toMatch(/consumer messages +10 from billing-example\.orders/);
    expect(output).toMatch(/producer messages +10 to billing-example\.invoices/);
    expect(output).toMatch(/record age +p50 ≈ \d/);
    expect(output).toContain('the two added lines gave the billing service its streamops metrics');
    // The broker and both services, each printed with its PID, are gone.
    const pids = printedPids(output);
    const brokerPids = printedBrokerPids(output);
    expect(brokerPids.length).toBeGreaterThan(0);
    expect(pids).toHaveLength(brokerPids.length + 2);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
  });
});
