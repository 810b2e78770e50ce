import { type ClusterSource } from './cluster-source';
import {
  explainConnectionError,
  isCoordinatorNotFound,
  isGroupAuthorisationFailure,
  type ConnectionFacts,
  type ConnectionProblem,
  type ConnectionProblemKind,
  type ErrorScope,
} from './connection-error';
import { type ClusterConfig } from '../config/schema';
import { resolveSecret } from '../config/secrets';

/**
 * A failed call to a cluster, explained: its message is one line naming the cluster, the
 * cause and the fix, with no secret in it. It carries no `cause` on purpose: whatever prints
 * it (a log, the CLI) prints only what was scrubbed.
 */
export class ClusterCollectionError extends Error {
  override readonly name = 'ClusterCollectionError';
  readonly kind: ConnectionProblemKind;
  /** The Kafka error type, Node/OpenSSL code or kafkajs error name behind it. */
  readonly code: string | null;

  constructor(problem: ConnectionProblem) {
    super(problem.message);
    this.kind = problem.kind;
    this.code = problem.code;
  }
}

/** Which of `groups` the cluster refuses to let the client DESCRIBE; empty when that cannot be told. */
export type DeniedGroupsProbe = (groups: readonly string[]) => Promise<string[]>;

/** What {@link explainingSource} needs besides the source. */
export interface ExplainingSourceOptions {
  readonly facts: ConnectionFacts;
  /** Values scrubbed from every message: the SASL password, the TLS private key. */
  readonly secrets: readonly string[];
  /** Asked when kafkajs only says it found no coordinator, which hides an authorisation failure. */
  readonly probeDeniedGroups?: DeniedGroupsProbe;
}

function secretOrNull(
  reference: Parameters<typeof resolveSecret>[0] | undefined,
  key: string,
): string | null {
  if (reference === undefined) return null;
  try {
    return resolveSecret(reference, key);
  } catch {
    // Creating the source resolves the same reference and reports the problem; nothing to hide here.
    return null;
  }
}

/**
 * The facts about a cluster's connection that messages may name (the username, a principal
 * name, included) and the secret values they must never show.
 */
export function connectionFacts(cluster: ClusterConfig): {
  facts: ConnectionFacts;
  secrets: string[];
} {
  const key = `clusters.${cluster.name}`;
  const sasl = cluster.sasl;
  const passwordSasl = sasl !== undefined && sasl.mechanism !== 'aws-msk-iam' ? sasl : undefined;
  const tls = cluster.tls?.enabled ? cluster.tls : undefined;
  const secrets = [
    secretOrNull(passwordSasl?.password, `${key}.sasl.password`),
    secretOrNull(tls?.key, `${key}.tls.key`),
  ].filter((value): value is string => value !== null);
  return {
    facts: {
      cluster: cluster.name,
      brokers: cluster.brokers,
      saslMechanism: sasl?.mechanism ?? null,
      username: secretOrNull(passwordSasl?.username, `${key}.sasl.username`),
      tls: tls
        ? {
            ca: tls.ca !== undefined,
            rejectUnauthorized: tls.rejectUnauthorized,
            clientCertificate: tls.cert !== undefined,
          }
        : null,
    },
    secrets,
  };
}

/**
 * Wraps a {@link ClusterSource} so that every rejection is a {@link ClusterCollectionError}:
 * the cycle's error, the JSON API's `lastError`, the agent's log line and the CLI's message
 * all read the same explained line. When kafkajs reports no coordinator for groups, the
 * probe asks FindCoordinator itself, so "not authorised to describe group" can be said.
 */
export function explainingSource(source: ClusterSource, options: ExplainingSourceOptions): ClusterSource {
  const explain = async (
    error: unknown,
    scope: Omit<ErrorScope, 'secrets'>,
  ): Promise<ClusterCollectionError> => {
    if (error instanceof ClusterCollectionError) return error;
    let deniedGroups: readonly string[] = [];
    const groups = scope.groups ?? [];
    // A single group's own call already says GROUP_AUTHORIZATION_FAILED; a batch or a hidden answer needs the probe.
    const needsProbe =
      groups.length > 0 &&
      (isCoordinatorNotFound(error) || (isGroupAuthorisationFailure(error) && groups.length > 1));
    if (needsProbe && options.probeDeniedGroups) {
      deniedGroups = await options.probeDeniedGroups(groups).catch(() => []);
    }
    return new ClusterCollectionError(
      explainConnectionError(error, options.facts, { ...scope, deniedGroups, secrets: options.secrets }),
    );
  };
  const guarded =
    <A extends unknown[], R>(
      call: (...args: A) => Promise<R>,
      scopeOf: (...args: A) => Omit<ErrorScope, 'secrets'>,
    ) =>
    async (...args: A): Promise<R> => {
      try {
        return await call(...args);
      } catch (error) {
        throw await explain(error, scopeOf(...args));
      }
    };
  const topicsOf = (items: readonly { topic: string }[]): string[] => [
    ...new Set(items.map((item) => item.topic)),
  ];
  const fetchShareGroupOffsets = source.fetchShareGroupOffsets?.bind(source);
  const readCommitLog = source.readCommitLog?.bind(source);
  return {
    listGroups: guarded(
      () => source.listGroups(),
      () => ({}),
    ),
    describeGroups: guarded(
      (groups) => source.describeGroups(groups),
      (groups) => ({ groups: groups.map((listing) => listing.group) }),
    ),
    fetchCommittedOffsets: guarded(
      (group) => source.fetchCommittedOffsets(group),
      (group) => ({ groups: [group] }),
    ),
    ...(fetchShareGroupOffsets
      ? {
          fetchShareGroupOffsets: guarded(
            (group: string) => fetchShareGroupOffsets(group),
            (group) => ({ groups: [group] }),
          ),
        }
      : {}),
    fetchWatermarks: guarded(
      (topics) => source.fetchWatermarks(topics),
      (topics) => ({ topics, topicOperation: 'describe' }),
    ),
    fetchRecordTimestamps: guarded(
      (positions) => source.fetchRecordTimestamps(positions),
      (positions) => ({ topics: topicsOf(positions), topicOperation: 'read' }),
    ),
    ...(readCommitLog
      ? {
          readCommitLog: guarded(
            () => readCommitLog(),
            () => ({ topics: ['__consumer_offsets'], topicOperation: 'read' as const }),
          ),
        }
      : {}),
    close: () => source.close(),
  };
}
