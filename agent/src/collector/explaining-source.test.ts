import * as kafkajs from 'kafkajs';
import { type ClusterSource } from './cluster-source';
import { type ConnectionFacts } from './connection-error';
import { parseAgentConfig } from '../config/load';
import { type GroupListing } from '../protocol/cluster-state';
import { ClusterCollectionError, connectionFacts, explainingSource } from './explaining-source';

// kafkajs's type declarations omit most error constructor arguments, hence the lookup by name.
type ErrorClass = new (message: string | Error) => Error;
const kafkajsError = (name: string): ErrorClass =>
  (kafkajs as unknown as Record<string, ErrorClass>)[name] as ErrorClass;
const KafkaJSGroupCoordinatorNotFound = kafkajsError('KafkaJSGroupCoordinatorNotFound');
const KafkaJSProtocolError = kafkajsError('KafkaJSProtocolError');
const KafkaJSSASLAuthenticationError = kafkajsError('KafkaJSSASLAuthenticationError');

const facts: ConnectionFacts = {
  cluster: 'prod',
  brokers: ['kafka-0:9092'],
  saslMechanism: 'scram-sha-512',
  username: 'agent',
  tls: null,
};

function failingSource(error: unknown): ClusterSource {
  // The rejection reason is whatever the client threw, which need not be an Error.
  // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
  const fail = () => Promise.reject(error);
  return {
    listGroups: fail,
    describeGroups: fail,
    fetchCommittedOffsets: fail,
    fetchWatermarks: fail,
    fetchRecordTimestamps: fail,
    close: () => Promise.resolve(),
  };
}

const listing = (group: string): GroupListing => ({
  group,
  protocolType: 'consumer',
  groupType: 'classic',
  state: 'Stable',
});

async function rejection(promise: Promise<unknown>): Promise<ClusterCollectionError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ClusterCollectionError) return error;
    throw new Error(`rejected with something else: ${String(error)}`);
  }
  throw new Error('did not reject');
}

describe('explainingSource', () => {
  it('turns every rejection into an explained error without the original as cause', async () => {
    const source = explainingSource(failingSource(new KafkaJSSASLAuthenticationError('bad credentials')), {
      facts,
      secrets: [],
    });
    const error = await rejection(source.listGroups());
    expect(error.message).toBe(
      'cluster "prod": authentication failed for user "agent" (SASL SCRAM-SHA-512): check the password, and that the user has SCRAM-SHA-512 credentials',
    );
    expect(error.kind).toBe('authentication');
    expect(error.cause).toBeUndefined();
  });

  it('probes the groups of a describe that found no coordinator, and names the denied ones', async () => {
    const probe = jest.fn((groups: readonly string[]) =>
      Promise.resolve(groups.filter((g) => g.startsWith('secret'))),
    );
    const source = explainingSource(
      failingSource(new KafkaJSGroupCoordinatorNotFound('Failed to find group coordinator')),
      {
        facts,
        secrets: [],
        probeDeniedGroups: probe,
      },
    );
    const error = await rejection(source.describeGroups([listing('open'), listing('secret-1')]));
    expect(probe).toHaveBeenCalledWith(['open', 'secret-1']);
    expect(error.kind).toBe('group-authorisation');
    expect(error.message).toContain('not authorised to describe group "secret-1"');
  });

  it('falls back to both causes when the probe finds nothing or fails, and never probes for other errors', async () => {
    const hidden = new KafkaJSGroupCoordinatorNotFound('Failed to find group coordinator');
    const empty = explainingSource(failingSource(hidden), {
      facts,
      secrets: [],
      probeDeniedGroups: () => Promise.reject(new Error('no connection')),
    });
    expect((await rejection(empty.fetchCommittedOffsets('orders'))).kind).toBe('coordinator-not-found');

    const probe = jest.fn(() => Promise.resolve(['orders']));
    const denied = new KafkaJSProtocolError(
      Object.assign(new Error('Not authorized to access group'), {
        type: 'GROUP_AUTHORIZATION_FAILED',
        code: 30,
      }),
    );
    const single = explainingSource(failingSource(denied), { facts, secrets: [], probeDeniedGroups: probe });
    expect((await rejection(single.fetchCommittedOffsets('orders'))).message).toContain(
      'not authorised to describe group "orders"',
    );
    const login = explainingSource(failingSource(new KafkaJSSASLAuthenticationError('x')), {
      facts,
      secrets: [],
      probeDeniedGroups: probe,
    });
    await rejection(login.describeGroups([listing('a')]));
    expect(probe).not.toHaveBeenCalled();
  });

  it('names the topics of a failed read, and scrubs secrets from whatever the error said', async () => {
    const topicDenied = new KafkaJSProtocolError(
      Object.assign(new Error('Not authorized to access topics'), {
        type: 'TOPIC_AUTHORIZATION_FAILED',
        code: 29,
      }),
    );
    const source = explainingSource(failingSource(topicDenied), { facts, secrets: [] });
    const error = await rejection(
      source.fetchRecordTimestamps([
        { topic: 'orders', partition: 0, offset: 1 },
        { topic: 'orders', partition: 1, offset: 1 },
      ]),
    );
    expect(error.message).toContain('not authorised to read topic "orders" (TOPIC_AUTHORIZATION_FAILED)');

    const leaky = explainingSource(failingSource(new Error('handshake with s3cr3t-pw failed')), {
      facts,
      secrets: ['s3cr3t-pw'],
    });
    expect((await rejection(leaky.fetchWatermarks(['orders']))).message).toBe(
      'cluster "prod": handshake with [redacted] failed',
    );
  });

  it('keeps fetchShareGroupOffsets optional, as the source has it or not', async () => {
    const without = explainingSource(failingSource(new Error('x')), { facts, secrets: [] });
    expect('fetchShareGroupOffsets' in without).toBe(false);
    const withShare = explainingSource(
      { ...failingSource(new Error('x')), fetchShareGroupOffsets: () => Promise.resolve([]) },
      { facts, secrets: [] },
    );
    await expect(
      withShare.fetchShareGroupOffsets ? withShare.fetchShareGroupOffsets('g') : null,
    ).resolves.toEqual([]);
  });

  it('passes readCommitLog through when the source has it, and explains its failures', async () => {
    expect('readCommitLog' in explainingSource(failingSource(new Error('x')), { facts, secrets: [] })).toBe(
      false,
    );
    const read = { available: true as const, events: [], backlogRecords: 3 };
    let answer: () => Promise<typeof read> = () => Promise.resolve(read);
    const source = explainingSource(
      { ...failingSource(new Error('x')), readCommitLog: () => answer() },
      { facts, secrets: [] },
    );
    await expect(source.readCommitLog?.()).resolves.toEqual(read);
    answer = () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:9092'));
    const error = await rejection(source.readCommitLog?.() ?? Promise.resolve());
    expect(error.message).toMatch(/^cluster "prod": /);
  });
});

describe('connectionFacts', () => {
  it('resolves the username for messages and collects the password and key to scrub', () => {
    process.env.STREAMOPS_TEST_USER = 'agent';
    process.env.STREAMOPS_TEST_PASSWORD = 'pw-value';
    process.env.STREAMOPS_TEST_KEY = '-----BEGIN PRIVATE KEY-----x';
    try {
      const [cluster] = parseAgentConfig({
        clusters: [
          {
            name: 'prod',
            brokers: ['kafka-0:9093'],
            sasl: {
              mechanism: 'scram-sha-512',
              username: { env: 'STREAMOPS_TEST_USER' },
              password: { env: 'STREAMOPS_TEST_PASSWORD' },
            },
            tls: { ca: { env: 'STREAMOPS_TEST_USER' }, key: { env: 'STREAMOPS_TEST_KEY' } },
          },
        ],
      }).clusters;
      expect(connectionFacts(cluster!)).toEqual({
        facts: {
          cluster: 'prod',
          brokers: ['kafka-0:9093'],
          saslMechanism: 'scram-sha-512',
          username: 'agent',
          tls: { ca: true, rejectUnauthorized: true, clientCertificate: false },
        },
        secrets: ['pw-value', '-----BEGIN PRIVATE KEY-----x'],
      });
    } finally {
      delete process.env.STREAMOPS_TEST_USER;
      delete process.env.STREAMOPS_TEST_PASSWORD;
      delete process.env.STREAMOPS_TEST_KEY;
    }
  });

  it('leaves out what cannot be resolved, and says nothing of TLS that is disabled', () => {
    const [msk, unset] = parseAgentConfig({
      clusters: [
        {
          name: 'msk',
          brokers: ['b-1:9098'],
          sasl: { mechanism: 'aws-msk-iam', region: 'eu-west-1' },
          tls: { enabled: true },
        },
        {
          name: 'unset',
          brokers: ['kafka-0:9092'],
          sasl: {
            mechanism: 'plain',
            username: { env: 'NOT_SET_ANYWHERE' },
            password: { env: 'NOT_SET_EITHER' },
          },
          tls: { enabled: false },
        },
      ],
    }).clusters;
    expect(connectionFacts(msk!).facts).toMatchObject({ saslMechanism: 'aws-msk-iam', username: null });
    expect(connectionFacts(unset!)).toEqual({
      facts: {
        cluster: 'unset',
        brokers: ['kafka-0:9092'],
        saslMechanism: 'plain',
        username: null,
        tls: null,
      },
      secrets: [],
    });
  });
});
