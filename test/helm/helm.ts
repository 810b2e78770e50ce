/**
 * Runs the helm binary that scripts/install-helm.sh puts in .tools/helm/helm, renders charts
 * and validates rendered objects against the Kubernetes and CRD schemas (validate-k8s.mjs).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

export const repoRoot = resolve(__dirname, '..', '..');
export const helmBin = join(repoRoot, '.tools', 'helm', 'helm');

/** A rendered Kubernetes object, as far as the tests look into it. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [key: string]: unknown;
}

export interface HelmResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function chartDir(chart: string): string {
  return join(repoRoot, 'helm', chart);
}

/** The chart-testing values files of a chart (ci/*-values.yaml), as paths relative to the chart. */
export function ciValuesFiles(chart: string): string[] {
  return readdirSync(join(chartDir(chart), 'ci'))
    .filter((name) => name.endsWith('-values.yaml'))
    .sort()
    .map((name) => join('ci', name));
}

/** Runs helm with the chart folder as working directory; never throws on a non-zero exit. */
export function helm(chart: string, args: string[]): HelmResult {
  if (!existsSync(helmBin)) {
    throw new Error(`${helmBin} is missing: run ./scripts/install-helm.sh (./scripts/setup.sh does)`);
  }
  const result = spawnSync(helmBin, args, {
    cwd: chartDir(chart),
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, HELM_CACHE_HOME: join(repoRoot, '.tools', 'helm', 'cache') },
  });
  if (result.error) throw result.error;
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

export interface RenderOptions {
  /** Values files, relative to the chart folder. */
  valuesFiles?: string[];
  /** --set arguments (key=value). */
  set?: string[];
  /** Pretend the Prometheus Operator CRDs are served (--api-versions monitoring.coreos.com/v1). */
  prometheusOperator?: boolean;
  namespace?: string;
}

function templateArgs(options: RenderOptions): string[] {
  return [
    'template',
    'test',
    '.',
    '--namespace',
    options.namespace ?? 'streamops',
    ...(options.valuesFiles ?? []).flatMap((file) => ['--values', file]),
    ...(options.set ?? []).flatMap((value) => ['--set', value]),
    ...(options.prometheusOperator ? ['--api-versions', 'monitoring.coreos.com/v1'] : []),
  ];
}

/** `helm template` output, or the exit status and message when it fails. */
export function tryRender(chart: string, options: RenderOptions = {}): HelmResult {
  return helm(chart, templateArgs(options));
}

/** Renders a chart and parses every object; throws with helm's message when rendering fails. */
export function render(chart: string, options: RenderOptions = {}): K8sObject[] {
  const result = tryRender(chart, options);
  if (result.status !== 0) throw new Error(`helm template ${chart} failed:\n${result.stderr}`);
  return parseObjects(result.stdout);
}

export function parseObjects(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((document) => {
      if (document.errors.length > 0) throw new Error(document.errors.map((e) => e.message).join('\n'));
      return document.toJS({ maxAliasCount: -1 }) as unknown;
    })
    .filter((value): value is K8sObject => typeof value === 'object' && value !== null);
}

export function byKind(objects: K8sObject[], kind: string): K8sObject[] {
  return objects.filter((object) => object.kind === kind);
}

export function oneOfKind(objects: K8sObject[], kind: string): K8sObject {
  const found = byKind(objects, kind);
  const [first] = found;
  if (first === undefined || found.length !== 1)
    throw new Error(`expected one ${kind}, found ${found.length}`);
  return first;
}

export interface SchemaProblem {
  kind: string;
  name: string;
  error: string;
}

/** Validates objects against the kubernetes-models JSON schemas (in a child process: ESM only). */
export function validateObjects(objects: K8sObject[]): SchemaProblem[] {
  const output = execFileSync(process.execPath, [join(__dirname, 'validate-k8s.mjs')], {
    cwd: repoRoot,
    input: JSON.stringify(objects),
    encoding: 'utf8',
    timeout: 30_000,
  });
  return JSON.parse(output) as SchemaProblem[];
}

/** Pod spec of a rendered Deployment. */
export function podSpec(deployment: K8sObject): {
  securityContext: Record<string, unknown>;
  containers: Array<Record<string, unknown> & { env?: Array<Record<string, unknown>> }>;
  volumes?: Array<Record<string, unknown> & { name: string }>;
  automountServiceAccountToken?: boolean;
} {
  const spec = deployment.spec as { template: { spec: ReturnType<typeof podSpec> } };
  return spec.template.spec;
}

/** The first (only) container of a rendered Deployment. */
export function mainContainer(deployment: K8sObject): ReturnType<typeof podSpec>['containers'][number] {
  const [container] = podSpec(deployment).containers;
  if (container === undefined) throw new Error(`Deployment ${deployment.metadata.name} has no container`);
  return container;
}

/** The item at an index of a list, failing the test when there is none. */
export function at<T>(list: readonly T[], index: number): T {
  const item = list[index];
  if (item === undefined) throw new Error(`no item ${index} in a list of ${list.length}`);
  return item;
}

/** Asserts the hardened security settings of every container of a Deployment. */
export function expectHardened(deployment: K8sObject): void {
  const pod = podSpec(deployment);
  expect(pod.securityContext).toMatchObject({
    runAsNonRoot: true,
    seccompProfile: { type: 'RuntimeDefault' },
  });
  expect(pod.automountServiceAccountToken).toBe(false);
  for (const container of pod.containers) {
    expect(container.securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ['ALL'] },
    });
    const resources = container.resources as Record<string, Record<string, unknown> | undefined>;
    for (const kind of ['requests', 'limits']) {
      for (const resource of ['cpu', 'memory']) {
        expect(typeof resources[kind]?.[resource]).toBe('string');
      }
    }
  }
}
