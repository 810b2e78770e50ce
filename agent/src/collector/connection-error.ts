/**
 * Turns what kafkajs throws into one line a person can act on: the cluster, the cause and
 * what to change. Pure: the caller supplies the connection facts (nothing secret) and the
 * secrets to scrub. Errors are recognised by kafkajs's error names, protocol error types
 * and Node's TLS and socket codes, never by `instanceof`, so any copy of kafkajs 2.x works.
 */

/** What a message may say about a cluster's connection settings: nothing secret. */
export interface ConnectionFacts {
  /** The configured cluster name. */
  readonly cluster: string;
  /** Bootstrap addresses, host:port. */
  readonly brokers: readonly string[];
  /** The SASL mechanism as configured (`scram-sha-512`, `plain`, `aws-msk-iam`...), null without SASL. */
  readonly saslMechanism: string | null;
  /** The SASL username when known: a principal name, not a secret. */
  readonly username: string | null;
  /** TLS settings, null for plain TCP. */
  readonly tls: {
    /** Whether `tls.ca` is set (otherwise Node's bundled CAs are trusted). */
    readonly ca: boolean;
    readonly rejectUnauthorized: boolean;
    /** Whether a client certificate (`tls.cert`) is configured. */
    readonly clientCertificate: boolean;
  } | null;
}

/** The kind of problem, for code that reacts to it (tests, exit codes); people read the message. */
export type ConnectionProblemKind =
  | 'authentication'
  | 'sasl-mechanism'
  | 'sasl-not-served'
  | 'connection-closed'
  | 'tls-untrusted'
  | 'tls-hostname'
  | 'tls-validity'
  | 'tls-not-served'
  | 'tls-client-certificate'
  | 'tls-other'
  | 'refused'
  | 'unresolved'
  | 'unreachable'
  | 'timeout'
  | 'group-authorisation'
  | 'topic-authorisation'
  | 'cluster-authorisation'
  | 'coordinator-not-found'
  | 'other';

/** An explained failure. */
export interface ConnectionProblem {
  readonly kind: ConnectionProblemKind;
  /** One line: `cluster "<name>": <cause>: <what to change>`, secrets scrubbed. */
  readonly message: string;
  /** The Kafka error type, Node/OpenSSL code or kafkajs error name behind it; null when there is none. */
  readonly code: string | null;
}

/** What the failed call was about, so the message can name it. */
export interface ErrorScope {
  /** Groups the failed call concerned. */
  readonly groups?: readonly string[];
  /** Groups a FindCoordinator probe found the client may not DESCRIBE (kafkajs hides that answer). */
  readonly deniedGroups?: readonly string[];
  /** Topics the failed call concerned, and whether it described them (metadata, offsets) or read records. */
  readonly topics?: readonly string[];
  readonly topicOperation?: 'describe' | 'read';
  /** Secret values (passwords, private keys) that must never appear in the message. */
  readonly secrets?: readonly string[];
}

/** The fields of a kafkajs (or Node) error this module reads. */
interface ErrorFields {
  readonly name: string;
  readonly message: string;
  /** kafkajs protocol errors: the Kafka error name, e.g. GROUP_AUTHORIZATION_FAILED. */
  readonly type: string | null;
  /** Node and OpenSSL codes (kafkajs copies them onto connection errors); numeric Kafka codes are ignored. */
  readonly code: string | null;
  /** kafkajs connection errors: host:port. */
  readonly broker: string | null;
}

const maxCauseDepth = 8;

function fieldsOf(value: unknown): ErrorFields | null {
  if (typeof value !== 'object' || value === null) return null;
  const record = value as Record<string, unknown>;
  const text = (key: string): string | null => {
    const field = record[key];
    return typeof field === 'string' && field !== '' ? field : null;
  };
  return {
    name: text('name') ?? 'Error',
    message: text('message') ?? (value instanceof Error ? value.name : Object.prototype.toString.call(value)),
    type: text('type'),
    code: text('code'),
    broker:
      text('broker') ??
      (text('host') && (typeof record.port === 'number' || typeof record.port === 'string')
        ? `${text('host')}:${record.port}`
        : null),
  };
}

/** The error and its causes (kafkajs wraps the real one in KafkaJSNumberOfRetriesExceeded), outermost first. */
function causeChain(error: unknown): ErrorFields[] {
  const chain: ErrorFields[] = [];
  let current: unknown = error;
  while (chain.length < maxCauseDepth) {
    const fields = fieldsOf(current);
    if (!fields) break;
    chain.push(fields);
    const record = current as { cause?: unknown; errors?: unknown };
    // KafkaJSAggregateError carries its errors in a list; the first one stands for them.
    current = record.cause ?? (Array.isArray(record.errors) ? (record.errors as unknown[])[0] : undefined);
  }
  if (chain.length === 0)
    chain.push({ name: 'Error', message: String(error), type: null, code: null, broker: null });
  return chain;
}

/** Kafka's name of a mechanism as configured: `scram-sha-512` → `SCRAM-SHA-512`. */
function mechanismName(mechanism: string): string {
  return mechanism === 'aws-msk-iam' ? 'OAUTHBEARER, aws-msk-iam' : mechanism.toUpperCase();
}

/** The Kafka security protocol a configuration uses, in Kafka's words. */
export function securityProtocolOf(
  facts: ConnectionFacts,
): 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL' {
  if (facts.saslMechanism !== null) return facts.tls ? 'SASL_SSL' : 'SASL_PLAINTEXT';
  return facts.tls ? 'SSL' : 'PLAINTEXT';
}

function principalOf(facts: ConnectionFacts): string {
  return facts.username !== null ? `User:${facts.username}` : "the agent's principal";
}

const quote = (value: string): string => JSON.stringify(value);

/** `"a"`, `2 groups ("a", "b")`, capped so that a thousand denied groups stay one readable line. */
function nameList(noun: string, names: readonly string[]): string {
  const unique = [...new Set(names)];
  if (unique.length === 1) return `${noun} ${quote(unique[0] ?? '')}`;
  const shown = unique.slice(0, 5).map(quote).join(', ');
  const more = unique.length > 5 ? ` and ${unique.length - 5} more` : '';
  return `${unique.length} ${noun}s (${shown}${more})`;
}

function brokerOf(chain: readonly ErrorFields[], facts: ConnectionFacts): string {
  return chain.find((fields) => fields.broker !== null)?.broker ?? facts.brokers.join(',');
}

// Certificate chain failures: the client does not trust who signed the brokers' certificate.
const untrustedCodes = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_CHAIN_TOO_LONG',
]);
const validityCodes = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);
// The broker's TLS alerts about the client's certificate (mutual TLS).
const clientCertificateCodes = [
  'ALERT_CERTIFICATE_REQUIRED',
  'ALERT_BAD_CERTIFICATE',
  'ALERT_UNKNOWN_CA',
  'ALERT_CERTIFICATE_UNKNOWN',
  'ALERT_CERTIFICATE_EXPIRED',
  'ALERT_CERTIFICATE_REVOKED',
  'ALERT_UNSUPPORTED_CERTIFICATE',
  'ALERT_ACCESS_DENIED',
];
const unresolvedCodes = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME']);
const unreachableCodes = new Set([
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  'EPIPE',
  'ECONNABORTED',
]);
const timeoutNames = new Set(['KafkaJSRequestTimeoutError', 'KafkaJSTimeout', 'KafkaJSLockTimeout']);

function isTlsCode(code: string): boolean {
  return (
    code.startsWith('ERR_SSL_') ||
    code.startsWith('ERR_TLS_') ||
    code.startsWith('ERR_OSSL_') ||
    code.startsWith('CERT_') ||
    code.includes('_CERT') ||
    code === 'EPROTO'
  );
}

/** Explains a TLS failure, or returns null when the code is not about TLS. */
function explainTls(
  code: string,
  fields: ErrorFields,
  chain: readonly ErrorFields[],
  facts: ConnectionFacts,
): (Omit<ConnectionProblem, 'message'> & { readonly detail: string }) | null {
  const where = brokerOf(chain, facts);
  if (untrustedCodes.has(code)) {
    const cause =
      code === 'DEPTH_ZERO_SELF_SIGNED_CERT'
        ? "the brokers' certificate is self-signed"
        : facts.tls?.ca
          ? "the brokers' certificate is not signed by the CA in tls.ca"
          : "the brokers' certificate is signed by an unknown authority";
    const fix =
      code === 'DEPTH_ZERO_SELF_SIGNED_CERT'
        ? 'set tls.ca to that certificate'
        : facts.tls?.ca
          ? "set tls.ca to the CA that signed the brokers' certificate"
          : 'set tls.ca to the CA that signed it';
    return { kind: 'tls-untrusted', code, detail: `TLS: ${cause} (${code}): ${fix}` };
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return {
      kind: 'tls-hostname',
      code,
      detail:
        `TLS: the brokers' certificate does not name ${where} (${code}): ` +
        'list brokers by a host name or IP address in the certificate (subjectAltName)',
    };
  }
  if (validityCodes.has(code)) {
    const state = code === 'CERT_HAS_EXPIRED' ? 'has expired' : 'is not valid yet';
    return {
      kind: 'tls-validity',
      code,
      detail: `TLS: the brokers' certificate ${state} (${code}): renew it on the brokers, or check the agent's clock`,
    };
  }
  if (clientCertificateCodes.some((alert) => code.includes(alert))) {
    const fix = facts.tls?.clientCertificate
      ? 'set tls.cert and tls.key to a certificate the brokers trust'
      : 'the listener wants a client certificate: set tls.cert and tls.key';
    return {
      kind: 'tls-client-certificate',
      code,
      detail: `TLS: ${where} refused the agent's client certificate (${code}): ${fix}`,
    };
  }
  // A plaintext listener answers a TLS ClientHello with bytes that are no TLS record, or hangs up.
  const notTls =
    code === 'ERR_SSL_WRONG_VERSION_NUMBER' ||
    code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG' ||
    (code === 'ECONNRESET' && /before secure TLS connection/i.test(fields.message));
  if (notTls && facts.tls) {
    return {
      kind: 'tls-not-served',
      code,
      detail:
        `TLS handshake with ${where} failed (${code}): the listener does not use TLS; ` +
        "remove tls, or set brokers to the TLS listener's addresses",
    };
  }
  if (isTlsCode(code)) {
    return {
      kind: 'tls-other',
      code,
      detail: `TLS with ${where} failed (${code}): ${stripKafkajsPrefix(fields.message)}`,
    };
  }
  return null;
}

function stripKafkajsPrefix(message: string): string {
  return message.replace(/^(Connection error|Failed to connect): /, '');
}

/** The group named by the agent's own group-API errors: `ConsumerGroupDescribe of group "g" failed: GROUP_AUTHORIZATION_FAILED (30)`. */
function groupErrorOf(message: string): { group: string; type: string } | null {
  const match = /^\w+ of group ("(?:[^"\\]|\\.)*") failed: ([A-Z_]+) \(\d+\)/.exec(message);
  if (!match?.[1] || !match[2]) return null;
  try {
    return { group: JSON.parse(match[1]) as string, type: match[2] };
  } catch {
    return null;
  }
}

function explainDetail(
  chain: readonly ErrorFields[],
  facts: ConnectionFacts,
  scope: ErrorScope,
): Omit<ConnectionProblem, 'message'> & { readonly detail: string } {
  const principal = principalOf(facts);
  const groups = scope.groups ?? [];
  if (scope.deniedGroups && scope.deniedGroups.length > 0) {
    return {
      kind: 'group-authorisation',
      code: 'GROUP_AUTHORIZATION_FAILED',
      detail:
        `not authorised to describe ${nameList('group', scope.deniedGroups)} (GROUP_AUTHORIZATION_FAILED): ` +
        `grant ${principal} DESCRIBE on ${scope.deniedGroups.length === 1 ? 'the group' : 'them'}, or leave ` +
        `${scope.deniedGroups.length === 1 ? 'it' : 'them'} out with groups.deny`,
    };
  }
  for (const fields of chain) {
    const type = fields.type ?? groupErrorOf(fields.message)?.type ?? null;
    if (fields.name === 'KafkaJSSASLAuthenticationError' || type === 'SASL_AUTHENTICATION_FAILED') {
      const mechanism = facts.saslMechanism === null ? 'SASL' : `SASL ${mechanismName(facts.saslMechanism)}`;
      const who = facts.username === null ? '' : ` for user ${quote(facts.username)}`;
      const fix =
        facts.saslMechanism === 'aws-msk-iam'
          ? "check the agent's AWS credentials and that its IAM policy allows kafka-cluster:Connect"
          : facts.saslMechanism?.startsWith('scram-')
            ? `check the password, and that the user has ${mechanismName(facts.saslMechanism)} credentials`
            : 'check the username and password';
      return {
        kind: 'authentication',
        code: type ?? fields.name,
        detail: `authentication failed${who} (${mechanism}): ${fix}`,
      };
    }
    if (type === 'UNSUPPORTED_SASL_MECHANISM') {
      const mechanism =
        facts.saslMechanism === null ? 'the SASL mechanism' : `SASL ${mechanismName(facts.saslMechanism)}`;
      return {
        kind: 'sasl-mechanism',
        code: type,
        detail:
          `the listener does not enable ${mechanism} (${type}): set sasl.mechanism to one the brokers enable ` +
          '(their sasl.enabled.mechanisms)',
      };
    }
    if (type === 'ILLEGAL_SASL_STATE') {
      return {
        kind: 'sasl-not-served',
        code: type,
        detail: `the listener does not use SASL (${type}): remove sasl, or set brokers to the SASL listener's addresses`,
      };
    }
    if (type === 'GROUP_AUTHORIZATION_FAILED') {
      const named = groupErrorOf(fields.message)?.group;
      const which = named !== undefined ? [named] : groups;
      const subject = which.length > 0 ? nameList('group', which) : 'a group';
      return {
        kind: 'group-authorisation',
        code: type,
        detail: `not authorised to describe ${subject} (${type}): grant ${principal} DESCRIBE on it, or leave it out with groups.deny`,
      };
    }
    if (type === 'TOPIC_AUTHORIZATION_FAILED') {
      const operation = scope.topicOperation === 'read' ? 'read' : 'describe';
      const topics = scope.topics ?? [];
      const subject = topics.length > 0 ? nameList('topic', topics) : 'a topic';
      const why =
        operation === 'read' ? ' (the agent reads the record at each committed offset for time lag)' : '';
      return {
        kind: 'topic-authorisation',
        code: type,
        detail:
          `not authorised to ${operation} ${subject} (${type}): grant ${principal} ` +
          `${operation === 'read' ? 'READ' : 'DESCRIBE'} on the topics the groups consume${why}, or leave them out with topics.deny`,
      };
    }
    if (type === 'CLUSTER_AUTHORIZATION_FAILED') {
      return {
        kind: 'cluster-authorisation',
        code: type,
        detail: `not authorised on the cluster resource (${type}): grant ${principal} DESCRIBE on the cluster`,
      };
    }
    if (fields.name === 'KafkaJSGroupCoordinatorNotFound') {
      const subject = groups.length > 0 ? nameList('group', groups) : 'a group';
      return {
        kind: 'coordinator-not-found',
        code: fields.name,
        detail:
          `cannot find the coordinator of ${subject} (${fields.name}): the coordinator is unavailable, ` +
          `or ${principal} may not DESCRIBE the group`,
      };
    }
    if (fields.code !== null) {
      const tls = explainTls(fields.code, fields, chain, facts);
      if (tls) return tls;
      const where = brokerOf(chain, facts);
      if (fields.code === 'ECONNREFUSED') {
        return {
          kind: 'refused',
          code: fields.code,
          detail: `cannot connect to ${where}: connection refused (ECONNREFUSED): check brokers, and that Kafka listens there`,
        };
      }
      if (unresolvedCodes.has(fields.code)) {
        return {
          kind: 'unresolved',
          code: fields.code,
          detail: `cannot resolve the broker address ${where} (${fields.code}): check brokers and DNS`,
        };
      }
      if (fields.code === 'ETIMEDOUT') {
        return {
          kind: 'timeout',
          code: fields.code,
          detail: `connecting to ${where} timed out (ETIMEDOUT): check brokers, and that no firewall drops the connection`,
        };
      }
      if (unreachableCodes.has(fields.code)) {
        return {
          kind: 'unreachable',
          code: fields.code,
          detail: `the connection to ${where} failed (${fields.code}): ${stripKafkajsPrefix(fields.message)}`,
        };
      }
    }
    if (fields.message === 'Connection timeout') {
      return {
        kind: 'timeout',
        code: fields.name,
        detail:
          `connecting to ${brokerOf(chain, facts)} timed out (${fields.name}): ` +
          'check brokers, and that no firewall drops the connection',
      };
    }
    if (timeoutNames.has(fields.name)) {
      return {
        kind: 'timeout',
        code: fields.name,
        detail:
          `a request to ${brokerOf(chain, facts)} timed out (${fields.name}: ${fields.message}): ` +
          'raise collection.requestTimeoutMs if the brokers are slow',
      };
    }
    if (fields.name === 'KafkaJSConnectionClosedError') {
      const protocol = securityProtocolOf(facts);
      return {
        kind: 'connection-closed',
        code: fields.name,
        detail:
          `${brokerOf(chain, facts)} closed the connection (${fields.name}): if it lasts, the listener's security ` +
          `protocol is probably not ${protocol}, the one this configuration uses; set tls and sasl to match it`,
      };
    }
  }
  const outer = chain[0];
  return {
    kind: 'other',
    code: outer?.type ?? outer?.code ?? null,
    detail: outer?.message ?? 'unknown error',
  };
}

/** Replaces every secret value in `text` (and its trimmed form) with `[redacted]`. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let redacted = text;
  // Longest first, so a secret that contains another is removed whole.
  const values = [...new Set(secrets.flatMap((secret) => [secret, secret.trim()]))]
    // Very short values would mangle ordinary words; no real password or key is that short.
    .filter((value) => value.length >= 4)
    .sort((a, b) => b.length - a.length);
  for (const value of values) redacted = redacted.split(value).join('[redacted]');
  return redacted;
}

/**
 * The one-line explanation of `error`, a failure of a call to the cluster `facts` describes.
 * Every message starts with `cluster "<name>": ` and ends with what to change; secret values
 * in `scope.secrets` are scrubbed from it, whatever the error's own text held.
 */
export function explainConnectionError(
  error: unknown,
  facts: ConnectionFacts,
  scope: ErrorScope = {},
): ConnectionProblem {
  const { kind, code, detail } = explainDetail(causeChain(error), facts, scope);
  const line = `cluster ${quote(facts.cluster)}: ${detail}`.replace(/\s*\n\s*/g, ' ');
  return { kind, code, message: redactSecrets(line, scope.secrets ?? []) };
}

/** The Kafka error types (`TOPIC_AUTHORIZATION_FAILED`, ...) in an error and its causes, outermost first. */
export function kafkaErrorTypes(error: unknown): string[] {
  return causeChain(error)
    .map((fields) => fields.type)
    .filter((type): type is string => type !== null);
}

/** Whether kafkajs could not find a group's coordinator: what it throws when FindCoordinator was refused. */
export function isCoordinatorNotFound(error: unknown): boolean {
  return causeChain(error).some((fields) => fields.name === 'KafkaJSGroupCoordinatorNotFound');
}

/** Whether a FindCoordinator answer (or any call) failed with GROUP_AUTHORIZATION_FAILED. */
export function isGroupAuthorisationFailure(error: unknown): boolean {
  return causeChain(error).some(
    (fields) =>
      fields.type === 'GROUP_AUTHORIZATION_FAILED' ||
      groupErrorOf(fields.message)?.type === 'GROUP_AUTHORIZATION_FAILED',
  );
}
