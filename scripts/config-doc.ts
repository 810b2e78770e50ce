// Generates docs/configuration-agent.md (from the agent's zod schema, flags and descriptions)
// and docs/configuration-sdk.md (from the SDK's option interfaces and doc comments).
// Run: npm run docs:config
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { type Options as PrettierOptions } from 'prettier';
import * as prettier from 'prettier/standalone';
import * as prettierMarkdown from 'prettier/plugins/markdown';
import * as prettierYaml from 'prettier/plugins/yaml';
import ts from 'typescript';
import { z } from 'zod';
import {
  agentConfigDescriptions,
  agentFlagKeyPaths,
  exampleAgentConfig,
} from '../agent/src/config/descriptions';
import { agentEnvironmentVariables, agentFlags } from '../agent/src/config/load';
import { agentConfigSchema } from '../agent/src/config/schema';

const root = join(__dirname, '..');

/** Paths of the generated documents. */
export const agentConfigDocPath = join(root, 'docs', 'configuration-agent.md');
export const sdkConfigDocPath = join(root, 'docs', 'configuration-sdk.md');

// ---------------------------------------------------------------------------------------
// Agent: walking the zod schema

/** One key of the agent configuration, as the document shows it. */
export interface AgentConfigKey {
  /** Dotted path; `[]` stands for every item of a list. */
  readonly path: string;
  readonly type: string;
  /** `required`, a default value in backticks, or `—` (optional, no default). */
  readonly defaultText: string;
  /** Allowed values, ranges and other checks. */
  readonly constraints: readonly string[];
}

/** Marks objects that accept keys the schema does not name (none do today). */
const openObject = 'other keys accepted';

interface Inherited {
  /** Path of the object whose default supplies this key's value. */
  readonly from: string;
  readonly value: unknown;
}

function code(value: string): string {
  return `\`${value}\``;
}

function formatNumber(value: number): string {
  return String(value);
}

/** A value as it would be written in YAML: strings bare, everything else as JSON. */
function formatValue(value: unknown): string {
  return code(typeof value === 'string' ? value : JSON.stringify(value));
}

const furtherChecked = 'further checked (see description)';

/** Type and checks of a schema that is shown on one line (scalars, list items, map values). */
function describeInline(schema: z.ZodTypeAny, path: string): { type: string; constraints: string[] } {
  if (schema instanceof z.ZodEffects) {
    const inner = describeInline(schema.innerType() as z.ZodTypeAny, path);
    return { type: inner.type, constraints: [...inner.constraints, furtherChecked] };
  }
  if (schema instanceof z.ZodString) {
    const constraints: string[] = [];
    for (const check of schema._def.checks) {
      if (check.kind === 'min')
        constraints.push(check.value === 1 ? 'non-empty' : `at least ${check.value} characters`);
      else if (check.kind === 'max') constraints.push(`at most ${check.value} characters`);
      else if (check.kind === 'regex') constraints.push(`matches ${code(check.regex.source)}`);
      else if (check.kind === 'url') constraints.push('an absolute URL');
      else throw new Error(`${path}: string check ${check.kind} is not supported by the generator`);
    }
    return { type: 'string', constraints };
  }
  if (schema instanceof z.ZodNumber) {
    let integer = false;
    let min: { value: number; inclusive: boolean } | null = null;
    let max: { value: number; inclusive: boolean } | null = null;
    for (const check of schema._def.checks) {
      if (check.kind === 'int') integer = true;
      else if (check.kind === 'min') min = { value: check.value, inclusive: check.inclusive };
      else if (check.kind === 'max') max = { value: check.value, inclusive: check.inclusive };
      else throw new Error(`${path}: number check ${check.kind} is not supported by the generator`);
    }
    const constraints: string[] = [];
    if (min && max && min.inclusive && max.inclusive) {
      constraints.push(`${formatNumber(min.value)} to ${formatNumber(max.value)}`);
    } else {
      if (min) constraints.push(`${min.inclusive ? '≥' : '>'} ${formatNumber(min.value)}`);
      if (max) constraints.push(`${max.inclusive ? '≤' : '<'} ${formatNumber(max.value)}`);
    }
    return { type: integer ? 'integer' : 'number', constraints };
  }
  if (schema instanceof z.ZodBoolean) return { type: 'boolean', constraints: [] };
  if (schema instanceof z.ZodEnum) {
    const options = schema.options as readonly string[];
    return { type: 'string', constraints: [`one of ${options.map(code).join(', ')}`] };
  }
  if (schema instanceof z.ZodUnion) {
    const options = (schema.options as readonly z.ZodTypeAny[]).map((option, index) =>
      inlineObject(option, `${path} (option ${index + 1})`),
    );
    return { type: options.join(' or '), constraints: [] };
  }
  if (schema instanceof z.ZodArray) {
    const element = describeInline(schema.element as z.ZodTypeAny, `${path}[]`);
    const constraints = element.constraints.map((constraint) =>
      constraint === furtherChecked ? `items ${furtherChecked}` : `each ${constraint}`,
    );
    const minLength = (schema._def as { minLength: { value: number } | null }).minLength;
    if (minLength !== null)
      constraints.unshift(`at least ${minLength.value} item${minLength.value === 1 ? '' : 's'}`);
    return { type: `list of ${element.type}`, constraints };
  }
  if (schema instanceof z.ZodRecord) {
    const key = describeInline(schema.keySchema as z.ZodTypeAny, `${path} (key)`);
    const value = describeInline(schema.valueSchema as z.ZodTypeAny, `${path} (value)`);
    return {
      type: `map of ${key.type} to ${value.type}`,
      constraints: value.constraints.map((constraint) => `values ${constraint}`),
    };
  }
  throw new Error(`${path}: schema type ${schema.constructor.name} is not supported by the generator`);
}

/** A small object shown inline, such as a secret reference: `{ env: string }`. */
function inlineObject(schema: z.ZodTypeAny, path: string): string {
  if (!(schema instanceof z.ZodObject)) return describeInline(schema, path).type;
  const fields = Object.entries(schema.shape as Record<string, z.ZodTypeAny>).map(
    ([key, field]) => `${key}: ${describeInline(field, `${path}.${key}`).type}`,
  );
  return code(`{ ${fields.join(', ')} }`);
}

/** The values a discriminated union's variant takes for its discriminator. */
function discriminatorValues(schema: z.ZodTypeAny, path: string): string[] {
  if (schema instanceof z.ZodLiteral) return [String(schema.value)];
  if (schema instanceof z.ZodEnum) return (schema.options as string[]).map(String);
  throw new Error(`${path}: discriminator type ${schema.constructor.name} is not supported by the generator`);
}

/** Every key of the schema, depth first in schema order. */
export function agentConfigKeys(schema: z.ZodTypeAny = agentConfigSchema): AgentConfigKey[] {
  const keys: AgentConfigKey[] = [];
  const visit = (node: z.ZodTypeAny, path: string, inherited: Inherited | null): void => {
    let current = node;
    let optional = false;
    let ownDefault: { value: unknown } | null = null;
    const extraConstraints: string[] = [];
    for (;;) {
      if (current instanceof z.ZodOptional) {
        optional = true;
        current = current.unwrap() as z.ZodTypeAny;
      } else if (current instanceof z.ZodDefault) {
        ownDefault = { value: (current._def as { defaultValue: () => unknown }).defaultValue() };
        current = current.removeDefault() as z.ZodTypeAny;
      } else if (
        current instanceof z.ZodEffects &&
        (current._def as { effect: { type: string } }).effect.type === 'refinement'
      ) {
        extraConstraints.push(furtherChecked);
        current = current.innerType() as z.ZodTypeAny;
      } else break;
    }

    let defaultText: string;
    if (ownDefault !== null) {
      const value = ownDefault.value;
      const emptyObject =
        typeof value === 'object' &&
        value !== null &&
        !Array.isArray(value) &&
        Object.keys(value).length === 0;
      defaultText = emptyObject ? 'each key’s default' : formatValue(value);
    } else if (inherited !== null) {
      defaultText = `${formatValue(inherited.value)} while ${code(inherited.from)} is not given`;
    } else defaultText = optional ? '—' : 'required';

    const childInherited = (key: string): Inherited | null => {
      const value = ownDefault?.value;
      if (typeof value === 'object' && value !== null && key in value) {
        return { from: path, value: (value as Record<string, unknown>)[key] };
      }
      return null;
    };

    if (current instanceof z.ZodObject) {
      const strict = (current._def as { unknownKeys: string }).unknownKeys === 'strict';
      keys.push({
        path,
        type: 'object',
        defaultText,
        constraints: strict ? extraConstraints : [...extraConstraints, openObject],
      });
      for (const [key, child] of Object.entries(current.shape as Record<string, z.ZodTypeAny>)) {
        visit(child, path === '' ? key : `${path}.${key}`, childInherited(key));
      }
      return;
    }
    if (current instanceof z.ZodDiscriminatedUnion) {
      // One table row per field of any variant, each saying which variants have it.
      const discriminator = (
        current as z.ZodDiscriminatedUnion<string, z.ZodDiscriminatedUnionOption<string>[]>
      ).discriminator;
      const variants = (current.options as z.ZodObject<z.ZodRawShape>[]).map((variant) => ({
        shape: variant.shape as Record<string, z.ZodTypeAny>,
        values: discriminatorValues(variant.shape[discriminator] as z.ZodTypeAny, `${path}.${discriminator}`),
      }));
      keys.push({
        path,
        type: 'object',
        defaultText,
        constraints: [...extraConstraints, `its other keys depend on ${code(discriminator)}`],
      });
      keys.push({
        path: `${path}.${discriminator}`,
        type: 'string',
        defaultText: 'required',
        constraints: [
          `one of ${variants
            .flatMap((variant) => variant.values)
            .map(code)
            .join(', ')}`,
        ],
      });
      const fields = new Map<string, { schema: z.ZodTypeAny; values: string[] }>();
      for (const variant of variants) {
        for (const [key, child] of Object.entries(variant.shape)) {
          if (key === discriminator) continue;
          const field = fields.get(key) ?? { schema: child, values: [] };
          field.values.push(...variant.values);
          fields.set(key, field);
        }
      }
      for (const [key, field] of fields) {
        const index = keys.length;
        visit(field.schema, `${path}.${key}`, null);
        const visited = keys[index];
        if (visited) {
          keys[index] = {
            ...visited,
            constraints: [
              `only with ${code(discriminator)} ${field.values.map(code).join(', ')}`,
              ...visited.constraints,
            ],
          };
        }
      }
      return;
    }
    if (current instanceof z.ZodArray) {
      let element = current.element as z.ZodTypeAny;
      const elementConstraints: string[] = [];
      if (element instanceof z.ZodEffects && element.innerType() instanceof z.ZodObject) {
        elementConstraints.push(`items ${furtherChecked}`);
        element = element.innerType() as z.ZodTypeAny;
      }
      if (element instanceof z.ZodObject) {
        if ((element._def as { unknownKeys: string }).unknownKeys !== 'strict')
          elementConstraints.push(openObject);
        const minLength = (current._def as { minLength: { value: number } | null }).minLength;
        const constraints = [...extraConstraints, ...elementConstraints];
        if (minLength !== null) {
          constraints.unshift(`at least ${minLength.value} item${minLength.value === 1 ? '' : 's'}`);
        }
        keys.push({ path, type: 'list of objects', defaultText, constraints });
        for (const [key, child] of Object.entries(element.shape as Record<string, z.ZodTypeAny>)) {
          visit(child, `${path}[].${key}`, null);
        }
        return;
      }
    }
    const inline = describeInline(current, path);
    keys.push({
      path,
      type: inline.type,
      defaultText,
      constraints: [...extraConstraints, ...inline.constraints],
    });
  };
  visit(schema, '', null);
  return keys.filter((key) => key.path !== '');
}

/** Problems that stop generation: keys without a description, descriptions of no key, bad flag paths. */
export function agentConfigDocProblems(
  keys: readonly AgentConfigKey[] = agentConfigKeys(),
  descriptions: Readonly<Record<string, string>> = agentConfigDescriptions,
  flagKeyPaths: Readonly<Record<string, string>> = agentFlagKeyPaths,
): string[] {
  const problems: string[] = [];
  const paths = new Set(keys.map((key) => key.path));
  for (const key of keys) {
    const description = descriptions[key.path];
    if (description === undefined || description.trim() === '') {
      problems.push(`agent config key ${key.path} has no description in agent/src/config/descriptions.ts`);
    }
  }
  for (const path of Object.keys(descriptions)) {
    if (!paths.has(path)) {
      problems.push(
        `agent/src/config/descriptions.ts describes ${path}, which is not a key of the agent config schema`,
      );
    }
  }
  for (const [flag, path] of Object.entries(flagKeyPaths)) {
    if (!paths.has(path))
      problems.push(`flag --${flag} is said to set ${path}, which is not a key of the schema`);
  }
  return problems;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ].join('\n');
}

function environmentVariablesOf(flag: string): string[] {
  return Object.entries(agentEnvironmentVariables)
    .filter(([, target]) => target === flag)
    .map(([variable]) => variable);
}

/** Renders docs/configuration-agent.md (before formatting). */
export function renderAgentConfigDoc(keys: readonly AgentConfigKey[] = agentConfigKeys()): string {
  const problems = agentConfigDocProblems(keys);
  if (problems.length > 0)
    throw new Error(`cannot document the agent configuration:\n${problems.join('\n')}`);

  const flagsOfPath = new Map<string, string[]>();
  for (const [flag, path] of Object.entries(agentFlagKeyPaths)) {
    flagsOfPath.set(path, [code(`--${flag}`), ...environmentVariablesOf(flag).map(code)]);
  }
  const flagRows = Object.entries(agentFlags).map(([flag, spec]) => {
    const path = (agentFlagKeyPaths as Record<string, string>)[flag];
    const sets =
      path === undefined
        ? flag === 'config'
          ? 'the file to read'
          : '—'
        : path.startsWith('clusters[]')
          ? `${code(path.replace('clusters[]', 'clusters[0]'))} (the only cluster)`
          : code(path);
    return [
      code(`--${flag}`),
      environmentVariablesOf(flag).map(code).join(', ') || '—',
      sets,
      spec.description,
    ];
  });

  // The root object is not listed as a key, so look at it here.
  const rootStrict = (agentConfigSchema._def as { unknownKeys: string }).unknownKeys === 'strict';
  const strictness =
    rootStrict && keys.every((key) => !key.constraints.includes(openObject))
      ? ' in any object'
      : ` (except in objects marked "${openObject}")`;

  const sections: string[] = [];
  const topLevel = keys.filter((key) => !key.path.includes('.') && !key.path.includes('['));
  for (const section of topLevel) {
    const members = keys.filter(
      (key) =>
        key.path === section.path ||
        key.path.startsWith(`${section.path}.`) ||
        key.path.startsWith(`${section.path}[]`),
    );
    const rows = members.map((key) => {
      const flags = flagsOfPath.get(key.path);
      const description = agentConfigDescriptions[key.path] ?? '';
      return [
        code(key.path),
        key.type,
        key.defaultText,
        key.constraints.join('; ') || '—',
        flags === undefined ? description : `${description} Also set by ${flags.join(', ')}.`,
      ];
    });
    sections.push(`### ${section.path}`, '');
    sections.push(table(['key', 'type', 'default', 'allowed', 'description'], rows), '');
  }

  return [
    '# Agent configuration',
    '',
    'Generated by `npm run docs:config` from the zod schema (`agent/src/config/schema.ts`), the',
    'flags and environment variables (`agent/src/config/load.ts`) and the key descriptions',
    '(`agent/src/config/descriptions.ts`); do not edit by hand.',
    '',
    '`streamops-agent` reads a YAML file (`--config`), then environment variables, then flags;',
    'a later source overrides an earlier one. The result is validated once, at start-up:',
    `unknown keys${strictness}, values out of range, invalid regular expressions and inline`,
    'secrets are refused with a message that names the key, and the agent exits with status 2.',
    'Secrets (SASL credentials, TLS material, the ingest token) are only given by reference,',
    '`{ env: VARIABLE }` or `{ file: /path }`, and are read when the agent starts.',
    '',
    '## Flags and environment variables',
    '',
    table(['flag', 'environment variables', 'sets', 'description'], flagRows),
    '',
    '- `--brokers` replaces the file’s `clusters` with a single cluster: the file’s only cluster',
    '  with its `brokers` replaced, or a new one named by `--cluster-name` (default `default`). It',
    '  is an error when the file defines several clusters, and `--cluster-name` alone is an error.',
    '- Without `--config`, `--brokers` (or one of its variables) is required.',
    '- When both are set, `STREAMOPS_BROKERS` wins over `KAFKA_BROKERS`.',
    '- `streamops-agent --help` prints the same list.',
    '',
    '## Keys',
    '',
    'Paths join keys with dots; `[]` stands for every item of a list. "Required" applies',
    'whenever the object holding the key is given. Ranges include their ends.',
    '',
    ...sections,
    '## Example',
    '',
    'A configuration that uses every section (a test checks that the agent accepts it):',
    '',
    '```yaml',
    exampleAgentConfig.trimEnd(),
    '```',
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------
// SDK: reading the option interfaces and doc comments with the TypeScript compiler API

const sdkSourceRoot = join(root, 'sdk', 'src');

/** Functions whose options are documented, with their options interface, in document order. */
const sdkFunctions = [
  { name: 'instrument', options: 'InstrumentOptions' },
  { name: 'instrumentProducer', options: 'InstrumentProducerOptions' },
  { name: 'instrumentConsumer', options: 'InstrumentConsumerOptions' },
  { name: 'stage', options: 'StageOptions' },
  { name: 'pipeline', options: 'PipelineOptions' },
  { name: 'startReporter', options: 'ReporterOptions' },
] as const;

/** The options every instrument*() call takes, documented once. */
const sharedOptionsInterface = 'InstrumentationOptions';

/** Option interfaces whose keys are listed under the option that holds them. */
const nestedOptionInterfaces = new Set([
  'LabelOptions',
  'ReliabilityOptions',
  'BackoffOptions',
  'PipelineSource',
  'PipelineSink',
]);

/** What each SDK function that reads environment variables stands for, in the document. */
const environmentReaders: Readonly<Record<string, string>> = {
  defaultPipelineName: '`instrument*()` and `register`, for the default of `pipeline`',
  zeroCodeSettings: '`@streamops/sdk/register`',
};

/** One option of an SDK function. */
export interface SdkOption {
  /** Dotted path inside the options object. */
  readonly path: string;
  readonly type: string;
  readonly required: boolean;
  readonly description: string;
  /** Where it is declared, for problem messages. */
  readonly source: string;
}

/** An options object (or an object inside one) and its keys, as documented. */
export interface SdkOptionObject {
  /** `instrument`, `instrument.stages`, `InstrumentationOptions.labels`... */
  readonly id: string;
  readonly keys: readonly string[];
}

/** An environment variable the SDK reads. */
export interface SdkEnvironmentVariable {
  readonly name: string;
  /** Functions whose code reads it. */
  readonly readBy: readonly string[];
  /** The `@env` tag text that documents it; null when undocumented. */
  readonly description: string | null;
}

interface SdkFunctionDoc {
  readonly name: string;
  readonly signature: string;
  readonly summary: string;
  readonly optionsInterface: string;
  readonly sharedOptions: boolean;
  readonly options: readonly SdkOption[];
}

/** Everything the SDK document is made of, and what is wrong with it. */
export interface SdkConfigModel {
  readonly shared: readonly SdkOption[];
  readonly functions: readonly SdkFunctionDoc[];
  readonly objects: readonly SdkOptionObject[];
  readonly environment: readonly SdkEnvironmentVariable[];
  readonly problems: readonly string[];
}

function sdkSourceFiles(directory: string = sdkSourceRoot): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) files.push(...sdkSourceFiles(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) files.push(path);
  }
  return files.sort();
}

/**
 * The text of a node's doc comment before its block tags, read from the source: the
 * compiler's JSDoc parser would end the text at any `@word`, such as `@opentelemetry/api`.
 */
function rawDocText(node: ts.Node): string {
  const docs = ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc);
  const last = docs[docs.length - 1];
  if (last === undefined) return '';
  const lines = last
    .getText()
    .replace(/^\/\*\*/, '')
    .replace(/\*\/$/, '')
    .split('\n')
    .map((line) => line.replace(/^\s*\* ?/, ''));
  const firstTag = lines.findIndex((line) => /^\s*@[A-Za-z]+(\s|$)/.test(line));
  return (firstTag === -1 ? lines : lines.slice(0, firstTag)).join('\n').trim();
}

function docText(node: ts.Node): string {
  return cleanDoc(rawDocText(node));
}

function cleanDoc(text: string): string {
  return text
    .replace(/\{@link\s+([^}\s|]+)(?:[\s|][^}]*)?\}/g, (_match, target: string) => code(target))
    .replace(/\s+/g, ' ')
    .trim();
}

/** First paragraph of a function's doc comment. */
function summaryOf(node: ts.Node): string {
  return cleanDoc(rawDocText(node).split(/\n\s*\n/)[0] ?? '');
}

function typeText(node: ts.TypeNode | undefined, file: ts.SourceFile): string {
  if (node === undefined) return 'unknown';
  // An inline object type is listed key by key below the option.
  if (ts.isTypeLiteralNode(node)) return 'object';
  return node.getText(file).replace(/\s+/g, ' ');
}

/** The members listed under an option of this type: inline object types and nested option interfaces. */
function nestedMembers(
  node: ts.TypeNode | undefined,
  interfaces: ReadonlyMap<string, { declaration: ts.InterfaceDeclaration; file: ts.SourceFile }>,
): { members: readonly ts.TypeElement[]; file: ts.SourceFile | null } | null {
  if (node === undefined) return null;
  if (ts.isTypeLiteralNode(node)) return { members: node.members, file: null };
  if (ts.isUnionTypeNode(node)) {
    for (const member of node.types) {
      const nested = nestedMembers(member, interfaces);
      if (nested !== null) return nested;
    }
    return null;
  }
  if (ts.isTypeReferenceNode(node) && ts.isIdentifier(node.typeName)) {
    const name = node.typeName.text;
    const found = interfaces.get(name);
    if (nestedOptionInterfaces.has(name) && found !== undefined) {
      return { members: found.declaration.members, file: found.file };
    }
  }
  return null;
}

/** Reads the SDK sources: the option interfaces, the documented functions and the environment variables. */
export function sdkConfigModel(files: readonly string[] = sdkSourceFiles()): SdkConfigModel {
  const problems: string[] = [];
  const interfaces = new Map<string, { declaration: ts.InterfaceDeclaration; file: ts.SourceFile }>();
  const functions = new Map<string, { declaration: ts.FunctionDeclaration; file: ts.SourceFile }>();
  const reads = new Map<string, Set<string>>();
  const envTags = new Map<string, string[]>();

  const enclosingFunction = (node: ts.Node): string => {
    for (let current: ts.Node | undefined = node.parent; current !== undefined; current = current.parent) {
      if (
        (ts.isFunctionDeclaration(current) || ts.isMethodDeclaration(current)) &&
        current.name !== undefined
      ) {
        return current.name.getText();
      }
    }
    return '(module)';
  };

  for (const path of files) {
    const file = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.ES2022, true);
    const where = relative(root, path);
    const visit = (node: ts.Node): void => {
      if (ts.isInterfaceDeclaration(node)) interfaces.set(node.name.text, { declaration: node, file });
      if (ts.isFunctionDeclaration(node) && node.name !== undefined && node.body !== undefined) {
        functions.set(node.name.text, { declaration: node, file });
      }
      // env.NAME and process.env.NAME
      if (
        ts.isPropertyAccessExpression(node) &&
        /^[A-Z][A-Z0-9_]*$/.test(node.name.text) &&
        (node.expression.getText(file) === 'env' || node.expression.getText(file) === 'process.env')
      ) {
        const readers = reads.get(node.name.text) ?? new Set<string>();
        readers.add(enclosingFunction(node));
        reads.set(node.name.text, readers);
      }
      for (const doc of ts.getJSDocCommentsAndTags(node)) {
        if (!ts.isJSDoc(doc)) continue;
        for (const tag of doc.tags ?? []) {
          if (tag.tagName.text !== 'env') continue;
          const text = cleanDoc(ts.getTextOfJSDocComment(tag.comment) ?? '');
          const match = /^([A-Z][A-Z0-9_]*)\s+(.+)$/.exec(text);
          if (match === null) {
            problems.push(`${where}: an @env tag must name a variable and describe it, got "${text}"`);
            continue;
          }
          const [, name = '', description = ''] = match;
          envTags.set(name, [...(envTags.get(name) ?? []), description]);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  }

  const optionsOf = (
    interfaceName: string,
    prefix: string,
    objectId: string,
    objects: SdkOptionObject[],
  ): SdkOption[] => {
    const found = interfaces.get(interfaceName);
    if (found === undefined) {
      problems.push(`sdk/src: interface ${interfaceName} not found`);
      return [];
    }
    return membersOf(found.declaration.members, found.file, prefix, objectId, objects);
  };

  const membersOf = (
    members: readonly ts.TypeElement[],
    file: ts.SourceFile,
    prefix: string,
    objectId: string,
    objects: SdkOptionObject[],
  ): SdkOption[] => {
    const options: SdkOption[] = [];
    const keys: string[] = [];
    for (const member of members) {
      if (!ts.isPropertySignature(member) || member.name === undefined) {
        problems.push(`${relative(root, file.fileName)}: ${objectId} has a member that is not a property`);
        continue;
      }
      const key = member.name.getText(file);
      keys.push(key);
      const path = prefix === '' ? key : `${prefix}.${key}`;
      const source = `${relative(root, file.fileName)}:${file.getLineAndCharacterOfPosition(member.getStart(file)).line + 1}`;
      const description = docText(member);
      if (description === '') problems.push(`SDK option ${objectId}: ${path} has no doc comment (${source})`);
      options.push({
        path,
        type: typeText(member.type, file),
        required: member.questionToken === undefined,
        description,
        source,
      });
      const nested = nestedMembers(member.type, interfaces);
      if (nested !== null) {
        const nestedId = `${objectId.split('.')[0]}.${path}`;
        options.push(...membersOf(nested.members, nested.file ?? file, path, nestedId, objects));
      }
    }
    objects.push({ id: objectId, keys });
    return options;
  };

  const objects: SdkOptionObject[] = [];
  const sharedObjects: SdkOptionObject[] = [];
  const shared = optionsOf(sharedOptionsInterface, '', sharedOptionsInterface, sharedObjects);
  const sharedKeys = sharedObjects.find((object) => object.id === sharedOptionsInterface)?.keys ?? [];
  objects.push(...sharedObjects.filter((object) => object.id !== sharedOptionsInterface));

  const functionDocs: SdkFunctionDoc[] = [];
  for (const { name, options: interfaceName } of sdkFunctions) {
    const found = functions.get(name);
    if (found === undefined) {
      problems.push(`sdk/src: function ${name} not found`);
      continue;
    }
    const { declaration, file } = found;
    const parameters = declaration.parameters.map(
      (parameter) =>
        `${parameter.name.getText(file)}${parameter.questionToken !== undefined || parameter.initializer !== undefined ? '?' : ''}`,
    );
    const takesOptions = declaration.parameters.some(
      (parameter) => parameter.type !== undefined && parameter.type.getText(file) === interfaceName,
    );
    if (!takesOptions) problems.push(`sdk/src: ${name}() has no parameter of type ${interfaceName}`);
    const optionsInterface = interfaces.get(interfaceName);
    let sharedOptions = false;
    for (const clause of optionsInterface?.declaration.heritageClauses ?? []) {
      for (const heritage of clause.types) {
        if (heritage.expression.getText() === sharedOptionsInterface) sharedOptions = true;
        else
          problems.push(
            `sdk/src: ${interfaceName} extends ${heritage.expression.getText()}, which the generator does not document`,
          );
      }
    }
    const own: SdkOptionObject[] = [];
    const options = optionsOf(interfaceName, '', name, own);
    for (const object of own) {
      objects.push(
        object.id === name && sharedOptions ? { id: name, keys: [...sharedKeys, ...object.keys] } : object,
      );
    }
    const summary = summaryOf(declaration);
    if (summary === '') problems.push(`sdk/src: ${name}() has no doc comment`);
    functionDocs.push({
      name,
      signature: `${name}(${parameters.join(', ')})`,
      summary,
      optionsInterface: interfaceName,
      sharedOptions,
      options,
    });
  }

  const environment: SdkEnvironmentVariable[] = [];
  for (const name of [...new Set([...reads.keys(), ...envTags.keys()])].sort()) {
    const readBy = [...(reads.get(name) ?? [])].sort();
    const tags = envTags.get(name) ?? [];
    if (readBy.length === 0) problems.push(`an @env tag documents ${name}, which no SDK code reads`);
    if (readBy.length > 0 && tags.length === 0) {
      problems.push(
        `environment variable ${name} is read by ${readBy.join(', ')} but has no @env tag in sdk/src`,
      );
    }
    if (tags.length > 1) problems.push(`environment variable ${name} has ${tags.length} @env tags; keep one`);
    for (const reader of readBy) {
      if (environmentReaders[reader] === undefined) {
        problems.push(
          `${reader} reads ${name}; say in scripts/config-doc.ts (environmentReaders) what it stands for`,
        );
      }
    }
    environment.push({ name, readBy, description: tags[0] ?? null });
  }

  return { shared, functions: functionDocs, objects, environment, problems };
}

/** Problems that stop generation of the SDK document. */
export function sdkConfigDocProblems(model: SdkConfigModel = sdkConfigModel()): readonly string[] {
  return model.problems;
}

function optionRows(options: readonly SdkOption[]): string[][] {
  return options.map((option) => [
    code(option.path),
    code(option.type),
    option.required ? 'yes' : 'no',
    option.description,
  ]);
}

/** Renders docs/configuration-sdk.md (before formatting). */
export function renderSdkConfigDoc(model: SdkConfigModel = sdkConfigModel()): string {
  if (model.problems.length > 0) {
    throw new Error(`cannot document the SDK configuration:\n${model.problems.join('\n')}`);
  }
  const header = ['option', 'type', 'required', 'description'];
  const functionSections = model.functions.flatMap((doc) => [
    `## ${doc.name}()`,
    '',
    `\`${doc.signature}\`: ${doc.summary}`,
    '',
    doc.sharedOptions
      ? `Options (\`${doc.optionsInterface}\`): the [shared instrumentation options](#shared-instrumentation-options), and:`
      : `Options (\`${doc.optionsInterface}\`):`,
    '',
    table(header, optionRows(doc.options)),
    '',
  ]);
  const environmentRows = model.environment.map((variable) => [
    code(variable.name),
    variable.readBy.map((reader) => environmentReaders[reader] ?? reader).join('; '),
    variable.description ?? '',
  ]);
  return [
    '# SDK configuration',
    '',
    'Generated by `npm run docs:config` from the option interfaces of `@streamops/sdk` and their',
    'doc comments (`sdk/src`); do not edit by hand.',
    '',
    'Options are checked when the function is called: an invalid or unknown option throws',
    '`InvalidOptionError`, whose message names it (`streamops: invalid option "labels.maxValuesPerLabel": ...`).',
    'Paths with dots are keys of an object option (`labels.partition` is `{ labels: { partition } }`).',
    '',
    '## Shared instrumentation options',
    '',
    `\`${sharedOptionsInterface}\`: taken by \`instrument()\`, \`instrumentProducer()\` and`,
    '`instrumentConsumer()`, and, without `pipeline`, by the `instrumentation` option of `pipeline()`.',
    '',
    table(header, optionRows(model.shared)),
    '',
    ...functionSections,
    '## Environment variables',
    '',
    'Every environment variable the SDK code reads (found in `sdk/src` by the generator) and what',
    'it does. `@streamops/sdk/register` (`node --require @streamops/sdk/register app.js`) also starts',
    '`@opentelemetry/sdk-node`, which reads the standard `OTEL_*` variables (exporter, endpoint,',
    'sampler, propagators, resource) itself; see the',
    '[OpenTelemetry SDK configuration](https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/).',
    '',
    table(['variable', 'read by', 'meaning'], environmentRows),
    '',
    '`register` does not start a reporter: `startReporter()` takes its settings from its options',
    'only. The `STREAMOPS_AGENT_URL`, `STREAMOPS_AGENT_TOKEN` and `STREAMOPS_REPORT_INTERVAL_MS`',
    'variables that the pipeline Helm chart sets are for the application to pass to',
    '`startReporter()` (see [deploy-kubernetes.md](deploy-kubernetes.md)).',
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------
// Formatting and writing

/** Formats Markdown like `prettier --write` with the repository's settings (standalone build: works under jest). */
export async function formatMarkdown(markdown: string): Promise<string> {
  const settings = JSON.parse(readFileSync(join(root, '.prettierrc.json'), 'utf8')) as PrettierOptions;
  return prettier.format(markdown, {
    ...settings,
    parser: 'markdown',
    plugins: [prettierMarkdown, prettierYaml],
  });
}

/** Both documents, formatted, by path. */
export async function renderConfigDocs(): Promise<Map<string, string>> {
  return new Map([
    [agentConfigDocPath, await formatMarkdown(renderAgentConfigDoc())],
    [sdkConfigDocPath, await formatMarkdown(renderSdkConfigDoc())],
  ]);
}

if (require.main === module) {
  renderConfigDocs().then(
    (documents) => {
      for (const [path, text] of documents) {
        writeFileSync(path, text);
        console.log(`wrote ${relative(process.cwd(), path)}`);
      }
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
