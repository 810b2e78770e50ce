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
      })
      .strict()
      .default({}),
    evaluation: z
      .object({
        windowSize: z.number().int().min(2).max(100).default(10),
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
      })
      .strict()
      .default({}),
    compatibility: z
      .object({ kafkaLagExporter: z.boolean().default(false) })
      .strict()
      .default({}),
    ingest: z
      .object({
        enabled: z.boolean().default(true),
        /** Bearer token clients must send; by reference only. */
        token: secretReference.optional(),
        instanceTtlSeconds: z.number().min(5).max(86_400).default(60),
        maxBodyBytes: z
          .number()
          .int()
          .min(1024)
          .max(64 * 1024 * 1024)
          .default(4 * 1024 * 1024),
        maxInstances: z.number().int().min(1).max(100_000).default(5_000),
        maxSeriesPerInstance: z.number().int().min(1).max(100_000).default(2_000),
        reportsPerSecondPerInstance: z.number().positive().max(1_000).default(5),
      })
      .strict()
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
  })
  .strict();

/** Validated agent configuration. */
export type AgentConfig = z.infer<typeof agentConfigSchema>;
/** One cluster's connection and filter settings. */
export type ClusterConfig = AgentConfig['clusters'][number];
/** A pipeline whose topology is declared rather than (only) learnt from reports. */
export type DeclaredPipelineConfig = AgentConfig['pipelines']['declared'][number];
/** A reference to a secret held in an environment variable or a file. */
export type SecretReference = z.infer<typeof secretReference>;
