import {
  byKind,
  ciValuesFiles,
  expectHardened,
  helm,
  mainContainer,
  oneOfKind,
  render,
  tryRender,
  validateObjects,
} from './helm';

const chart = 'streamops-pipeline';
const valuesFiles = ciValuesFiles(chart);

type EnvVar = { name: string; value?: string; valueFrom?: unknown };

function envOf(objects: ReturnType<typeof render>): Map<string, EnvVar> {
  const env = (mainContainer(oneOfKind(objects, 'Deployment')).env ?? []) as EnvVar[];
  return new Map(env.map((variable) => [variable.name, variable]));
}

it('has chart-testing values files', () => {
  expect(valuesFiles).toEqual(
    expect.arrayContaining([
      'ci/default-values.yaml',
      'ci/hpa-values.yaml',
      'ci/keda-values.yaml',
      'ci/msk-iam-values.yaml',
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
      expect(validateObjects(objects)).toEqual([]);
      expectHardened(oneOfKind(objects, 'Deployment'));
    },
  );
});

describe('defaults', () => {
  const objects = render(chart, { prometheusOperator: true });

  it('renders a Deployment, a ServiceAccount and a PodMonitor on the SDK metrics port', () => {
    expect(objects.map((object) => object.kind).sort()).toEqual([
      'Deployment',
      'PodMonitor',
      'ServiceAccount',
    ]);
    expect(oneOfKind(objects, 'PodMonitor').spec).toMatchObject({
      podMetricsEndpoints: [{ port: 'metrics', path: '/metrics', interval: '30s' }],
    });
    expect(mainContainer(oneOfKind(objects, 'Deployment')).ports).toEqual([
      { name: 'metrics', containerPort: 9464, protocol: 'TCP' },
    ]);
  });

  it('omits the PodMonitor when the cluster does not serve monitoring.coreos.com/v1', () => {
    expect(byKind(render(chart), 'PodMonitor')).toHaveLength(0);
  });

  it('passes the Kafka connection and SDK settings as environment variables', () => {
    const env = envOf(objects);
    expect(env.get('KAFKA_BROKERS')?.value).toBe('kafka-bootstrap:9092');
    expect(env.get('STREAMOPS_PIPELINE')?.value).toBe('test');
    expect(env.get('STREAMOPS_METRICS_PORT')?.value).toBe('9464');
    expect(env.has('STREAMOPS_AGENT_URL')).toBe(false);
    expect(env.has('KAFKA_SASL_PASSWORD')).toBe(false);
  });
});

describe('ci/keda-values.yaml', () => {
  const objects = render(chart, { valuesFiles: ['ci/keda-values.yaml'], prometheusOperator: true });

  it('takes SASL credentials, the TLS CA and the ingest token from existing Secrets', () => {
    const env = envOf(objects);
    expect(env.get('KAFKA_SASL_MECHANISM')?.value).toBe('scram-sha-512');
    expect(env.get('KAFKA_SASL_PASSWORD')?.valueFrom).toEqual({
      secretKeyRef: { name: 'billing-kafka-user', key: 'password' },
    });
    expect(env.get('KAFKA_TLS_CA_FILE')?.value).toBe('/run/secrets/kafka-tls/ca.crt');
    expect(env.get('STREAMOPS_AGENT_URL')?.value).toBe('http://streamops-agent.monitoring.svc:9308');
    expect(env.get('STREAMOPS_AGENT_TOKEN')?.valueFrom).toEqual({
      secretKeyRef: { name: 'streamops-ingest', key: 'token' },
    });
    expect(env.get('LOG_LEVEL')?.value).toBe('info');
    expect(byKind(objects, 'Secret')).toHaveLength(0);
  });

  it('scales with a KEDA Kafka trigger capped at the partition count', () => {
    const scaledObject = oneOfKind(objects, 'ScaledObject').spec as {
      maxReplicaCount: number;
      triggers: Array<{
        type: string;
        metadata: Record<string, string>;
        authenticationRef: { name: string };
      }>;
    };
    expect(scaledObject.maxReplicaCount).toBe(6);
    expect(scaledObject.triggers[0]).toMatchObject({
      type: 'kafka',
      metadata: {
        consumerGroup: 'billing',
        topic: 'orders',
        lagThreshold: '500',
        sasl: 'scram_sha512',
        tls: 'enable',
      },
      authenticationRef: { name: 'test-streamops-pipeline-kafka' },
    });
    expect(oneOfKind(objects, 'TriggerAuthentication').metadata.name).toBe('test-streamops-pipeline-kafka');
    expect(oneOfKind(objects, 'Deployment').spec).not.toHaveProperty('replicas');
    expect(byKind(objects, 'HorizontalPodAutoscaler')).toHaveLength(0);
  });

  it('renders the NetworkPolicy and the PDB', () => {
    expect(byKind(objects, 'NetworkPolicy')).toHaveLength(1);
    expect(byKind(objects, 'PodDisruptionBudget')).toHaveLength(1);
  });

  it('does not cap below maxReplicaCount when the partitions are unknown', () => {
    const uncapped = render(chart, { valuesFiles: ['ci/keda-values.yaml'], set: ['kafka.partitions=0'] });
    expect(oneOfKind(uncapped, 'ScaledObject').spec).toMatchObject({ maxReplicaCount: 20 });
  });
});

describe('ci/hpa-values.yaml', () => {
  const objects = render(chart, { valuesFiles: ['ci/hpa-values.yaml'], prometheusOperator: true });

  it('scales with an HPA capped at the partition count, and no PodMonitor', () => {
    expect(oneOfKind(objects, 'HorizontalPodAutoscaler').spec).toMatchObject({
      minReplicas: 2,
      maxReplicas: 4,
    });
    expect(byKind(objects, 'ScaledObject')).toHaveLength(0);
    expect(byKind(objects, 'PodMonitor')).toHaveLength(0);
    expect(envOf(objects).get('STREAMOPS_OTEL')?.value).toBe('off');
  });
});

describe('ci/msk-iam-values.yaml', () => {
  const objects = render(chart, { valuesFiles: ['ci/msk-iam-values.yaml'] });

  it('passes the mechanism and AWS_REGION, TLS, and no credentials', () => {
    const env = envOf(objects);
    expect(env.get('KAFKA_SASL_MECHANISM')).toEqual({ name: 'KAFKA_SASL_MECHANISM', value: 'aws-msk-iam' });
    expect(env.get('AWS_REGION')).toEqual({ name: 'AWS_REGION', value: 'eu-west-1' });
    expect(env.get('KAFKA_TLS')?.value).toBe('true');
    expect(env.has('KAFKA_SASL_USERNAME')).toBe(false);
    expect(env.has('KAFKA_SASL_PASSWORD')).toBe(false);
    expect(env.has('KAFKA_TLS_CA_FILE')).toBe(false);
    expect(
      [...env.values()].filter((variable) => variable.valueFrom !== undefined).map((v) => v.name),
    ).toEqual(['POD_NAME']);
  });

  it('annotates the ServiceAccount with the IRSA role', () => {
    expect(oneOfKind(objects, 'ServiceAccount').metadata.annotations).toEqual({
      'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/billing-pipeline',
    });
    expect(oneOfKind(objects, 'HorizontalPodAutoscaler').spec).toMatchObject({ maxReplicas: 12 });
  });
});

describe('values checks', () => {
  const rejects: Array<[string, string[], RegExp]> = [
    ['an unknown SASL mechanism', ['kafka.sasl.mechanism=gssapi'], /kafka\.sasl\.mechanism/],
    ['a broker without a port', ['kafka.brokers={kafka}'], /kafka\.brokers\.0/],
    ['an agent URL that is not http(s)', ['sdk.reporter.agentUrl=agent:9308'], /sdk\.reporter\.agentUrl/],
    ['an inline token', ['sdk.reporter.token=s3cret'], /sdk\.reporter\.token/],
    ['an unknown key', ['autoscaling.keda.maxReplicas=5'], /Additional property maxReplicas is not allowed/],
    ['zero maxReplicas', ['autoscaling.hpa.maxReplicas=0'], /autoscaling\.hpa\.maxReplicas/],
    [
      'aws-msk-iam without a region',
      ['kafka.sasl.enabled=true', 'kafka.sasl.mechanism=aws-msk-iam', 'kafka.tls.enabled=true'],
      /kafka\.sasl\.awsRegion: String length must be greater than or equal to 1/,
    ],
    [
      'a malformed AWS region',
      ['kafka.sasl.awsRegion=Ireland'],
      /kafka\.sasl\.awsRegion: Does not match pattern/,
    ],
  ];

  it.each(rejects)('the schema rejects %s with a message naming the key', (_what, set, message) => {
    const result = tryRender(chart, { set });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("values don't meet the specifications of the schema");
    expect(result.stderr).toMatch(message);
  });

  const fails: Array<[string, string[], RegExp]> = [
    [
      'HPA and KEDA together',
      ['autoscaling.hpa.enabled=true', 'autoscaling.keda.enabled=true', 'kafka.consumerGroup=g'],
      /either autoscaling\.hpa or autoscaling\.keda/,
    ],
    ['SASL without a Secret', ['kafka.sasl.enabled=true'], /kafka\.sasl\.existingSecret/],
    ['KEDA without a consumer group', ['autoscaling.keda.enabled=true'], /set kafka\.consumerGroup/],
    [
      'aws-msk-iam without TLS',
      ['kafka.sasl.enabled=true', 'kafka.sasl.mechanism=aws-msk-iam', 'kafka.sasl.awsRegion=eu-west-1'],
      /kafka\.tls\.enabled: aws-msk-iam needs TLS/,
    ],
    [
      'aws-msk-iam with KEDA',
      [
        'kafka.sasl.enabled=true',
        'kafka.sasl.mechanism=aws-msk-iam',
        'kafka.sasl.awsRegion=eu-west-1',
        'kafka.tls.enabled=true',
        'kafka.consumerGroup=g',
        'autoscaling.keda.enabled=true',
      ],
      /autoscaling\.keda: the chart does not wire KEDA's Kafka scaler to MSK IAM/,
    ],
  ];

  it.each(fails)('the chart refuses %s with a message', (_what, set, message) => {
    const result = tryRender(chart, { set });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(message);
  });
});
