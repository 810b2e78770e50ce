import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chartFileSets, filesOf } from '../../scripts/sync-helm-chart-files';

// The agent chart packages the dashboards and rules of dashboards/ as files/; they must be
// exact copies. After `npm run dashboards:generate`, refresh them with
// `npm run helm:sync`.

describe.each(chartFileSets.map((set) => [set.target.split('/helm/')[1], set] as const))(
  'helm/%s',
  (_name, set) => {
    const sources = filesOf(set.source, set.suffix);

    it('holds the same files as its source folder', () => {
      expect(sources.length).toBeGreaterThan(0);
      expect(filesOf(set.target, set.suffix)).toEqual(sources);
    });

    it.each(sources)('%s equals its source byte for byte', (name) => {
      const copy = readFileSync(join(set.target, name));
      expect(copy.equals(readFileSync(join(set.source, name)))).toBe(true);
    });
  },
);
