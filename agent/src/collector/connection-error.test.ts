import * as kafkajs from 'kafkajs';
import {
  explainConnectionError,
  isCoordinatorNotFound,
  isGroupAuthorisationFailure,
  redactSecrets,
  securityProtocolOf,
  type ConnectionFacts,
} from './connection-error';

// The errors are built with kafkajs's own classes, shaped as kafkajs 2.2.4 throws them against
// Kafka 4 (the integration tests in test/agent/kafka-security.test.ts see the same on a real cluster).
// Its type declarations omit some classes and most constructor arguments, hence the lookup by name.
type ErrorClass = new (message: string | Error, metadata?: Record<string, unknown>) => Error;
const kafkajsError = (name: string): ErrorClass => {
  const found = (kafkajs as unknown as Record<string, ErrorClass | undefined>)[name];
  if (!found) throw new Error(`kafkajs exports no ${name}`);
  return found;
};
const KafkaJSConnectionClosedError = kafkajsError('KafkaJSConnectionClosedError');
const KafkaJSConnectionError = kafkajsError('KafkaJSConnectionError');
const KafkaJSGroupCoordinatorNotFound = kafkajsError('KafkaJSGroupCoordinatorNotFound');
const KafkaJSNumberOfRetriesExceeded = kafkajsError('KafkaJSNumberOfRetriesExceeded');
const KafkaJSProtocolError = kafkajsError('KafkaJSProtocolError');
const KafkaJSRequestTimeoutError = kafkajsError('KafkaJSRequestTimeoutError');
const KafkaJSSASLAuthenticationError = kafkajsError('KafkaJSSASLAuthenticationError');

const scram: ConnectionFacts = {
  cluster: 'prod',
  brokers: ['kafka-0:9093', 'kafka-1:9093'],
  saslMechanism: 'scram-sha-512',
  username: 'agent',
  tls: null,
};
const tls: ConnectionFacts = {
  cluster: 'prod',
  brokers: ['kafka-0:9093'],
  saslMechanism: null,
  username: null,
  tls: { ca: true, rejectUnauthorized: true, clientCertificate: false },
};
const plaintext: ConnectionFacts = { ...tls, tls: null };

/** A protocol error as kafkajs's createErrorFromCode makes it. */
function protocolError(type: string, code: number, message: string): Error {
  return new KafkaJSProtocolError(Object.assign(new Error(message), { type, code }));
}

/** A socket or TLS failure after kafkajs's retries, as a connect() rejects with it. */
function connectionFailure(code: string, message: string, broker = 'kafka-0:9093'): Error {
  const cause = new KafkaJSConnectionError(`Connection error: ${message}`, { broker, code });
  return new KafkaJSNumberOfRetriesExceeded(cause, { retryCount: 1, retryTime: 100 });
}

describe('explainConnectionError', () => {
  it('names the user and mechanism of a failed SCRAM login and says to check the password', () => {
    const error = new KafkaJSSASLAuthenticationError(
      'SASL SCRAM SHA512 authentication failed: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512',
    );
    expect(explainConnectionError(error, scram)).toEqual({
      kind: 'authentication',
      code: 'KafkaJSSASLAuthenticationError',
      message:
        'cluster "prod": authentication failed for user "agent" (SASL SCRAM-SHA-512): check the password, and that the user has SCRAM-SHA-512 credentials',
    });
  });

  it('treats a SASL_AUTHENTICATION_FAILED protocol error like a failed login, per mechanism', () => {
    const error = protocolError('SASL_AUTHENTICATION_FAILED', 58, 'SASL Authentication failed');
    const plain = explainConnectionError(error, { ...scram, saslMechanism: 'plain' });
    expect(plain.kind).toBe('authentication');
    expect(plain.message).toBe(
      'cluster "prod": authentication failed for user "agent" (SASL PLAIN): check the username and password',
    );
    const iam = explainConnectionError(error, { ...scram, saslMechanism: 'aws-msk-iam', username: null });
    expect(iam.message).toBe(
      'cluster "prod": authentication failed (SASL OAUTHBEARER, aws-msk-iam): check the agent\'s AWS credentials and that its IAM policy allows kafka-cluster:Connect',
    );
  });

  it('says when the listener does not enable the mechanism, or does not use SASL at all', () => {
    const unsupported = protocolError(
      'UNSUPPORTED_SASL_MECHANISM',
      33,
      'The broker does not support the requested SASL mechanism',
    );
    expect(explainConnectionError(unsupported, { ...scram, saslMechanism: 'scram-sha-256' })).toMatchObject({
      kind: 'sasl-mechanism',
      message:
        'cluster "prod": the listener does not enable SASL SCRAM-SHA-256 (UNSUPPORTED_SASL_MECHANISM): set sasl.mechanism to one the brokers enable (their sasl.enabled.mechanisms)',
    });
    const illegal = protocolError(
      'ILLEGAL_SASL_STATE',
      34,
      'Request is not valid given the current SASL state',
    );
    expect(explainConnectionError(illegal, scram)).toMatchObject({
      kind: 'sasl-not-served',
      message:
        'cluster "prod": the listener does not use SASL (ILLEGAL_SASL_STATE): remove sasl, or set brokers to the SASL listener\'s addresses',
    });
  });

  it('reads a connection closed at once as a security protocol mismatch, naming the protocol configured', () => {
    const closed = new KafkaJSConnectionClosedError('Closed connection', { host: 'kafka-0', port: 9093 });
    const explained = explainConnectionError(closed, plaintext);
    expect(explained.kind).toBe('connection-closed');
    expect(explained.message).toBe(
      'cluster "prod": kafka-0:9093 closed the connection (KafkaJSConnectionClosedError): if it lasts, the listener\'s security protocol is probably not PLAINTEXT, the one this configuration uses; set tls and sasl to match it',
    );
    expect(explainConnectionError(closed, scram).message).toContain('not SASL_PLAINTEXT');
  });

  it('explains an untrusted broker certificate by whether tls.ca is set', () => {
    const error = connectionFailure(
      'SELF_SIGNED_CERT_IN_CHAIN',
      'self-signed certificate in certificate chain',
    );
    expect(explainConnectionError(error, tls)).toEqual({
      kind: 'tls-untrusted',
      code: 'SELF_SIGNED_CERT_IN_CHAIN',
      message:
        'cluster "prod": TLS: the brokers\' certificate is not signed by the CA in tls.ca (SELF_SIGNED_CERT_IN_CHAIN): set tls.ca to the CA that signed the brokers\' certificate',
    });
    const noCa = { ...tls, tls: { ca: false, rejectUnauthorized: true, clientCertificate: false } };
    expect(explainConnectionError(error, noCa).message).toBe(
      'cluster "prod": TLS: the brokers\' certificate is signed by an unknown authority (SELF_SIGNED_CERT_IN_CHAIN): set tls.ca to the CA that signed it',
    );
    for (const code of ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY']) {
      expect(explainConnectionError(connectionFailure(code, 'unable to verify'), noCa)).toMatchObject({
        kind: 'tls-untrusted',
        code,
      });
    }
    expect(
      explainConnectionError(
        connectionFailure('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'),
        noCa,
      ).message,
    ).toBe(
      'cluster "prod": TLS: the brokers\' certificate is self-signed (DEPTH_ZERO_SELF_SIGNED_CERT): set tls.ca to that certificate',
    );
  });

  it('explains host name, validity and client certificate failures', () => {
    const altname = connectionFailure(
      'ERR_TLS_CERT_ALTNAME_INVALID',
      "Hostname/IP does not match certificate's altnames",
      '10.0.0.7:9093',
    );
    expect(explainConnectionError(altname, tls).message).toBe(
      'cluster "prod": TLS: the brokers\' certificate does not name 10.0.0.7:9093 (ERR_TLS_CERT_ALTNAME_INVALID): list brokers by a host name or IP address in the certificate (subjectAltName)',
    );
    expect(
      explainConnectionError(connectionFailure('CERT_HAS_EXPIRED', 'certificate has expired'), tls),
    ).toMatchObject({
      kind: 'tls-validity',
      message:
        'cluster "prod": TLS: the brokers\' certificate has expired (CERT_HAS_EXPIRED): renew it on the brokers, or check the agent\'s clock',
    });
    const required = connectionFailure(
      'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
      'tlsv13 alert certificate required',
    );
    expect(explainConnectionError(required, tls)).toMatchObject({
      kind: 'tls-client-certificate',
      message:
        'cluster "prod": TLS: kafka-0:9093 refused the agent\'s client certificate (ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED): the listener wants a client certificate: set tls.cert and tls.key',
    });
  });

  it('says when the listener does not speak TLS, and keeps other TLS failures with their code', () => {
    const wrongVersion = connectionFailure('ERR_SSL_WRONG_VERSION_NUMBER', 'wrong version number');
    expect(explainConnectionError(wrongVersion, tls)).toMatchObject({
      kind: 'tls-not-served',
      message:
        'cluster "prod": TLS handshake with kafka-0:9093 failed (ERR_SSL_WRONG_VERSION_NUMBER): the listener does not use TLS; remove tls, or set brokers to the TLS listener\'s addresses',
    });
    // What Kafka 4's plaintext listener does to a ClientHello: it hangs up.
    const hungUp = connectionFailure(
      'ECONNRESET',
      'Client network socket disconnected before secure TLS connection was established',
    );
    expect(explainConnectionError(hungUp, tls).kind).toBe('tls-not-served');
    expect(
      explainConnectionError(connectionFailure('ECONNRESET', 'read ECONNRESET'), plaintext),
    ).toMatchObject({
      kind: 'unreachable',
      message: 'cluster "prod": the connection to kafka-0:9093 failed (ECONNRESET): read ECONNRESET',
    });
    const pem = connectionFailure('ERR_OSSL_PEM_NO_START_LINE', 'error:0480006C:PEM routines::no start line');
    expect(explainConnectionError(pem, tls)).toMatchObject({
      kind: 'tls-other',
      message:
        'cluster "prod": TLS with kafka-0:9093 failed (ERR_OSSL_PEM_NO_START_LINE): error:0480006C:PEM routines::no start line',
    });
  });

  it('explains refused, unresolved and timed-out connections with the address', () => {
    expect(
      explainConnectionError(
        connectionFailure('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1', '127.0.0.1:1'),
        plaintext,
      ).message,
    ).toBe(
      'cluster "prod": cannot connect to 127.0.0.1:1: connection refused (ECONNREFUSED): check brokers, and that Kafka listens there',
    );
    expect(
      explainConnectionError(connectionFailure('ENOTFOUND', 'getaddrinfo ENOTFOUND kafka-0'), plaintext).kind,
    ).toBe('unresolved');
    const requestTimeout = new KafkaJSRequestTimeoutError('Request Metadata(key: 3, version: 6) timed out', {
      broker: 'kafka-0:9093',
      correlationId: 1,
      createdAt: 0,
      sentAt: 0,
      pendingDuration: 0,
    });
    expect(explainConnectionError(requestTimeout, plaintext)).toMatchObject({
      kind: 'timeout',
      message:
        'cluster "prod": a request to kafka-0:9093 timed out (KafkaJSRequestTimeoutError: Request Metadata(key: 3, version: 6) timed out): raise collection.requestTimeoutMs if the brokers are slow',
    });
    const connectTimeout = new KafkaJSConnectionError('Connection timeout', { broker: 'kafka-0:9093' });
    expect(explainConnectionError(connectTimeout, plaintext).message).toMatch(
      /connecting to kafka-0:9093 timed out/,
    );
  });

  it('names the groups the client may not describe, from a probe or from the error', () => {
    const hidden = new KafkaJSGroupCoordinatorNotFound('Failed to find group coordinator');
    expect(
      explainConnectionError(hidden, scram, { groups: ['a', 'secret'], deniedGroups: ['secret'] }),
    ).toEqual({
      kind: 'group-authorisation',
      code: 'GROUP_AUTHORIZATION_FAILED',
      message:
        'cluster "prod": not authorised to describe group "secret" (GROUP_AUTHORIZATION_FAILED): grant User:agent DESCRIBE on the group, or leave it out with groups.deny',
    });
    const many = ['g1', 'g2', 'g3', 'g4', 'g5', 'g6', 'g7'];
    expect(explainConnectionError(hidden, tls, { groups: many, deniedGroups: many }).message).toBe(
      'cluster "prod": not authorised to describe 7 groups ("g1", "g2", "g3", "g4", "g5" and 2 more) (GROUP_AUTHORIZATION_FAILED): grant the agent\'s principal DESCRIBE on them, or leave them out with groups.deny',
    );
    const direct = protocolError('GROUP_AUTHORIZATION_FAILED', 30, 'Not authorized to access group');
    expect(explainConnectionError(direct, scram, { groups: ['orders'] }).message).toBe(
      'cluster "prod": not authorised to describe group "orders" (GROUP_AUTHORIZATION_FAILED): grant User:agent DESCRIBE on it, or leave it out with groups.deny',
    );
    // The agent's own group APIs put the group and Kafka's error name in the message.
    const own = new Error(
      'ConsumerGroupDescribe of group "billing \\"eu\\"" failed: GROUP_AUTHORIZATION_FAILED (30): denied',
    );
    expect(explainConnectionError(own, scram, { groups: ['x', 'billing "eu"'] }).message).toContain(
      'not authorised to describe group "billing \\"eu\\"" (GROUP_AUTHORIZATION_FAILED)',
    );
  });

  it('without a probe answer, says both causes of a missing coordinator', () => {
    const hidden = new KafkaJSGroupCoordinatorNotFound('Failed to find group coordinator');
    expect(explainConnectionError(hidden, scram, { groups: ['orders'] })).toEqual({
      kind: 'coordinator-not-found',
      code: 'KafkaJSGroupCoordinatorNotFound',
      message:
        'cluster "prod": cannot find the coordinator of group "orders" (KafkaJSGroupCoordinatorNotFound): the coordinator is unavailable, or User:agent may not DESCRIBE the group',
    });
  });

  it('explains topic and cluster authorisation failures by what the call did', () => {
    const topic = protocolError(
      'TOPIC_AUTHORIZATION_FAILED',
      29,
      'Not authorized to access topics: [Topic authorization failed]',
    );
    expect(explainConnectionError(topic, scram, { topics: ['orders'], topicOperation: 'read' }).message).toBe(
      'cluster "prod": not authorised to read topic "orders" (TOPIC_AUTHORIZATION_FAILED): grant User:agent READ on the topics the groups consume (the agent reads the record at each committed offset for time lag), or leave them out with topics.deny',
    );
    expect(
      explainConnectionError(topic, scram, { topics: ['a', 'b'], topicOperation: 'describe' }).message,
    ).toBe(
      'cluster "prod": not authorised to describe 2 topics ("a", "b") (TOPIC_AUTHORIZATION_FAILED): grant User:agent DESCRIBE on the topics the groups consume, or leave them out with topics.deny',
    );
    const cluster = protocolError('CLUSTER_AUTHORIZATION_FAILED', 31, 'Cluster authorization failed');
    expect(explainConnectionError(cluster, scram)).toMatchObject({
      kind: 'cluster-authorisation',
      message:
        'cluster "prod": not authorised on the cluster resource (CLUSTER_AUTHORIZATION_FAILED): grant User:agent DESCRIBE on the cluster',
    });
  });

  it('keeps an unknown error on one line with the cluster named, and never shows a secret', () => {
    const error = new Error('the broker said:\n  password hunter2-secret is wrong');
    expect(explainConnectionError(error, scram, { secrets: ['hunter2-secret'] })).toEqual({
      kind: 'other',
      code: null,
      message: 'cluster "prod": the broker said: password [redacted] is wrong',
    });
    expect(explainConnectionError('just a string', scram).message).toBe('cluster "prod": just a string');
    expect(explainConnectionError(undefined, scram).message).toBe('cluster "prod": undefined');
    // Secrets are scrubbed from explained messages too (a username that is also the password).
    const login = new KafkaJSSASLAuthenticationError('failed');
    expect(
      explainConnectionError(
        login,
        { ...scram, username: 'same-as-password' },
        { secrets: ['same-as-password'] },
      ).message,
    ).not.toContain('same-as-password');
  });
});

describe('redactSecrets', () => {
  it('removes whole secrets, longest first, and their trimmed form, but ignores very short values', () => {
    const key = '-----BEGIN PRIVATE KEY-----\nMIIEv...\n-----END PRIVATE KEY-----\n';
    expect(redactSecrets(`key ${key.trim()} and pass abcd and abcdef`, [key, 'abcd', 'abcdef', 'ab'])).toBe(
      'key [redacted] and pass [redacted] and [redacted]',
    );
    expect(redactSecrets('a cab', ['ab'])).toBe('a cab');
  });
});

describe('error predicates', () => {
  it('find a hidden coordinator answer and a group authorisation failure anywhere in the cause chain', () => {
    const hidden = new KafkaJSGroupCoordinatorNotFound('Failed to find group coordinator');
    expect(
      isCoordinatorNotFound(new KafkaJSNumberOfRetriesExceeded(hidden, { retryCount: 1, retryTime: 1 })),
    ).toBe(true);
    expect(isCoordinatorNotFound(new Error('x'))).toBe(false);
    expect(isGroupAuthorisationFailure(protocolError('GROUP_AUTHORIZATION_FAILED', 30, 'no'))).toBe(true);
    expect(isGroupAuthorisationFailure(protocolError('TOPIC_AUTHORIZATION_FAILED', 29, 'no'))).toBe(false);
    expect(isGroupAuthorisationFailure(null)).toBe(false);
  });

  it('name the security protocol of a configuration in Kafka terms', () => {
    expect(securityProtocolOf(plaintext)).toBe('PLAINTEXT');
    expect(securityProtocolOf(tls)).toBe('SSL');
    expect(securityProtocolOf(scram)).toBe('SASL_PLAINTEXT');
    expect(securityProtocolOf({ ...scram, tls: tls.tls })).toBe('SASL_SSL');
  });
});
