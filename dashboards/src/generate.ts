// Writes the generated dashboards, rule files and promtool tests. Run: npm run dashboards:generate
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { allDashboards } from './dashboards';
import { defaultOptions, type StreamopsRuleOptions } from './options';
import { renderRuleFiles, renderRuleTests } from './rules/render';

/** One generated file, by path relative to the dashboards/ folder. */
export interface GeneratedFile {
  readonly path: string;
  readonly content: string;
}

/** The folders whose every file is generated (stale files there are removed). */
export const generatedFolders = ['generated', 'rules', 'rules/tests'] as const;

/** Root of the dashboards package. */
export const packageRoot = join(__dirname, '..');

/** Every generated file with its content. */
export function generatedFiles(options: StreamopsRuleOptions = defaultOptions): GeneratedFile[] {
  return [
    ...allDashboards(options).map(({ file, dashboard }) => ({
      path: `generated/${file}`,
      content: `${JSON.stringify(dashboard, null, 2)}\n`,
    })),
    ...[...renderRuleFiles(options)].map(([file, content]) => ({ path: `rules/${file}`, content })),
    ...[...renderRuleTests(options)].map(([file, content]) => ({ path: `rules/tests/${file}`, content })),
  ];
}

/** Writes every generated file under `root` and removes files there that are no longer generated. */
export function writeGeneratedFiles(
  root: string = packageRoot,
  options: StreamopsRuleOptions = defaultOptions,
): string[] {
  const files = generatedFiles(options);
  const wanted = new Set(files.map((file) => file.path));
  for (const folder of generatedFolders) {
    mkdirSync(join(root, folder), { recursive: true });
    for (const entry of readdirSync(join(root, folder), { withFileTypes: true })) {
      const path = `${folder}/${entry.name}`;
      if (entry.isFile() && !wanted.has(path)) rmSync(join(root, path));
    }
  }
  for (const file of files) {
    mkdirSync(dirname(join(root, file.path)), { recursive: true });
    writeFileSync(join(root, file.path), file.content);
  }
  return files.map((file) => file.path);
}

if (require.main === module) {
  for (const path of writeGeneratedFiles()) console.log(`wrote dashboards/${path}`);
}
