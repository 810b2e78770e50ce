import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generatedFiles, generatedFolders, packageRoot } from './generate';

// The committed dashboards, rule files and promtool tests are exactly what the code
// generates. Run `npm run dashboards:generate` after changing dashboards/src.

const files = generatedFiles();

it.each(files.map((file) => [file.path, file.content] as const))(
  'dashboards/%s is up to date (npm run dashboards:generate)',
  (path, content) => {
    expect(readFileSync(join(packageRoot, path), 'utf8')).toBe(content);
  },
);

it('has no committed file in the generated folders that the code no longer generates', () => {
  const committed = generatedFolders.flatMap((folder) =>
    readdirSync(join(packageRoot, folder), { withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => `${folder}/${entry.name}`),
  );
  expect(committed.sort()).toEqual(files.map((file) => file.path).sort());
});

it('writes dashboards as JSON and rules as YAML', () => {
  expect(files.filter((file) => file.path.startsWith('generated/')).length).toBe(5);
  for (const file of files.filter((candidate) => candidate.path.endsWith('.json'))) {
    expect(() => JSON.parse(file.content) as unknown).not.toThrow();
  }
  expect(files.filter((file) => file.path.endsWith('.rules.yaml')).length).toBeGreaterThan(0);
  expect(files.filter((file) => file.path.startsWith('rules/tests/')).length).toBeGreaterThan(0);
});
