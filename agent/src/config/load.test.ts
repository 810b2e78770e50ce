import { ConfigError, agentHelpText, helpRequested, loadAgentConfig } from './load';

function fromYaml(yaml: string, extra: { argv?: string[]; env?: Record<string, string> } = {}) {
  return loadAgentConfig({
    argv: ['--config', '/etc/streamops/agent.yaml', ...(extra.argv ?? [])],
    env: extra.env ?? {},
    readFile: () => yaml,
  });
}

function errorOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

const minimal = `
clusters:
  - name: prod
    brokers: [kafka-0:9092, kafka-1:9092]
`;

describe('loadAgentConfig', () => {
  it('fills defaults for a minimal file', () => {
    const config = fromYaml(minimal);
    expect(config.clusters).toEqual([
      {
        name: 'prod',
        brokers: ['kafka-0:9092', 'kafka-1:9092'],
        clientId: 'streamops-agent',
        groups: { allow: ['.*'], deny: [] },
        topics: { allow: ['.*'], deny: [] },
      },
    ]);
    expect(config.collection).toEqual({
      intervalSeconds: 15,
      granularity: 'partition',
      requestTimeoutMs: 10_000,
      concurrency: 8,
      commitSource: 'auto',
    });
    expect(config.server).toEqual({
      host: '0.0.0.0',
      port: 9308,
      metricsRequireReadToken: false,
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 5_000,
      maxConnections: 1_024,
    });
    expect(config.ingest.tokens).toEqual([]);
    expect(config.ingest).toMatchObject({
      maxSeries: 10_000,
      maxPipelines: 50,
      maxInstancesPerPipeline: 100,
      maxClockSkewSeconds: 300,
      maxPointAgeSeconds: 3_600,
    });
    expect(config.evaluation.thresholds.default).toEqual({ warnSeconds: 60, errSeconds: 300 });
    expect(config.compatibility.kafkaLagExporter).toBe(false);
  });

  it('accepts several clusters with SASL and TLS given by reference', () => {
    const config = fromYaml(`
clusters:
  - name: a
    brokers: [a:9092]
    sasl: { mechanism: scram-sha-512, username: { env: KAFKA_USER }, password: { file: /run/secrets/pw } }
    tls: { ca: { file: /run/secrets/ca.pem } }
  - name: b
    brokers: [b:9093]
    groups: { deny: ['^console-consumer-'] }
`);
    expect(config.clusters.map((cluster) => cluster.name)).toEqual(['a', 'b']);
    expect(config.clusters[0]?.tls).toEqual({
      enabled: true,
      rejectUnauthorized: true,
      ca: { file: '/run/secrets/ca.pem' },
    });
    expect(config.clusters[1]?.groups).toEqual({ allow: ['.*'], deny: ['^console-consumer-'] });
  });

  it('lets environment variables override the file and flags override both', () => {
    const env = { STREAMOPS_PORT: '9000', STREAMOPS_INTERVAL_SECONDS: '5' };
    expect(fromYaml(minimal, { env }).server.port).toBe(9000);
    expect(fromYaml(minimal, { env, argv: ['--port', '9100'] }).server.port).toBe(9100);
    expect(fromYaml(minimal, { env }).collection.intervalSeconds).toBe(5);
  });

  it('builds a single cluster from --brokers or KAFKA_BROKERS without a file', () => {
    const fromFlag = loadAgentConfig({ argv: ['--brokers', '127.0.0.1:1, 127.0.0.1:2'], env: {} });
    expect(fromFlag.clusters[0]).toMatchObject({ name: 'default', brokers: ['127.0.0.1:1', '127.0.0.1:2'] });
    const fromEnv = loadAgentConfig({ env: { KAFKA_BROKERS: 'k:9092', STREAMOPS_CLUSTER_NAME: 'local' } });
    expect(fromEnv.clusters[0]).toMatchObject({ name: 'local', brokers: ['k:9092'] });
    const both = loadAgentConfig({ env: { KAFKA_BROKERS: 'generic:1', STREAMOPS_BROKERS: 'specific:2' } });
    expect(both.clusters[0]?.brokers).toEqual(['specific:2']);
  });

  it('keeps the file cluster settings when --brokers replaces its addresses', () => {
    const config = fromYaml(minimal, { argv: ['--brokers', 'other:9092'] });
    expect(config.clusters[0]).toMatchObject({ name: 'prod', brokers: ['other:9092'] });
  });

  it('names an unknown key and where it is', () => {
    const message = errorOf(() => fromYaml(`${minimal}    bootstrap: x\n`));
    expect(message).toContain("clusters.0: Unrecognized key(s) in object: 'bootstrap'");
    expect(message).toContain('/etc/streamops/agent.yaml');
  });

  it('names a bad regex', () => {
    const message = errorOf(() => fromYaml(`${minimal}    groups: { allow: ['(unclosed'] }\n`));
    expect(message).toMatch(/clusters\.0\.groups\.allow\.0: invalid regular expression "\(unclosed"/);
  });

  it('reports missing brokers', () => {
    expect(errorOf(() => fromYaml('clusters:\n  - name: x\n    brokers: []\n'))).toContain(
      'clusters.0.brokers: at least one broker address is required',
    );
    expect(errorOf(() => fromYaml('clusters:\n  - name: x\n'))).toContain('clusters.0.brokers: Required');
    expect(errorOf(() => loadAgentConfig({ env: {} }))).toContain('no cluster configured');
  });

  it('rejects a broker address without a port', () => {
    expect(errorOf(() => loadAgentConfig({ argv: ['--brokers', 'kafka'] }))).toContain(
      'clusters.0.brokers.0: a broker address is host:port',
    );
  });

  it('refuses inline secrets', () => {
    const message = errorOf(() =>
      fromYaml(`${minimal}    sasl: { mechanism: plain, username: { env: U }, password: hunter2 }\n`),
    );
    expect(message).toContain('clusters.0.sasl.password: secrets are given by reference only');
    expect(message).not.toContain('hunter2');
  });

  describe('Amazon MSK IAM', () => {
    const msk = (sasl: string, tls = '    tls: { enabled: true }\n') =>
      fromYaml(
        `clusters:\n  - name: msk\n    brokers: [b-1.msk.kafka.eu-west-1.amazonaws.com:9098]\n    sasl: ${sasl}\n${tls}`,
      );

    it('accepts aws-msk-iam with a region and TLS, without any secret', () => {
      expect(msk('{ mechanism: aws-msk-iam, region: eu-west-1 }').clusters[0]).toMatchObject({
        sasl: { mechanism: 'aws-msk-iam', region: 'eu-west-1' },
        tls: { enabled: true },
      });
      expect(msk('{ mechanism: aws-msk-iam, region: us-gov-west-1 }').clusters[0]?.sasl).toEqual({
        mechanism: 'aws-msk-iam',
        region: 'us-gov-west-1',
      });
    });

    it('requires the region, and names it', () => {
      expect(errorOf(() => msk('{ mechanism: aws-msk-iam }'))).toContain(
        'clusters.0.sasl.region: the AWS region of the MSK cluster is required with aws-msk-iam, for example eu-west-1',
      );
    });

    it('rejects what is not a region name', () => {
      for (const region of ['', 'EU-WEST-1', 'eu-west', 'eu west 1', 'kafka.eu-west-1.amazonaws.com']) {
        expect(errorOf(() => msk(`{ mechanism: aws-msk-iam, region: '${region}' }`))).toContain(
          'clusters.0.sasl.region: an AWS region name such as eu-west-1',
        );
      }
    });

    it('refuses a username or password beside aws-msk-iam', () => {
      expect(
        errorOf(() =>
          msk('{ mechanism: aws-msk-iam, region: eu-west-1, username: { env: U }, password: { env: P } }'),
        ),
      ).toContain("clusters.0.sasl: Unrecognized key(s) in object: 'username', 'password'");
    });

    it('requires TLS, as MSK serves IAM on its TLS listeners only', () => {
      expect(errorOf(() => msk('{ mechanism: aws-msk-iam, region: eu-west-1 }', ''))).toContain(
        'clusters.0.tls: aws-msk-iam needs TLS',
      );
      expect(
        errorOf(() => msk('{ mechanism: aws-msk-iam, region: eu-west-1 }', '    tls: { enabled: false }\n')),
      ).toContain('clusters.0.tls: aws-msk-iam needs TLS');
    });

    it('lists the mechanisms when given an unknown one, and still requires passwords for SCRAM', () => {
      expect(errorOf(() => msk('{ mechanism: gssapi }'))).toContain(
        'clusters.0.sasl.mechanism: mechanism is one of plain, scram-sha-256, scram-sha-512, aws-msk-iam',
      );
      const scram = errorOf(() => msk('{ mechanism: scram-sha-512, region: eu-west-1 }'));
      expect(scram).toContain('clusters.0.sasl.username: secrets are given by reference only');
      expect(scram).toContain("clusters.0.sasl: Unrecognized key(s) in object: 'region'");
    });
  });

  it('rejects per-group thresholds where err is below warn', () => {
    const message = errorOf(() =>
      fromYaml(
        `${minimal}evaluation:\n  thresholds:\n    groups: [{ group: '^etl-', warnSeconds: 60, errSeconds: 30 }]\n`,
      ),
    );
    expect(message).toContain('evaluation.thresholds.groups.0: errSeconds must be at least warnSeconds');
  });

  it('reports unreadable files, invalid YAML and non-mapping documents', () => {
    expect(
      errorOf(() =>
        loadAgentConfig({
          argv: ['--config', '/nope.yaml'],
          readFile: () => {
            throw new Error('ENOENT: no such file');
          },
        }),
      ),
    ).toBe('cannot read config file /nope.yaml: ENOENT: no such file');
    expect(errorOf(() => fromYaml('clusters: [unclosed'))).toContain('is not valid YAML');
    expect(errorOf(() => fromYaml('- a\n- b\n'))).toContain('the top level must be a mapping');
  });

  it('rejects unknown flags, non-numeric numbers and ambiguous overrides', () => {
    expect(errorOf(() => loadAgentConfig({ argv: ['--prot', '1'] }))).toContain("Unknown option '--prot'");
    expect(errorOf(() => fromYaml(minimal, { argv: ['--port', 'abc'] }))).toBe(
      'port must be a number, got "abc"',
    );
    expect(errorOf(() => fromYaml(minimal, { argv: ['--port', '70000'] }))).toContain('server.port');
    expect(
      errorOf(() =>
        fromYaml('clusters:\n  - { name: a, brokers: [a:1] }\n  - { name: b, brokers: [b:1] }\n', {
          argv: ['--brokers', 'c:1'],
        }),
      ),
    ).toContain('cannot be used when the file defines several clusters');
    expect(errorOf(() => fromYaml(minimal, { argv: ['--granularity', 'member'] }))).toContain(
      'collection.granularity',
    );
  });

  it('reads Flink and Storm endpoints with defaults, and headers by secret reference only', () => {
    const config = fromYaml(`${minimal}
engines:
  - { type: flink, name: flink-prod, url: "http://flink-jobmanager:8081" }
  - type: storm
    name: storm-prod
    url: https://storm-ui.example:8443/
    intervalSeconds: 30
    windowSeconds: 600
    headers: { Authorization: { env: STORM_UI_AUTH } }
`);
    expect(config.engines).toEqual([
      {
        type: 'flink',
        name: 'flink-prod',
        url: 'http://flink-jobmanager:8081',
        intervalSeconds: 15,
        timeoutMs: 5000,
        headers: {},
      },
      {
        type: 'storm',
        name: 'storm-prod',
        url: 'https://storm-ui.example:8443/',
        intervalSeconds: 30,
        timeoutMs: 5000,
        windowSeconds: 600,
        headers: { Authorization: { env: 'STORM_UI_AUTH' } },
      },
    ]);
    expect(fromYaml(minimal).engines).toEqual([]);
  });

  it('adds an endpoint from STREAMOPS_FLINK_URL or --storm-url, replacing a file entry of that name', () => {
    const config = fromYaml(
      `${minimal}
engines: [{ type: flink, name: flink, url: "http://old:8081", intervalSeconds: 60 }]
`,
      { env: { STREAMOPS_FLINK_URL: 'http://flink:8081' }, argv: ['--storm-url', 'http://storm-ui:8080'] },
    );
    expect(
      config.engines.map((engine) => [engine.type, engine.name, engine.url, engine.intervalSeconds]),
    ).toEqual([
      ['flink', 'flink', 'http://flink:8081', 15],
      ['storm', 'storm', 'http://storm-ui:8080', 15],
    ]);
  });

  it.each([
    ['an unknown engine type', '[{ type: spark, name: s, url: "http://s:1" }]', 'engines.0.type'],
    ['a URL that is not one', '[{ type: flink, name: f, url: "flink:8081" }]', 'engines.0.url: url must'],
    [
      'a URL that is not HTTP',
      '[{ type: flink, name: f, url: "ftp://f/" }]',
      'engines.0.url: url must use http or https',
    ],
    [
      'a window on Flink',
      '[{ type: flink, name: f, url: "http://f:1", windowSeconds: 600 }]',
      'engines.0.windowSeconds: windowSeconds only applies to storm',
    ],
    [
      'an inline header secret',
      '[{ type: storm, name: s, url: "http://s:1", headers: { Authorization: "Basic eA==" } }]',
      'engines.0.headers.Authorization: secrets are given by reference only',
    ],
    [
      'a name used twice',
      '[{ type: flink, name: a, url: "http://f:1" }, { type: storm, name: a, url: "http://s:1" }]',
      'engines.1.name: engine name "a" is used twice',
    ],
  ])('rejects %s, naming the key', (_what, engines, message) => {
    expect(errorOf(() => fromYaml(`${minimal}\nengines: ${engines}\n`))).toContain(message);
  });

  it('reads ingest tokens, the read token and server TLS', () => {
    const config = fromYaml(`${minimal}
server:
  readToken: { env: READ_TOKEN }
  metricsRequireReadToken: true
  tls: { certFile: /tls/tls.crt, keyFile: /tls/tls.key }
ingest:
  token: { env: INGEST_TOKEN }
  tokens:
    - { name: orders-team, token: { file: /run/secrets/orders }, pipelines: [orders] }
`);
    expect(config.server.readToken).toEqual({ env: 'READ_TOKEN' });
    expect(config.server.tls).toEqual({
      certFile: '/tls/tls.crt',
      keyFile: '/tls/tls.key',
      clientAuth: 'none',
      reloadIntervalSeconds: 30,
    });
    expect(config.ingest.tokens).toEqual([
      { name: 'orders-team', token: { file: '/run/secrets/orders' }, pipelines: ['orders'] },
    ]);
  });

  it.each([
    [
      'an inline ingest token',
      'ingest:\n  tokens: [{ name: a, token: hunter2 }]',
      'ingest.tokens.0.token: secrets are given by reference only',
    ],
    [
      'a token name used twice',
      'ingest:\n  tokens: [{ name: a, token: { env: A } }, { name: a, token: { env: B } }]',
      'ingest.tokens.1.name: token name "a" is used twice',
    ],
    [
      'a token named default beside ingest.token',
      'ingest:\n  token: { env: A }\n  tokens: [{ name: default, token: { env: B } }]',
      'ingest.tokens.0.name: the name "default" is the one ingest.token gets',
    ],
    [
      'an empty pipeline list',
      'ingest:\n  tokens: [{ name: a, token: { env: A }, pipelines: [] }]',
      'ingest.tokens.0.pipelines: list at least one pipeline',
    ],
    [
      'an inline read token',
      'server:\n  readToken: hunter2',
      'server.readToken: secrets are given by reference only',
    ],
    [
      'metricsRequireReadToken without a read token',
      'server:\n  metricsRequireReadToken: true',
      'server.metricsRequireReadToken: metricsRequireReadToken needs readToken',
    ],
    [
      'a header timeout over the request timeout',
      'server:\n  headersTimeoutMs: 40000',
      'server.headersTimeoutMs: headersTimeoutMs must not be larger than requestTimeoutMs',
    ],
    [
      'client certificates without a CA',
      'server:\n  tls: { certFile: /c, keyFile: /k, clientAuth: require }',
      'server.tls.caFile: clientAuth: require needs caFile',
    ],
    [
      'an unknown client auth mode',
      'server:\n  tls: { certFile: /c, keyFile: /k, clientAuth: optional }',
      'server.tls.clientAuth',
    ],
  ])('rejects %s, naming the key', (_what, yaml, message) => {
    const text = errorOf(() => fromYaml(`${minimal}\n${yaml}\n`));
    expect(text).toContain(message);
    expect(text).not.toContain('hunter2');
  });

  it('documents every flag and variable in the help text', () => {
    expect(helpRequested(['--help'])).toBe(true);
    expect(helpRequested([])).toBe(false);
    const help = agentHelpText();
    for (const text of ['--config', '--brokers', 'KAFKA_BROKERS', 'STREAMOPS_PORT'])
      expect(help).toContain(text);
  });
});
