/**
 * Stages the agent as a self-contained directory: what the container image runs
 * (agent/Dockerfile runs this script in its build stage and copies the result to /app).
 *
 *   <outdir>/package.json          the agent's manifest, runtime dependencies only
 *   <outdir>/dist/**.js            the compiled agent (no tests, types or source maps)
 *   <outdir>/node_modules/**       the production dependency closure, nothing else
 *
 * Usage: tsx --tsconfig tsconfig.check.json scripts/stage-agent-image.ts <outdir>
 *
 * The dependencies are copied from the node_modules `npm ci` already installed, following
 * each package's own `dependencies` (and installed optional and peer dependencies) with
 * Node's lookup rules, rather than running a second `npm ci --omit=dev`: npm cannot install
 * one workspace's production dependencies alone from the shared lock file without the
 * network, and the copy takes about a second. A direct dependency of the agent that its
 * compiled code never requires (@streamops/sdk and @smithy/types are used for types only)
 * is left out, so the image does not carry the SDK's OpenTelemetry packages.
 */
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  realpathSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const repoRoot = resolve(__dirname, '..');
const agentDir = join(repoRoot, 'agent');

interface PackageManifest {
  name: string;
  version: string;
  description?: string;
  license?: string;
  main?: string;
  bin?: Record<string, string>;
  files?: string[];
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  scripts?: Record<string, string>;
}

function readManifest(dir: string): PackageManifest {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageManifest;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile());
}

/** Where Node finds `name` when required from `fromDir`: the first node_modules/<name> walking up. */
function locatePackage(name: string, fromDir: string): string | undefined {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/** The package names the compiled agent requires (bare specifiers, without subpaths). */
function requiredByCompiledAgent(distDir: string): Set<string> {
  const names = new Set<string>();
  for (const file of filesUnder(distDir).filter((path) => path.endsWith('.js'))) {
    for (const match of readFileSync(file, 'utf8').matchAll(/require\("([^".][^"]*)"\)/g)) {
      const specifier = match[1] ?? '';
      if (specifier.startsWith('node:')) continue;
      const parts = specifier.split('/');
      names.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier));
    }
  }
  return names;
}

/** Target of an installed package in the staged tree: the same path below node_modules. */
function stagedLocation(location: string, outDir: string): string {
  const fromRoot = relative(repoRoot, location);
  const inRootModules = fromRoot.startsWith(`node_modules${sep}`);
  const inAgentModules = fromRoot.startsWith(`agent${sep}node_modules${sep}`);
  if (!inRootModules && !inAgentModules) {
    throw new Error(`${location} is outside the installed node_modules; run npm ci first`);
  }
  return join(outDir, inAgentModules ? relative(join('agent'), fromRoot) : fromRoot);
}

function copyPackage(location: string, target: string): void {
  const realDir = realpathSync(location);
  const manifest = readManifest(realDir);
  const lifecycle = ['preinstall', 'install', 'postinstall'].filter((script) => manifest.scripts?.[script]);
  if (lifecycle.length > 0 || existsSync(join(realDir, 'binding.gyp'))) {
    // Native builds would have to run in the runtime image; the agent has none today.
    throw new Error(`${manifest.name} has install scripts (${lifecycle.join(', ') || 'binding.gyp'})`);
  }
  const isWorkspace = !relative(repoRoot, realDir).split(sep).includes('node_modules');
  if (isWorkspace) {
    // A workspace package: its published files only, as npm pack would ship them.
    mkdirSync(target, { recursive: true });
    cpSync(join(realDir, 'package.json'), join(target, 'package.json'));
    for (const entry of manifest.files ?? [])
      cpSync(join(realDir, entry), join(target, entry), { recursive: true });
    return;
  }
  const nested = join(realDir, 'node_modules');
  // Nested node_modules are staged one package at a time, only when required.
  cpSync(realDir, target, {
    recursive: true,
    filter: (source) => !`${source}${sep}`.startsWith(`${nested}${sep}`),
  });
}

/** Copies the closure of `roots` (required from the agent folder) into outDir/node_modules. */
function stageDependencies(roots: readonly string[], outDir: string): string[] {
  const staged = new Map<string, string>(); // target path -> real source dir
  const queue = roots.map((name) => ({ name, fromDir: agentDir, optional: false }));
  for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
    const location = locatePackage(item.name, item.fromDir);
    if (location === undefined) {
      if (item.optional) continue;
      throw new Error(`${item.name} (needed from ${relative(repoRoot, item.fromDir)}) is not installed`);
    }
    const target = stagedLocation(location, outDir);
    const realDir = realpathSync(location);
    const already = staged.get(target);
    if (already !== undefined) {
      if (already !== realDir)
        throw new Error(`two installs of ${item.name} map to ${relative(outDir, target)}`);
      continue;
    }
    staged.set(target, realDir);
    copyPackage(location, target);
    const manifest = readManifest(realDir);
    // Lookups continue from where the package is installed, as Node does at run time.
    for (const name of Object.keys(manifest.dependencies ?? {}))
      queue.push({ name, fromDir: location, optional: false });
    for (const name of Object.keys(manifest.optionalDependencies ?? {}))
      queue.push({ name, fromDir: location, optional: true });
    for (const name of Object.keys(manifest.peerDependencies ?? {})) {
      queue.push({
        name,
        fromDir: location,
        optional: manifest.peerDependenciesMeta?.[name]?.optional === true,
      });
    }
  }
  return [...staged.keys()].map((target) => relative(outDir, target)).sort();
}

export function stageAgentImage(outDir: string): { packages: string[] } {
  if (existsSync(outDir) && readdirSync(outDir).length > 0) {
    throw new Error(`${outDir} is not empty: stage into a new or empty directory`);
  }
  execFileSync(join(repoRoot, 'node_modules', '.bin', 'tsc'), ['-b', agentDir], { stdio: 'inherit' });

  const distDir = join(agentDir, 'dist');
  mkdirSync(join(outDir, 'dist'), { recursive: true });
  for (const file of filesUnder(distDir).filter((path) => path.endsWith('.js'))) {
    const target = join(outDir, 'dist', relative(distDir, file));
    mkdirSync(dirname(target), { recursive: true });
    cpSync(file, target);
  }

  const manifest = readManifest(agentDir);
  const required = requiredByCompiledAgent(distDir);
  const runtime = Object.entries(manifest.dependencies ?? {}).filter(([name]) => required.has(name));
  const undeclared = [...required].filter((name) => !(name in (manifest.dependencies ?? {})));
  if (undeclared.length > 0) {
    throw new Error(`the compiled agent requires undeclared packages: ${undeclared.join(', ')}`);
  }
  writeFileSync(
    join(outDir, 'package.json'),
    `${JSON.stringify(
      {
        name: manifest.name,
        version: manifest.version,
        description: manifest.description,
        license: manifest.license,
        private: true,
        main: manifest.main,
        bin: manifest.bin,
        dependencies: Object.fromEntries(runtime),
      },
      null,
      2,
    )}\n`,
  );
  return {
    packages: stageDependencies(
      runtime.map(([name]) => name),
      outDir,
    ),
  };
}

if (require.main === module) {
  const [outDir, ...rest] = process.argv.slice(2);
  if (outDir === undefined || rest.length > 0) {
    console.error('usage: stage-agent-image.ts <outdir>');
    process.exit(2);
  }
  try {
    const { packages } = stageAgentImage(resolve(outDir));
    console.log(`staged the agent and ${packages.length} packages into ${resolve(outDir)}`);
  } catch (error) {
    console.error(`stage-agent-image: ${(error as Error).message}`);
    process.exit(1);
  }
}
