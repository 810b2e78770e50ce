import {
  allDashboards,
  panelTargets,
  variableQueries,
  type DashboardFile,
  type PanelTarget,
} from '@streamops/dashboards';
import { type TestPrometheus } from '../support/prometheus';
import { pollUntil } from '../support/poll';
import { startDashboardScenario, substitute, type DashboardScenario } from './scenario';

// Every panel query of every dashboard, with its variables substituted, returns data from a
// real Prometheus that scrapes a real agent (lag of a real broker, OTLP reports of an
// instrumented pipeline) and the pipeline's own /metrics, with the generated rules loaded
// (the SLO panels read recorded series). Targets that may be empty here say why below.

/** Targets allowed to return nothing in this scenario, by "<dashboard uid> / <panel> / <refId>". */
const mayBeEmpty: Readonly<Record<string, string>> = {
  'streamops-reliability / Failures by type / A':
    'send errors are counted by error_type, a label that only exists once a send fails; none does here',
  'streamops-reliability / Failures by type / B':
    'failing stages dead-letter their messages (outcome dead_lettered), so no handler throws to kafkajs',
  'streamops-reliability / Failures by type / C': 'the consumer never crashes',
  'streamops-agent / Reports dropped by reason / A': 'the agent is reachable and accepts every report',
  'streamops-agent / SDK failures and label overflow / A': 'the SDK does not fail',
  'streamops-agent / SDK failures and label overflow / B': 'no label reaches its limit of distinct values',
};

type Dashboard = DashboardFile['dashboard'];

let scenario: DashboardScenario;
let prometheus: TestPrometheus;
let name: string;
let group: string;
let laggard: string;
let input: string;

beforeAll(async () => {
  scenario = await startDashboardScenario();
  ({ prometheus, name, group, laggard, input } = scenario);
}, 60_000);

afterAll(async () => {
  await scenario?.stop();
});

/** Escapes a value the way Grafana does for a regex matcher. */
function escapeRegex(value: string): string {
  return value.replace(/[\\^$*+?.()|[\]{}/]/g, '\\\\$&');
}

/** Grafana's label_values(selector, label): the label's values among the selected series. */
async function labelValues(query: string, values: Readonly<Record<string, string>>): Promise<string[]> {
  const match = /^label_values\((.+), (\w+)\)$/s.exec(query);
  if (!match) throw new Error(`not a label_values query: ${query}`);
  const result = await prometheus.query(`group by (${match[2]}) (${substitute(match[1]!, values)})`);
  return result
    .map((sample) => sample.metric[match[2]!])
    .filter((value): value is string => value !== undefined);
}

/** Resolves the variables in order like Grafana: the scenario's value when offered, else All (`.*`). */
async function resolveVariables(
  dashboard: Dashboard,
): Promise<{ values: Record<string, string>; offered: Record<string, string[]> }> {
  const preferred: Record<string, string> = { cluster: 'local', group, topic: input, pipeline: name };
  const values: Record<string, string> = {};
  const offered: Record<string, string[]> = {};
  for (const variable of variableQueries(dashboard)) {
    const options = await labelValues(variable.query, values);
    offered[variable.name] = options;
    const choice = preferred[variable.name];
    values[variable.name] =
      choice !== undefined && options.includes(choice) ? escapeRegex(choice) : (variable.allValue ?? '.*');
  }
  return { values, offered };
}

function key(dashboard: Dashboard, target: PanelTarget): string {
  return `${dashboard.uid} / ${target.panel} / ${target.refId}`;
}

/** Runs every target until each returns data (or may be empty), or the deadline passes. */
async function emptyTargets(
  dashboard: Dashboard,
  values: Readonly<Record<string, string>>,
): Promise<string[]> {
  const [targets, optional] = [false, true].map((allowedEmpty) =>
    panelTargets(dashboard).filter(
      (target) => (mayBeEmpty[key(dashboard, target)] !== undefined) === allowedEmpty,
    ),
  ) as [PanelTarget[], PanelTarget[]];
  // Possibly empty, but still valid PromQL: the query API answers them without an error.
  for (const target of optional) await prometheus.query(substitute(target.expr, values));
  const pending = new Map(targets.map((target) => [key(dashboard, target), substitute(target.expr, values)]));
  try {
    await pollUntil(
      `every panel query of ${dashboard.title} to return data`,
      async () => {
        for (const [name, expr] of [...pending]) {
          if ((await prometheus.query(expr)).length > 0) pending.delete(name);
        }
        if (pending.size > 0)
          throw new Error(`${pending.size} queries still empty: ${[...pending.keys()].join('; ')}`);
        return true;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
  } catch {
    // Reported below with the queries that stayed empty.
  }
  return [...pending].map(([name, expr]) => `${name}: ${expr}`);
}

const dashboards = allDashboards();

interface RuleState {
  name: string;
  health: string;
  lastError?: string;
  lastEvaluation: string;
}

it('evaluates every generated rule without error against the real series', async () => {
  const rules = await pollUntil(
    'every rule to be evaluated',
    async () => {
      const response = await fetch(`${prometheus.url}/api/v1/rules`);
      const body = (await response.json()) as { data: { groups: { rules: RuleState[] }[] } };
      const all = body.data.groups.flatMap((ruleGroup) => ruleGroup.rules);
      return all.length > 0 && all.every((rule) => !rule.lastEvaluation.startsWith('0001-'))
        ? all
        : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 250 },
  );
  expect(
    rules.filter((rule) => rule.health !== 'ok').map((rule) => `${rule.name}: ${rule.lastError}`),
  ).toEqual([]);
  expect(rules.length).toBeGreaterThan(30);
});

it('lists only real targets as possibly empty', () => {
  const all = new Set(
    dashboards.flatMap(({ dashboard }) => panelTargets(dashboard).map((target) => key(dashboard, target))),
  );
  for (const entry of Object.keys(mayBeEmpty)) expect(all).toContain(entry);
});

describe.each(dashboards.map(({ dashboard }) => [dashboard.title ?? '', dashboard] as const))(
  '%s',
  (_title, dashboard) => {
    it('offers the scenario in its variables, and All where a label is absent (namespace)', async () => {
      const { offered } = await pollUntil(
        'variable values',
        async () => {
          const resolved = await resolveVariables(dashboard);
          const wanted = ['group', 'pipeline'].filter((variable) => variable in resolved.offered);
          return wanted.every((variable) => (resolved.offered[variable] ?? []).length > 0)
            ? resolved
            : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 500 },
      );
      // No series carries a namespace here: the variable offers nothing and stays All, which must match.
      expect(offered.namespace).toEqual([]);
      if ('group' in offered) expect(offered.group).toEqual(expect.arrayContaining([group, laggard]));
      if ('pipeline' in offered) {
        // The engine jobs dashboard lists only engine pipelines (the fixtures' Flink and Storm jobs).
        expect(offered.pipeline).toContain(
          dashboard.uid === 'streamops-engine-jobs' ? 'orders-enrichment' : name,
        );
        // Pipeline series carry no cluster label unless the scrape adds one.
        expect(offered.cluster).toEqual([]);
      } else {
        expect(offered.cluster).toEqual(['local']);
      }
    });

    it('returns data for every panel query with every variable on All', async () => {
      const all = Object.fromEntries(variableQueries(dashboard).map((variable) => [variable.name, '.*']));
      expect(await emptyTargets(dashboard, all)).toEqual([]);
    });

    it('returns data for every panel query with the scenario values selected', async () => {
      const { values } = await resolveVariables(dashboard);
      expect(await emptyTargets(dashboard, values)).toEqual([]);
    });
  },
);
