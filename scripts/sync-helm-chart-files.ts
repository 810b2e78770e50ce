/**
 * Copies the generated Grafana dashboards (dashboards/generated/*.json) and the Prometheus
 * rule files (dashboards/rules/*.rules.yaml) into the agent chart's files/ folder, where its
 * templates read them with .Files.Get. Run after `npm run dashboards:generate`:
 *
 *   npm run helm:sync
 *
 * test/helm/chart-files.test.ts fails while the copies differ from the sources.
 */
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..');

/** Source folder, chart folder and the file-name ending of each kind of packaged file. */
export const chartFileSets = [
  {
    source: join(root, 'dashboards/generated'),
    target: join(root, 'helm/streamops-agent/files/dashboards'),
    suffix: '.json',
  },
  {
    source: join(root, 'dashboards/rules'),
    target: join(root, 'helm/streamops-agent/files/rules'),
    suffix: '.rules.yaml',
  },
] as const;

/** Names of the files of one set, sorted. */
export function filesOf(folder: string, suffix: string): string[] {
  return readdirSync(folder, { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(suffix))
    .map((entry) => entry.name)
    .sort();
}

function sync(): void {
  for (const set of chartFileSets) {
    rmSync(set.target, { recursive: true, force: true });
    mkdirSync(set.target, { recursive: true });
    for (const name of filesOf(set.source, set.suffix)) {
      copyFileSync(join(set.source, name), join(set.target, name));
      console.log(`${join(set.target, name).slice(root.length + 1)}`);
    }
  }
}

if (require.main === module) {
  sync();
}
