import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { type ZodError } from 'zod';
import { agentConfigSchema, type AgentConfig } from './schema';

/** A configuration problem; the message names the offending key or flag. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Where the agent configuration comes from. Later sources override earlier ones: file, env, flags. */
export interface ConfigSources {
  /** Command-line arguments without the node binary and script (process.argv.slice(2)). */
  readonly argv?: readonly string[];
  /** Environment variables (process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Reads the YAML file; injectable for tests. */
  readonly readFile?: (path: string) => string;
}

/** Flags understood by `streamops-agent`; `--help` text is built from this list. */
export const agentFlags = {
  config: { type: 'string', description: 'path to the YAML configuration file' },
  brokers: { type: 'string', description: 'comma-separated bootstrap brokers of the (only) cluster' },
  'cluster-name': { type: 'string', description: 'name of the cluster created from --brokers' },
  port: { type: 'string', description: 'HTTP port for /metrics and the API' },
  host: { type: 'string', description: 'HTTP listen address' },
  interval: { type: 'string', description: 'collection interval in seconds' },
  granularity: { type: 'string', description: 'partition or topic' },
  'flink-url': { type: 'string', description: 'Flink REST API to model the jobs of (endpoint name "flink")' },
  'storm-url': {
    type: 'string',
    description: 'Storm UI REST API to model the topologies of (endpoint name "storm")',
  },
  help: { type: 'boolean', description: 'print this help' },
} as const;

/** Environment variables that override the file; flags override them in turn. */
export const agentEnvironmentVariables = {
  STREAMOPS_CONFIG: 'config',
  STREAMOPS_BROKERS: 'brokers',
  KAFKA_BROKERS: 'brokers',
  STREAMOPS_CLUSTER_NAME: 'cluster-name',
  STREAMOPS_PORT: 'port',
  STREAMOPS_HOST: 'host',
  STREAMOPS_INTERVAL_SECONDS: 'interval',
  STREAMOPS_GRANULARITY: 'granularity',
  STREAMOPS_FLINK_URL: 'flink-url',
  STREAMOPS_STORM_URL: 'storm-url',
} as const satisfies Record<string, keyof typeof agentFlags>;

type Overrides = Partial<Record<Exclude<keyof typeof agentFlags, 'help'>, string>>;

function formatZodError(error: ZodError, origin: string): string {
  const lines = error.issues.map((issue) => {
    const path = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
    return `  ${path}: ${issue.message}`;
  });
  return `invalid agent configuration (${origin}):\n${lines.join('\n')}`;
}

function parseFlags(argv: readonly string[]): Overrides & { help?: boolean } {
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: agentFlags,
      strict: true,
      allowPositionals: false,
    });
    return values;
  } catch (error) {
    throw new ConfigError(`${(error as Error).message} (see --help)`);
  }
}

function overridesFromEnv(env: Readonly<Record<string, string | undefined>>): Overrides {
  const overrides: Overrides = {};
  for (const [variable, key] of Object.entries(agentEnvironmentVariables)) {
    const value = env[variable];
    // STREAMOPS_BROKERS wins over the generic KAFKA_BROKERS when both are set.
    if (value !== undefined && value !== '' && !(variable === 'KAFKA_BROKERS' && overrides.brokers)) {
      overrides[key] = value;
    }
  }
  return overrides;
}

function parseNumberOverride(name: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) {
    throw new ConfigError(`${name} must be a number, got ${JSON.stringify(text)}`);
  }
  return value;
}

function asRecord(value: unknown, origin: string): Record<string, unknown> {
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(`invalid agent configuration (${origin}): the top level must be a mapping`);
  }
  return { ...(value as Record<string, unknown>) };
}

function section(raw: Record<string, unknown>, key: string): Record<string, unknown> {
  const existing = raw[key];
  const copy = existing && typeof existing === 'object' && !Array.isArray(existing) ? { ...existing } : {};
  raw[key] = copy;
  return copy;
}

function applyOverrides(raw: Record<string, unknown>, overrides: Overrides): void {
  if (overrides.brokers !== undefined) {
    const brokers = overrides.brokers
      .split(',')
      .map((address) => address.trim())
      .filter((address) => address !== '');
    const clusters = Array.isArray(raw.clusters) ? [...(raw.clusters as unknown[])] : [];
    if (clusters.length > 1) {
      throw new ConfigError(
        '--brokers / STREAMOPS_BROKERS cannot be used when the file defines several clusters',
      );
    }
    const existing = asRecord(clusters[0], 'clusters[0]');
    raw.clusters = [{ ...existing, name: overrides['cluster-name'] ?? existing.name ?? 'default', brokers }];
  } else if (overrides['cluster-name'] !== undefined) {
    throw new ConfigError('--cluster-name / STREAMOPS_CLUSTER_NAME only applies together with --brokers');
  }
  if (overrides.port !== undefined) section(raw, 'server').port = parseNumberOverride('port', overrides.port);
  if (overrides.host !== undefined) section(raw, 'server').host = overrides.host;
  if (overrides.interval !== undefined) {
    section(raw, 'collection').intervalSeconds = parseNumberOverride('interval', overrides.interval);
  }
  if (overrides.granularity !== undefined) section(raw, 'collection').granularity = overrides.granularity;
  for (const type of ['flink', 'storm'] as const) {
    const url = overrides[`${type}-url`];
    if (url === undefined) continue;
    // The flag names the endpoint after its type and replaces a file entry of that name.
    const engines = (Array.isArray(raw.engines) ? [...(raw.engines as unknown[])] : []).filter(
      (entry) => asRecord(entry, 'engines[]').name !== type,
    );
    engines.push({ type, name: type, url });
    raw.engines = engines;
  }
}

/** Parses and validates a configuration object (already read from YAML or built in code). */
export function parseAgentConfig(raw: unknown, origin = 'config'): AgentConfig {
  const result = agentConfigSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(formatZodError(result.error, origin));
  return result.data;
}

/** True when `--help` was passed; the caller prints {@link agentHelpText}. */
export function helpRequested(argv: readonly string[]): boolean {
  return parseFlags(argv).help === true;
}

/** Usage text for `streamops-agent --help`. */
export function agentHelpText(): string {
  const flagLines = Object.entries(agentFlags).map(
    ([flag, spec]) => `  --${flag.padEnd(14)} ${spec.description}`,
  );
  const envLines = Object.entries(agentEnvironmentVariables).map(
    ([variable, flag]) => `  ${variable.padEnd(27)} same as --${flag}`,
  );
  return ['usage: streamops-agent [flags]', '', 'flags:', ...flagLines, '', 'environment:', ...envLines].join(
    '\n',
  );
}

/**
 * Loads the agent configuration from a YAML file, environment variables and flags, in
 * that order of precedence (flags win), and validates it. Throws {@link ConfigError}.
 */
export function loadAgentConfig(sources: ConfigSources = {}): AgentConfig {
  const env = sources.env ?? {};
  const readFile = sources.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  const fromFlags = parseFlags(sources.argv ?? []);
  const fromEnv = overridesFromEnv(env);
  const overrides: Overrides = { ...fromEnv, ...fromFlags };
  delete (overrides as { help?: boolean }).help;

  let raw: Record<string, unknown> = {};
  const configPath = overrides.config;
  let origin = 'flags and environment';
  if (configPath !== undefined) {
    origin = configPath;
    let text: string;
    try {
      text = readFile(configPath);
    } catch (error) {
      throw new ConfigError(`cannot read config file ${configPath}: ${(error as Error).message}`);
    }
    try {
      raw = asRecord(parseYaml(text), configPath);
    } catch (error) {
      if (error instanceof ConfigError) throw error;
      const detail = error instanceof YAMLParseError ? error.message : String(error);
      throw new ConfigError(`config file ${configPath} is not valid YAML: ${detail}`);
    }
  }
  applyOverrides(raw, overrides);
  if (raw.clusters === undefined) {
    throw new ConfigError(
      'no cluster configured: pass --config <file>, or --brokers host:port (or set KAFKA_BROKERS)',
    );
  }
  return parseAgentConfig(raw, origin);
}
