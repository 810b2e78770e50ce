import { parseArgs } from 'node:util';
import { ConfigError } from '../config/load';
import { type PipelineModel } from '../pipelines/model';
import { infinityReplacer, infinityReviver } from '../protocol/json-infinity';
import { renderCapacityReport } from './capacity-report';
import { type Print } from './lag-command';

/** Usage of `streamops capacity`. */
export const capacityUsage = `usage: streamops capacity --agent http://agent:9308 [--pipeline name] [--target-rate msgs/s] [--json]

Prints each pipeline's throughput model (D × P × C = R), its stages' rate, service rate μ,
utilisation ρ and headroom, the bottleneck and time to drain, and with --target-rate the
plan: instances per stage, partitions, and which stage to scale.`;

// Fields of the pipeline model that the API may send as "+Inf".
const reviveTimesToDrain = infinityReviver(new Set(['timeToDrainSeconds', 'timeToDrainAtCapacitySeconds']));

async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return { status: response.status, body: JSON.parse(await response.text(), reviveTimesToDrain) as unknown };
}

/** `streamops capacity`: reads the agent's pipeline API. Returns the exit code. */
export async function runCapacityCommand(argv: readonly string[], print: Print): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        agent: { type: 'string' },
        pipeline: { type: 'string' },
        'target-rate': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new ConfigError(`${(error as Error).message}\n${capacityUsage}`);
  }
  if (values.help) {
    print(capacityUsage);
    return 0;
  }
  if (!values.agent) throw new ConfigError(`--agent is required\n${capacityUsage}`);
  let base: URL;
  try {
    base = new URL(values.agent.endsWith('/') ? values.agent : `${values.agent}/`);
  } catch {
    throw new ConfigError(
      `--agent must be a URL such as http://agent:9308, got ${JSON.stringify(values.agent)}`,
    );
  }
  let targetRate: number | null = null;
  if (values['target-rate'] !== undefined) {
    targetRate = Number(values['target-rate']);
    if (!Number.isFinite(targetRate) || targetRate <= 0) {
      throw new ConfigError(
        `--target-rate must be a positive number of messages per second, got ${values['target-rate']}`,
      );
    }
  }

  let names: string[];
  if (values.pipeline) names = [values.pipeline];
  else {
    const list = await getJson(new URL('api/v1/pipelines', base).toString());
    if (list.status === 404) {
      print('this agent has no pipeline view (ingest is disabled)');
      return 1;
    }
    names = ((list.body as { pipelines: { pipeline: string }[] }).pipelines ?? []).map(
      (entry) => entry.pipeline,
    );
    if (names.length === 0) {
      print(
        'no pipeline reports yet: instrumented pipelines report with the SDK reporter or any OTLP exporter',
      );
      return 1;
    }
  }
  const models: PipelineModel[] = [];
  for (const name of names) {
    const url = new URL(`api/v1/pipelines/${encodeURIComponent(name)}`, base);
    if (targetRate !== null) url.searchParams.set('targetRate', String(targetRate));
    const answer = await getJson(url.toString());
    if (answer.status !== 200) {
      print(`pipeline ${name}: ${(answer.body as { message?: string }).message ?? `HTTP ${answer.status}`}`);
      return 1;
    }
    models.push(answer.body as PipelineModel);
  }
  print(
    values.json ? JSON.stringify(models, infinityReplacer, 2) : models.map(renderCapacityReport).join('\n\n'),
  );
  return 0;
}
