import { z } from 'zod';

/** A secret is never written in the config itself: it names an environment variable or a file. */
const secretReference = z.union(
  [z.object({ env: z.string().min(1) }).strict(), z.object({ file: z.string().min(1) }).strict()],
  {
    errorMap: () => ({
      message: 'secrets are given by reference only: { env: VAR_NAME } or { file: /path/to/secret }',
    }),
  },
);

const regexString = z.string().superRefine((source, context) => {
  try {
    new RegExp(source);
  } catch (error) {
    context.addIssue({
      code: z.ZodIssueCode.custom,
      message: `invalid regular expression ${JSON.stringify(source)}: ${(error as Error).message}`,
    });
  }
});

const nameFilter = z
  .object({
    allow: z.array(regexString).default(['.*']),
    deny: z.array(regexString).default([]),
  })
  .strict()
  .default({});

const brokerAddress = z
  .string()
  .regex(/^[^\s:,]+:\d{1,5}$/, 'a broker address is host:port, for example kafka-0.kafka:9092');

const passwordSaslSchema = z
  .object({
    mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']),
    username: secretReference,
    password: secretReference,
  })
  .strict();

/** AWS region names: eu-west-1, us-gov-west-1, cn-north-1, ap-southeast-5, us-isob-east-1... */
const awsRegionPattern = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/** Amazon MSK IAM: no secret in the config; credentials come from the default AWS chain. */
const awsMskIamSaslSchema = z
  .object({
    mechanism: z.literal('aws-msk-iam'),
    region: z
      .string({
        required_error:
          'the AWS region of the MSK cluster is required with aws-msk-iam, for example eu-west-1',
      })
      .regex(awsRegionPattern, 'an AWS region name such as eu-west-1 or us-gov-west-1'),
  })
  .strict();

const saslSchema = z.discriminatedUnion('mechanism', [passwordSaslSchema, awsMskIamSaslSchema], {
  errorMap: (issue, context) =>
    issue.code === z.ZodIssueCode.invalid_union_discriminator
      ? { message: 'mechanism is one of plain, scram-sha-256, scram-sha-512, aws-msk-iam' }
      : { message: context.defaultError },
});

const tlsSchema = z
  .object({
    enabled: z.boolean().default(true),
    rejectUnauthorized: z.boolean().default(true),
    ca: secretReference.optional(),
    cert: secretReference.optional(),
    key: secretReference.optional(),
  })
  .strict();

/** The agent's own listener: HTTPS from certificate and key files, re-read when they change. */
const serverTlsSchema = z
  .object({
    certFile: z.string().min(1),
    keyFile: z.string().min(1),
    caFile: z.string().min(1).optional(),
    clientAuth: z.enum(['none', 'require']).default('none'),
    reloadIntervalSeconds: z.number().min(1).max(86_400).default(30),
  })
  .strict()
  .superRefine((tls, context) => {
    if (tls.clientAuth === 'require' && tls.caFile === undefined) {
      context.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['caFile'],
        message: 'clientAuth: require needs caFile, the CA that client certificates are checked against',
      });
    }
  });

const tokenName = z
  .string()
  .regex(/^[A-Za-z0-9_.-]+$/, 'a token name uses letters, digits, ".", "_" and "-" only');

const ingestTokenSchema = z
  .object({
    name: tokenName,
    token: secretReference,
    pipelines: z
      .array(z.string().min(1))
      .min(1, 'list at least one pipeline, or leave pipelines out for all')
      .optional(),
  })
  .strict();

const thresholdSchema = z
  .object({
    warnSeconds: z.number().positive(),
    errSeconds: z.number().positive(),
  })
  .strict()
  .refine((threshold) => threshold.errSeconds >= threshold.warnSeconds, {
    message: 'errSeconds must be at least warnSeconds',
  });

const groupThresholdSchema = z
  .object({ group: regexString, warnSeconds: z.number().positive(), errSeconds: z.number().positive() })
  .strict()
  .refine((threshold) => threshold.errSeconds >= threshold.warnSeconds, {
    message: 'errSeconds must be at least warnSeconds',
  });

const clusterSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'a cluster name uses letters, digits, ".", "_" and "-" only'),
    brokers: z.array(brokerAddress).min(1, 'at least one broker address is required'),
    clientId: z.string().min(1).default('streamops-agent'),
    sasl: saslSchema.optional(),
    tls: tlsSchema.optional(),
    groups: nameFilter,
    topics: nameFilter,
  })
  .strict()
  .superRefine((cluster, context) => {
    // MSK serves IAM authentication on TLS listeners only; without TLS the handshake fails obscurely.
    if (cluster.sasl?.mechanism === 'aws-msk-iam' && !cluster.tls?.enabled) {
      context.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['tls'],
        message:
          'aws-msk-iam needs TLS (MSK serves IAM on its TLS listeners, port 9098): add tls: { enabled: true }',
      });
    }
  });

const topicList = z.array(z.string().min(1)).optional();

const declaredPipelineSchema = z
  .object({
    name: z.string().min(1),
    inputTopics: topicList,
    outputTopics: topicList,
    deadLetterTopics: topicList,
    /** Stage order, first to last. */
    stages: z.array(z.string().min(1)).optional(),
    /** Per-stage settings the reports cannot tell: handlers per instance not seen by busy time. */
    stageConcurrency: z.record(z.string(), z.number().int().min(1).max(10_000)).optional(),
  })
  .strict();

const engineEndpointSchema = z
  .object({
    /** flink: a JobManager's REST API; storm: a Storm UI's REST API. */
    type: z.enum(['flink', 'storm']),
    /** Label value of `endpoint` on the engine's health series. */
    name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'an engine name uses letters, digits, ".", "_" and "-" only'),
    url: z
      .string()
      .url('url must be an absolute URL, for example http://flink-jobmanager:8081')
      .refine((url) => /^https?:\/\//i.test(url), 'url must use http or https'),
    intervalSeconds: z.number().min(1).max(3600).default(15),
    timeoutMs: z.number().int().min(100).max(120_000).default(5_000),
    /** Request headers (authorisation), by secret reference only. */
    headers: z
      .record(
        z.string().regex(/^[A-Za-z0-9-]+$/, 'a header name uses letters, digits and "-"'),
        secretReference,
      )
      .default({}),
    /** Storm only: the statistics window asked for, seconds (Storm offers 600, 10800, 86400). */
    windowSeconds: z.number().int().min(1).optional(),
  })
  .strict()
  .superRefine((endpoint, context) => {
    if (endpoint.type !== 'storm' && endpoint.windowSeconds !== undefined) {
      context.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['windowSeconds'],
        message: 'windowSeconds only applies to storm endpoints (Flink rates are per second)',
      });
    }
  });

/** The agent configuration file, after defaults. */
export const agentConfigSchema = z
  .object({
    clusters: z.array(clusterSchema).min(1, 'at least one cluster is required'),
    collection: z
      .object({
        intervalSeconds: z.number().min(1).max(3600).default(15),
        granularity: z.enum(['partition', 'topic']).default('partition'),
        requestTimeoutMs: z.number().int().min(100).default(10_000),
        concurrency: z.number().int().min(1).max(64).default(8),
        commitSource: z.enum(['auto', 'offsets-topic', 'polling']).default('auto'),
      })
      .strict()
      .default({}),
    evaluation: z
      .object({
        windowSize: z.number().int().min(2).max(100).default(10),
        minDistanceSeconds: z.number().min(0).max(3600).default(0),
        thresholds: z
          .object({
            default: thresholdSchema.default({ warnSeconds: 60, errSeconds: 300 }),
            groups: z.array(groupThresholdSchema).default([]),
          })
          .strict()
          .default({}),
      })
      .strict()
      .default({}),
    server: z
      .object({
        host: z.string().default('0.0.0.0'),
        port: z.number().int().min(0).max(65535).default(9308),
        /** Bearer token of the read endpoints; by reference only. */
        readToken: secretReference.optional(),
        metricsRequireReadToken: z.boolean().default(false),
        headersTimeoutMs: z.number().int().min(100).max(600_000).default(10_000),
        requestTimeoutMs: z.number().int().min(100).max(3_600_000).default(30_000),
        keepAliveTimeoutMs: z.number().int().min(0).max(600_000).default(5_000),
        maxConnections: z.number().int().min(1).max(1_000_000).default(1_024),
        tls: serverTlsSchema.optional(),
      })
      .strict()
      .superRefine((server, context) => {
        // Node refuses a header timeout longer than the request timeout.
        if (server.headersTimeoutMs > server.requestTimeoutMs) {
          context.addIssue({
            code: z.ZodIssueCode.custom,
            path: ['headersTimeoutMs'],
            message: 'headersTimeoutMs must not be larger than requestTimeoutMs',
          });
        }
        if (server.metricsRequireReadToken && server.readToken === undefined) {
          context.addIssue({
            code: z.ZodIssueCode.custom,
            path: ['metricsRequireReadToken'],
            message: 'metricsRequireReadToken needs readToken',
          });
        }
      })
      .default({}),
    compatibility: z
      .object({ kafkaLagExporter: z.boolean().default(false) })
      .strict()
      .default({}),
    ingest: z
      .object({
        enabled: z.boolean().default(true),
        /** Bearer token clients must send; by reference only. Named `default`, every pipeline. */
        token: secretReference.optional(),
        /** Named tokens, each by reference, optionally bound to pipelines. */
        tokens: z
          .array(ingestTokenSchema)
          .default([])
          .superRefine((tokens, context) => {
            const seen = new Set<string>();
            tokens.forEach((token, index) => {
              if (seen.has(token.name)) {
                context.addIssue({
                  code: z.ZodIssueCode.custom,
                  path: [index, 'name'],
                  message: `token name ${JSON.stringify(token.name)} is used twice`,
                });
              }
              seen.add(token.name);
            });
          }),
        instanceTtlSeconds: z.number().min(5).max(86_400).default(60),
        maxBodyBytes: z
          .number()
          .int()
          .min(1024)
          .max(64 * 1024 * 1024)
          .default(4 * 1024 * 1024),
        maxInstances: z.number().int().min(1).max(100_000).default(5_000),
        maxSeriesPerInstance: z.number().int().min(1).max(100_000).default(2_000),
        // Caps sized so that an agent at all of them stays well inside the chart's 512 Mi (agent/src/ingest/README.md).
        maxSeries: z.number().int().min(1).max(1_000_000).default(10_000),
        maxPipelines: z.number().int().min(1).max(10_000).default(50),
        maxInstancesPerPipeline: z.number().int().min(1).max(100_000).default(100),
        maxClockSkewSeconds: z.number().int().min(1).max(86_400).default(300),
        maxPointAgeSeconds: z.number().int().min(1).max(604_800).default(3_600),
        reportsPerSecondPerInstance: z.number().positive().max(1_000).default(5),
      })
      .strict()
      .superRefine((ingest, context) => {
        const index = ingest.tokens.findIndex((token) => token.name === 'default');
        if (ingest.token !== undefined && index >= 0) {
          context.addIssue({
            code: z.ZodIssueCode.custom,
            path: ['tokens', index, 'name'],
            message: 'the name "default" is the one ingest.token gets; give this token another name',
          });
        }
      })
      .default({}),
    pipelines: z
      .object({
        /** Window the rates of the model are measured over. */
        windowSeconds: z.number().min(1).max(3600).default(60),
        /** Target input rate the capacity plan is made for (streamops capacity can ask for another). */
        targetRate: z.number().positive().optional(),
        declared: z.array(declaredPipelineSchema).default([]),
      })
      .strict()
      .default({}),
    /** Flink and Storm endpoints whose jobs are modelled as pipelines. */
    engines: z
      .array(engineEndpointSchema)
      .default([])
      .superRefine((endpoints, context) => {
        const seen = new Set<string>();
        endpoints.forEach((endpoint, index) => {
          if (seen.has(endpoint.name)) {
            context.addIssue({
              code: z.ZodIssueCode.custom,
              path: [index, 'name'],
              message: `engine name ${JSON.stringify(endpoint.name)} is used twice`,
            });
          }
          seen.add(endpoint.name);
        });
      }),
  })
  .strict();

/** Validated agent configuration. */
export type AgentConfig = z.infer<typeof agentConfigSchema>;
/** One cluster's connection and filter settings. */
export type ClusterConfig = AgentConfig['clusters'][number];
/** A pipeline whose topology is declared rather than (only) learnt from reports. */
export type DeclaredPipelineConfig = AgentConfig['pipelines']['declared'][number];
/** One Flink or Storm endpoint. */
export type EngineEndpointConfig = AgentConfig['engines'][number];
/** The agent's HTTP server settings. */
export type ServerConfig = AgentConfig['server'];
/** One named ingest token, still a reference. */
export type IngestTokenConfig = AgentConfig['ingest']['tokens'][number];
/** A reference to a secret held in an environment variable or a file. */
export type SecretReference = z.infer<typeof secretReference>;
