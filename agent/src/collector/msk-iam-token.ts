import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import {
  type AwsCredentialIdentity,
  type AwsCredentialIdentityProvider,
  type Checksum,
  type HttpRequest,
  type SourceData,
} from '@smithy/types';

/**
 * Amazon MSK IAM authentication over SASL/OAUTHBEARER: the bearer token is a SigV4-presigned
 * `GET https://kafka.<region>.amazonaws.com/?Action=kafka-cluster:Connect`, base64url-encoded.
 * The brokers check the signature, the credential scope (region, service `kafka-cluster`) and
 * the expiry when a connection authenticates.
 */

/** The signing service of MSK IAM. */
export const MSK_IAM_SIGNING_SERVICE = 'kafka-cluster';
/** The action a client asks for when it connects. */
export const MSK_IAM_CONNECT_ACTION = 'kafka-cluster:Connect';
/** Longest token lifetime; AWS's own MSK IAM signers use 15 minutes too. */
export const MSK_IAM_MAX_TOKEN_LIFETIME_SECONDS = 900;
/** A token is reused until this share of its lifetime has passed, then a new one is signed. */
export const MSK_IAM_REFRESH_AT_LIFETIME_SHARE = 0.8;

export function mskIamSigningHost(region: string): string {
  return `kafka.${region}.amazonaws.com`;
}

/** SHA-256 and HMAC-SHA-256 from node:crypto in the shape the SigV4 signer asks for. */
class NodeSha256 implements Checksum {
  private hash: Hash | Hmac;

  constructor(private readonly secret?: SourceData) {
    this.hash = NodeSha256.start(secret);
  }

  private static start(secret?: SourceData): Hash | Hmac {
    if (secret === undefined) return createHash('sha256');
    const key =
      typeof secret === 'string'
        ? secret
        : ArrayBuffer.isView(secret)
          ? new Uint8Array(secret.buffer, secret.byteOffset, secret.byteLength)
          : new Uint8Array(secret);
    return createHmac('sha256', key);
  }

  update(chunk: Uint8Array): void {
    this.hash.update(chunk);
  }

  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }

  reset(): void {
    this.hash = NodeSha256.start(this.secret);
  }
}

export interface MskIamToken {
  /** The base64url-encoded presigned URL sent as the OAUTHBEARER token. */
  readonly value: string;
  /** When the brokers stop accepting it, in ms since the epoch. */
  readonly expiresAtMs: number;
}

function presignedUrl(request: HttpRequest, extraQuery: Record<string, string>): string {
  const query = { ...request.query, ...extraQuery };
  const parts: string[] = [];
  for (const [key, value] of Object.entries(query)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item !== null && item !== undefined) {
        parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(item)}`);
      }
    }
  }
  return `https://${request.hostname}${request.path}?${parts.join('&')}`;
}

/**
 * Signs one MSK IAM token for `region` with `credentials` at `nowMs`. Its lifetime is
 * {@link MSK_IAM_MAX_TOKEN_LIFETIME_SECONDS}, shortened to what is left of temporary
 * credentials (a token cannot outlive the credentials that signed it).
 */
export async function signMskIamToken(
  region: string,
  credentials: AwsCredentialIdentity,
  nowMs: number,
  userAgent: string,
): Promise<MskIamToken> {
  let lifetimeSeconds = MSK_IAM_MAX_TOKEN_LIFETIME_SECONDS;
  if (credentials.expiration !== undefined) {
    const remainingSeconds = Math.floor((credentials.expiration.getTime() - nowMs) / 1000);
    if (remainingSeconds <= 0) {
      throw new Error(`the AWS credentials expired at ${credentials.expiration.toISOString()}`);
    }
    lifetimeSeconds = Math.min(lifetimeSeconds, remainingSeconds);
  }
  const host = mskIamSigningHost(region);
  const signer = new SignatureV4({
    service: MSK_IAM_SIGNING_SERVICE,
    region,
    credentials,
    sha256: NodeSha256,
    applyChecksum: false,
  });
  const request: HttpRequest = {
    method: 'GET',
    protocol: 'https:',
    hostname: host,
    path: '/',
    headers: { host },
    query: { Action: MSK_IAM_CONNECT_ACTION },
  };
  const signed = await signer.presign(request, {
    expiresIn: lifetimeSeconds,
    signingDate: new Date(nowMs),
  });
  // The user agent is not signed (AWS's signers append it the same way); it names the client in AWS logs.
  const url = presignedUrl(signed, { 'User-Agent': userAgent });
  // X-Amz-Date has whole seconds: expiry counts from the signing second, as the brokers do.
  const signedAtMs = Math.floor(nowMs / 1000) * 1000;
  return {
    value: Buffer.from(url, 'utf8').toString('base64url'),
    expiresAtMs: signedAtMs + lifetimeSeconds * 1000,
  };
}

export interface MskIamTokenProviderOptions {
  /** AWS region of the MSK cluster. */
  readonly region: string;
  /** Source of AWS credentials, for example the default chain of @aws-sdk/credential-provider-node. */
  readonly credentials: AwsCredentialIdentityProvider;
  /** Wall clock in ms since the epoch; injectable for tests. */
  readonly nowMs?: () => number;
  readonly userAgent?: string;
}

/**
 * Hands out MSK IAM tokens for kafkajs's SASL/OAUTHBEARER, reusing one until
 * {@link MSK_IAM_REFRESH_AT_LIFETIME_SHARE} of its lifetime has passed, so that a broker
 * connection never authenticates with a token about to expire, and concurrent connections
 * share one signing.
 */
export class MskIamTokenProvider {
  private readonly nowMs: () => number;
  private readonly userAgent: string;
  private current: { token: MskIamToken; refreshAtMs: number } | undefined;
  private pending: Promise<MskIamToken> | undefined;

  constructor(private readonly options: MskIamTokenProviderOptions) {
    this.nowMs = options.nowMs ?? Date.now;
    this.userAgent = options.userAgent ?? 'streamops-agent';
  }

  /** A valid token: the cached one while it is fresh enough, else a newly signed one. */
  token(): Promise<MskIamToken> {
    if (this.current && this.nowMs() < this.current.refreshAtMs) return Promise.resolve(this.current.token);
    this.pending ??= this.sign().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** The `oauthBearerProvider` of kafkajs's `sasl: { mechanism: 'oauthbearer' }`. */
  readonly oauthBearerProvider = async (): Promise<{ value: string }> => ({
    value: (await this.token()).value,
  });

  private async sign(): Promise<MskIamToken> {
    const { region } = this.options;
    let credentials: AwsCredentialIdentity;
    try {
      credentials = await this.options.credentials();
    } catch (error) {
      throw new Error(
        `MSK IAM authentication (region ${region}): no AWS credentials found: ${(error as Error).message}`,
      );
    }
    const signedAtMs = this.nowMs();
    let token: MskIamToken;
    try {
      token = await signMskIamToken(region, credentials, signedAtMs, this.userAgent);
    } catch (error) {
      throw new Error(`MSK IAM authentication (region ${region}): ${(error as Error).message}`);
    }
    const lifetimeMs = token.expiresAtMs - signedAtMs;
    this.current = { token, refreshAtMs: signedAtMs + lifetimeMs * MSK_IAM_REFRESH_AT_LIFETIME_SHARE };
    return token;
  }
}
