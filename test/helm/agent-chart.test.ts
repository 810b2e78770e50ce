import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { parseAgentConfig } from '@streamops/agent';
import {
  byKind,
  ciValuesFiles,
  expectHardened,
  helm,
  at,
  mainContainer,
  oneOfKind,
  podSpec,
  render,
  repoRoot,
  tryRender,
  validateObjects,
} from './helm';

const chart = 'streamops-agent';
const valuesFiles = ciValuesFiles(chart);
const run = promisify(execFile);

it('has chart-testing values files', () => {
  expect(valuesFiles).toEqual(
    expect.arrayContaining([
      'ci/default-values.yaml',
      'ci/engines-values.yaml',
      'ci/minimal-values.yaml',
      'ci/msk-iam-values.yaml',
      'ci/secured-values.yaml',
    ]),
  );
});

describe.each(valuesFiles)('with %s', (file) => {
  it('passes helm lint --strict', () => {
    const result = helm(chart, ['lint', '--strict', '.', '--values', file]);
    expect(`${result.stdout}${result.stderr}`).toContain('0 chart(s) failed');
    expect(result.status).toBe(0);
  });

  it.each([false, true])(
    'renders objects valid against the Kubernetes schemas (Prometheus Operator: %s)',
    (operator) => {
      const objects = render(chart, { valuesFiles: [file], prometheusOperator: operator });
      expect(objects.length).toBeGreaterThanOrEqual(3);
      expect(validateObjects(objects)).toEqual([]);
      expectHardened(oneOfKind(objects, 'Deployment'));
    },
  );

  it("renders an agent.yaml the agent's own config validation accepts", () => {
    expect(() => parseAgentConfig(renderedAgentConfig(render(chart, { valuesFiles: [file] })))).not.toThrow();
  });
});

function renderedAgentConfig(objects: ReturnType<typeof render>): Record<string, unknown> {
  const configMap = objects.find(
    (object) => object.kind === 'ConfigMap' && object.metadata.name === 'test-streamops-agent',
  );
  return parse((configMap?.data as Record<string, string> | undefined)?.['agent.yaml'] ?? '') as Record<
    string,
    unknown
  >;
}

describe('defaults', () => {
  const objects = render(chart, { prometheusOperator: true });
  const deployment = oneOfKind(objects, 'Deployment');
  const container = mainContainer(deployment);

  it('probes /healthz and /readyz on the HTTP port', () => {
    expect(container.livenessProbe).toMatchObject({ httpGet: { path: '/healthz', port: 'http' } });
    expect(container.readinessProbe).toMatchObject({ httpGet: { path: '/readyz', port: 'http' } });
    expect(container.ports).toEqual([{ name: 'http', containerPort: 9308, protocol: 'TCP' }]);
    expect(container.args).toEqual(['--config', '/etc/streamops-agent/agent.yaml']);
  });

  it('renders the agent config from values, with the server port of the Service', () => {
    const configMap = objects.find(
      (object) => object.kind === 'ConfigMap' && object.metadata.name === 'test-streamops-agent',
    );
    const data = (configMap?.data ?? {}) as Record<string, string>;
    const config = parse(data['agent.yaml'] ?? '') as Record<string, unknown>;
    const values = parse(readFileSync(join(repoRoot, 'helm', chart, 'values.yaml'), 'utf8')) as {
      config: { ingest: object; server: object };
    };
    expect(config).toEqual({
      ...values.config,
      // The generated ingest token, mounted from its Secret.
      ingest: { ...values.config.ingest, token: { file: '/run/secrets/streamops-ingest/token' } },
      server: { ...values.config.server, host: '0.0.0.0', port: 9308 },
    });
    expect(oneOfKind(objects, 'Service').spec).toMatchObject({ ports: [{ port: 9308, targetPort: 'http' }] });
  });

  it('rolls the pods when the config changes', () => {
    const checksum = (set: string[]): string =>
      (
        oneOfKind(render(chart, { set }), 'Deployment').spec as {
          template: { metadata: { annotations: Record<string, string> } };
        }
      ).template.metadata.annotations['checksum/config'] ?? '';
    expect(checksum([])).not.toBe(checksum(['config.collection.intervalSeconds=30']));
  });

  it('renders the ServiceMonitor, the PrometheusRule, the dashboards and the NetworkPolicy, no PDB', () => {
    expect(byKind(objects, 'ServiceMonitor')).toHaveLength(1);
    expect(byKind(objects, 'PrometheusRule')).toHaveLength(1);
    expect(byKind(objects, 'ConfigMap')).toHaveLength(
      1 + readdirSync(join(repoRoot, 'dashboards/generated')).length,
    );
    expect(byKind(objects, 'PodDisruptionBudget')).toHaveLength(0);
  });

  it('turns the NetworkPolicy on: the HTTP port only, from every source', () => {
    expect(oneOfKind(objects, 'NetworkPolicy').spec).toEqual({
      podSelector: {
        matchLabels: { 'app.kubernetes.io/name': 'streamops-agent', 'app.kubernetes.io/instance': 'test' },
      },
      policyTypes: ['Ingress'],
      ingress: [{ ports: [{ port: 'http', protocol: 'TCP' }] }],
    });
  });

  it('generates an ingest token Secret, mounts it and requires it on ingest', () => {
    const secret = oneOfKind(objects, 'Secret');
    expect(secret.metadata.name).toBe('test-streamops-agent-ingest');
    const token = Buffer.from((secret.data as Record<string, string>).token ?? '', 'base64').toString();
    expect(token).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(container.volumeMounts).toContainEqual({
      name: 'ingest-token',
      mountPath: '/run/secrets/streamops-ingest',
      readOnly: true,
    });
    expect(podSpec(deployment).volumes).toContainEqual({
      name: 'ingest-token',
      secret: {
        secretName: 'test-streamops-agent-ingest',
        defaultMode: 0o440,
        items: [{ key: 'token', path: 'token' }],
      },
    });
    const config = parseAgentConfig(renderedAgentConfig(objects));
    expect(config.ingest.token).toEqual({ file: '/run/secrets/streamops-ingest/token' });
    expect(config.server).toMatchObject({ headersTimeoutMs: 10_000, maxConnections: 1_024 });
  });
});

describe('toggles', () => {
  it('omits the Prometheus Operator objects when the cluster does not serve monitoring.coreos.com/v1', () => {
    const objects = render(chart);
    expect(byKind(objects, 'ServiceMonitor')).toHaveLength(0);
    expect(byKind(objects, 'PrometheusRule')).toHaveLength(0);
  });

  it('omits every optional object with ci/minimal-values.yaml', () => {
    const objects = render(chart, { valuesFiles: ['ci/minimal-values.yaml'], prometheusOperator: true });
    expect(objects.map((object) => object.kind).sort()).toEqual(['ConfigMap', 'Deployment', 'Service']);
    expect(podSpec(oneOfKind(objects, 'Deployment'))).toMatchObject({ serviceAccountName: 'default' });
  });

  it('renders the NetworkPolicy and the PDB with ci/secured-values.yaml', () => {
    const objects = render(chart, { valuesFiles: ['ci/secured-values.yaml'], prometheusOperator: true });
    const policy = oneOfKind(objects, 'NetworkPolicy').spec as { policyTypes: string[]; egress: unknown[] };
    expect(policy.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy.egress).toHaveLength(2);
    expect(oneOfKind(objects, 'PodDisruptionBudget').spec).toMatchObject({ maxUnavailable: 1 });
    expect(oneOfKind(objects, 'ServiceMonitor').metadata.labels).toMatchObject({
      release: 'kube-prometheus-stack',
    });
  });

  it('passes SASL and TLS secrets by reference, from existing Secrets', () => {
    const objects = render(chart, { valuesFiles: ['ci/secured-values.yaml'] });
    const pod = podSpec(oneOfKind(objects, 'Deployment'));
    expect(mainContainer(oneOfKind(objects, 'Deployment')).env).toEqual([
      { name: 'KAFKA_USERNAME', valueFrom: { secretKeyRef: { name: 'kafka-credentials', key: 'username' } } },
      { name: 'KAFKA_PASSWORD', valueFrom: { secretKeyRef: { name: 'kafka-credentials', key: 'password' } } },
    ]);
    const volumes = new Map((pod.volumes ?? []).map((volume) => [volume.name, volume]));
    expect(volumes.get('secret-0')).toEqual({
      name: 'secret-0',
      secret: { secretName: 'kafka-ca', defaultMode: 0o440 },
    });
    expect(volumes.get('secret-1')).toEqual({
      name: 'secret-1',
      secret: {
        secretName: 'streamops-ingest',
        defaultMode: 0o440,
        items: [{ key: 'token', path: 'token' }],
      },
    });
    expect(byKind(objects, 'Secret')).toHaveLength(0);
  });

  it('uses an existing ingest token Secret instead of generating one', () => {
    const objects = render(chart, { set: ['ingestToken.existingSecret=shared-ingest', 'ingestToken.key=t'] });
    expect(byKind(objects, 'Secret')).toHaveLength(0);
    expect(podSpec(oneOfKind(objects, 'Deployment')).volumes).toContainEqual({
      name: 'ingest-token',
      secret: { secretName: 'shared-ingest', defaultMode: 0o440, items: [{ key: 't', path: 't' }] },
    });
    expect(parseAgentConfig(renderedAgentConfig(objects)).ingest.token).toEqual({
      file: '/run/secrets/streamops-ingest/t',
    });
  });

  it('leaves the token out when ingest or ingestToken is off', () => {
    for (const set of [['config.ingest.enabled=false'], ['ingestToken.enabled=false']]) {
      const objects = render(chart, { set });
      expect(byKind(objects, 'Secret')).toHaveLength(0);
      expect(parseAgentConfig(renderedAgentConfig(objects)).ingest.token).toBeUndefined();
    }
  });

  it('refuses config.ingest.token beside the generated token, saying what to do', () => {
    const result = tryRender(chart, { set: ['config.ingest.token.env=TOKEN'] });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('set ingestToken.enabled=false to give your own');
  });

  it('passes config.server on, and probes over HTTPS when the listener has TLS', () => {
    const objects = render(chart, {
      set: [
        'config.server.tls.certFile=/run/secrets/tls/tls.crt',
        'config.server.tls.keyFile=/run/secrets/tls/tls.key',
        'config.server.readToken.file=/run/secrets/read/token',
      ],
    });
    const config = parseAgentConfig(renderedAgentConfig(objects));
    expect(config.server).toMatchObject({
      host: '0.0.0.0',
      port: 9308,
      readToken: { file: '/run/secrets/read/token' },
      tls: { certFile: '/run/secrets/tls/tls.crt', keyFile: '/run/secrets/tls/tls.key' },
    });
    const container = mainContainer(oneOfKind(objects, 'Deployment'));
    for (const probe of [container.livenessProbe, container.readinessProbe, container.startupProbe]) {
      expect(probe).toMatchObject({ httpGet: { scheme: 'HTTPS' } });
    }
  });

  it('labels the dashboards for the Grafana sidecar, with a configurable label', () => {
    const custom = render(chart, { set: ['dashboards.label=my_dashboards', 'dashboards.labelValue=yes'] });
    const dashboards = custom.filter((object) => object.metadata.name.includes('-dashboard-'));
    expect(dashboards.length).toBeGreaterThan(0);
    for (const dashboard of dashboards) {
      expect(dashboard.metadata.labels).toMatchObject({ my_dashboards: 'yes' });
      expect(dashboard.metadata.labels).not.toHaveProperty('grafana_dashboard');
    }
  });
});

describe('ci/msk-iam-values.yaml', () => {
  const objects = render(chart, { valuesFiles: ['ci/msk-iam-values.yaml'] });

  it('configures MSK IAM with the region and TLS, and passes no Kafka secret', () => {
    const config = parseAgentConfig(renderedAgentConfig(objects));
    expect(config.clusters[0]).toMatchObject({
      sasl: { mechanism: 'aws-msk-iam', region: 'eu-west-1' },
      tls: { enabled: true },
    });
    expect(mainContainer(oneOfKind(objects, 'Deployment')).env).toBeUndefined();
    // Only the chart's own ingest token is mounted.
    expect(podSpec(oneOfKind(objects, 'Deployment')).volumes?.map((volume) => volume.name)).toEqual([
      'config',
      'tmp',
      'ingest-token',
    ]);
  });

  it('annotates the ServiceAccount with the IRSA role the pods run as', () => {
    const serviceAccount = oneOfKind(objects, 'ServiceAccount');
    expect(serviceAccount.metadata.annotations).toEqual({
      'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/streamops-agent',
    });
    expect(podSpec(oneOfKind(objects, 'Deployment'))).toMatchObject({
      serviceAccountName: serviceAccount.metadata.name,
    });
  });

  it('lets egress reach the IAM listener and, through extraRules, HTTPS for STS', () => {
    const policy = oneOfKind(objects, 'NetworkPolicy').spec as { egress: unknown[] };
    expect(policy.egress).toEqual([
      expect.objectContaining({
        ports: [expect.objectContaining({ port: 53, protocol: 'UDP' }), expect.anything()],
      }),
      { ports: [{ port: 9098, protocol: 'TCP' }] },
      { ports: [{ port: 443, protocol: 'TCP' }] },
    ]);
  });
});

describe('packaged dashboards and rules', () => {
  const objects = render(chart, { prometheusOperator: true });

  it('holds every generated dashboard byte for byte, labelled grafana_dashboard: "1"', () => {
    const generated = readdirSync(join(repoRoot, 'dashboards/generated')).filter((name) =>
      name.endsWith('.json'),
    );
    const data = new Map<string, string>();
    for (const configMap of byKind(objects, 'ConfigMap').filter((object) =>
      object.metadata.name.includes('-dashboard-'),
    )) {
      expect(configMap.metadata.labels).toMatchObject({ grafana_dashboard: '1' });
      for (const [key, value] of Object.entries(configMap.data as Record<string, string>))
        data.set(key, value);
    }
    expect([...data.keys()].sort()).toEqual(generated.sort());
    for (const name of generated) {
      expect(data.get(name)).toBe(readFileSync(join(repoRoot, 'dashboards/generated', name), 'utf8'));
    }
  });

  it('holds the rule groups of dashboards/rules, then the extra groups of values', () => {
    const ruleFiles = readdirSync(join(repoRoot, 'dashboards/rules'))
      .filter((name) => name.endsWith('.rules.yaml'))
      .sort();
    const expected = ruleFiles.flatMap(
      (name) =>
        (parse(readFileSync(join(repoRoot, 'dashboards/rules', name), 'utf8')) as { groups: unknown[] })
          .groups,
    );
    expect((oneOfKind(objects, 'PrometheusRule').spec as { groups: unknown[] }).groups).toEqual(expected);

    const secured = render(chart, { valuesFiles: ['ci/secured-values.yaml'], prometheusOperator: true });
    const groups = (oneOfKind(secured, 'PrometheusRule').spec as { groups: Array<{ name: string }> }).groups;
    expect(groups).toHaveLength(expected.length + 1);
    expect(at(groups, groups.length - 1).name).toBe('streamops-local');
  });

  it('leaves out the rule files named in prometheusRule.excludeFiles', () => {
    const rendered = render(chart, {
      set: ['prometheusRule.excludeFiles={streamops-slo}'],
      prometheusOperator: true,
    });
    const names = (
      oneOfKind(rendered, 'PrometheusRule').spec as { groups: Array<{ name: string }> }
    ).groups.map((group) => group.name);
    expect(names.some((name) => name.includes('slo'))).toBe(false);
    expect(names.length).toBeGreaterThan(0);
  });

  it.each(valuesFiles)('the PrometheusRule of %s passes promtool check rules', async (file) => {
    const rendered = render(chart, { valuesFiles: [file], prometheusOperator: true });
    const rules = byKind(rendered, 'PrometheusRule');
    if (file.includes('minimal')) {
      expect(rules).toHaveLength(0);
      return;
    }
    const folder = mkdtempSync(join(tmpdir(), 'streamops-helm-rules-'));
    try {
      const path = join(folder, 'rules.yaml');
      writeFileSync(
        path,
        JSON.stringify({ groups: (oneOfKind(rules, 'PrometheusRule').spec as { groups: unknown }).groups }),
      );
      const { stdout } = await run('promtool', ['check', 'rules', path], { timeout: 30_000 });
      expect(stdout).toMatch(/SUCCESS: \d+ rules found/);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('values.schema.json', () => {
  const rejects: Array<[string, string[], RegExp]> = [
    [
      'an inline SASL password',
      [
        'config.clusters[0].sasl.mechanism=plain',
        'config.clusters[0].sasl.username.env=U',
        'config.clusters[0].sasl.password=hunter2',
      ],
      /config\.clusters\.0\.sasl\.password/,
    ],
    [
      'an unknown SASL mechanism',
      ['config.clusters[0].sasl.mechanism=gssapi'],
      /config\.clusters\.0\.sasl\.mechanism/,
    ],
    [
      'aws-msk-iam without a region',
      ['config.clusters[0].sasl.mechanism=aws-msk-iam', 'config.clusters[0].tls.enabled=true'],
      /config\.clusters\.0\.sasl: region is required/,
    ],
    [
      'aws-msk-iam with a malformed region',
      ['config.clusters[0].sasl.mechanism=aws-msk-iam', 'config.clusters[0].sasl.region=Ireland'],
      /config\.clusters\.0\.sasl\.region: Does not match pattern/,
    ],
    [
      'aws-msk-iam with a username',
      [
        'config.clusters[0].sasl.mechanism=aws-msk-iam',
        'config.clusters[0].sasl.region=eu-west-1',
        'config.clusters[0].sasl.username.env=U',
      ],
      /config\.clusters\.0\.sasl\.username: False always fails/,
    ],
    [
      'aws-msk-iam without TLS',
      ['config.clusters[0].sasl.mechanism=aws-msk-iam', 'config.clusters[0].sasl.region=eu-west-1'],
      /config\.clusters\.0: tls is required/,
    ],
    [
      'a SCRAM mechanism without a password',
      ['config.clusters[0].sasl.mechanism=scram-sha-512', 'config.clusters[0].sasl.username.env=U'],
      /config\.clusters\.0\.sasl: password is required/,
    ],
    ['a broker without a port', ['config.clusters[0].brokers={kafka}'], /config\.clusters\.0\.brokers\.0/],
    [
      'an unknown top-level key',
      ['servicemonitor.enabled=true'],
      /Additional property servicemonitor is not allowed/,
    ],
    [
      'an unknown config key',
      ['config.colection.intervalSeconds=5'],
      /Additional property colection is not allowed/,
    ],
    [
      'an engine of an unknown type',
      ['config.engines[0].type=spark', 'config.engines[0].name=s', 'config.engines[0].url=http://spark:4040'],
      /config\.engines\.0\.type/,
    ],
    [
      'a Storm-only window on a Flink endpoint',
      [
        'config.engines[0].type=flink',
        'config.engines[0].name=f',
        'config.engines[0].url=http://flink:8081',
        'config.engines[0].windowSeconds=600',
      ],
      /config\.engines\.0\.windowSeconds/,
    ],
    [
      'an engine URL without a scheme',
      ['config.engines[0].type=flink', 'config.engines[0].name=f', 'config.engines[0].url=flink:8081'],
      /config\.engines\.0\.url/,
    ],
    ['a bad scrape interval', ['serviceMonitor.interval=often'], /serviceMonitor\.interval/],
    [
      'a server host (the chart sets it)',
      ['config.server.host=127.0.0.1'],
      /Additional property host is not allowed/,
    ],
    ['an inline read token', ['config.server.readToken=hunter2'], /config\.server\.readToken/],
    [
      'client certificates without a CA',
      [
        'config.server.tls.certFile=/c',
        'config.server.tls.keyFile=/k',
        'config.server.tls.clientAuth=require',
      ],
      /config\.server\.tls: caFile is required/,
    ],
    ['TLS without a key', ['config.server.tls.certFile=/c'], /config\.server\.tls: keyFile is required/],
    [
      'an inline ingest token in tokens',
      ['config.ingest.tokens[0].name=a', 'config.ingest.tokens[0].token=hunter2'],
      /config\.ingest\.tokens\.0\.token/,
    ],
    ['an ingestToken toggle that is not a boolean', ['ingestToken.enabled=maybe'], /ingestToken\.enabled/],
    ['a port out of range', ['service.port=70000'], /service\.port/],
    ['a toggle that is not a boolean', ['dashboards.enabled=maybe'], /dashboards\.enabled/],
    [
      'a relative secret file path',
      ['secretFiles[0].secretName=ca', 'secretFiles[0].mountPath=certs'],
      /secretFiles\.0\.mountPath/,
    ],
  ];

  it.each(rejects)('rejects %s with a message naming the key', (_what, set, message) => {
    const result = tryRender(chart, { set });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("values don't meet the specifications of the schema");
    expect(result.stderr).toMatch(message);
  });
});
