import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const repositoryRoot = join(__dirname, '..');

/** The first TypeScript block after `heading` in the README. */
function snippetAfter(heading: string): string {
  const readme = readFileSync(join(repositoryRoot, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf(heading));
  const match = /```ts\n([\s\S]*?)```/.exec(section);
  if (!match?.[1]) throw new Error(`README.md has no \`\`\`ts block after ${heading}`);
  return match[1];
}

describe("the README's SDK snippet", () => {
  it('type-checks against the SDK as it is', () => {
    const snippet = snippetAfter('## Use it');
    const lines = snippet.split('\n');
    const imports = lines.filter((line) => line.startsWith('import '));
    const body = lines.filter((line) => !line.startsWith('import '));
    // The snippet's own helper, and a function around its top-level awaits (the packages are CommonJS).
    const source = [
      ...imports,
      "declare function toInvoice(message: import('kafkajs').KafkaMessage): string;",
      'export async function readmeSnippet(): Promise<void> {',
      ...body,
      '}',
    ].join('\n');
    const directory = join(repositoryRoot, '.test-results', 'readme-snippet');
    mkdirSync(directory, { recursive: true });
    const file = join(directory, 'snippet.ts');
    writeFileSync(file, source);
    try {
      const configPath = join(repositoryRoot, 'tsconfig.check.json');
      const config = ts.readConfigFile(configPath, (path) => ts.sys.readFile(path));
      const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, repositoryRoot);
      const program = ts.createProgram([file], { ...parsed.options, types: ['node'] });
      const problems = ts
        .getPreEmitDiagnostics(program)
        .map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
      expect(problems).toEqual([]);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
