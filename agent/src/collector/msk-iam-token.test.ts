import { createHash, createHmac } from 'node:crypto';
import { type AwsCredentialIdentity } from '@smithy/types';
import {
  MSK_IAM_MAX_TOKEN_LIFETIME_SECONDS,
  MskIamTokenProvider,
  mskIamSigningHost,
  signMskIamToken,
} from './msk-iam-token';

const region = 'eu-west-1';
// 2024-05-17T12:30:15.250Z
const signingTimeMs = Date.UTC(2024, 4, 17, 12, 30, 15, 250);
const staticCredentials: AwsCredentialIdentity = {
  accessKeyId: 'AKIDSTREAMOPSTEST',
  secretAccessKey: 'test-secret-access-key-not-a-real-one',
  sessionToken: 'test-session-token/with+chars=',
};

function decode(token: string): URL {
  expect(token).toMatch(/^[A-Za-z0-9_-]+$/); // base64url without padding
  return new URL(Buffer.from(token, 'base64url').toString('utf8'));
}

/** Recomputes the SigV4 query signature of a presigned GET from its URL, independently of the signer. */
function expectedSignature(url: URL, secretAccessKey: string): string {
  const rfc3986 = (text: string) =>
    encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const signedParams = [...url.searchParams.entries()]
    .filter(([key]) => key !== 'X-Amz-Signature' && key !== 'User-Agent')
    .map(([key, value]) => [rfc3986(key), rfc3986(value)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
  const emptyPayloadHash = createHash('sha256').update('').digest('hex');
  const canonicalRequest = ['GET', '/', signedParams, `host:${url.host}`, '', 'host', emptyPayloadHash].join(
    '\n',
  );
  const amzDate = url.searchParams.get('X-Amz-Date') ?? '';
  const scope = (url.searchParams.get('X-Amz-Credential') ?? '').split('/').slice(1).join('/');
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    amzDate,
    scope,
    createHash('sha256').update(canonicalRequest).digest('hex'),
  ].join('\n');
  const [date, scopeRegion, service] = scope.split('/') as [string, string, string];
  let key: Buffer = createHmac('sha256', `AWS4${secretAccessKey}`).update(date).digest();
  for (const part of [scopeRegion, service, 'aws4_request'])
    key = createHmac('sha256', key).update(part).digest();
  return createHmac('sha256', key).update(stringToSign).digest('hex');
}

describe('signMskIamToken', () => {
  it('is a base64url presigned kafka-cluster:Connect URL for the region, valid 900 s', async () => {
    const token = await signMskIamToken(region, staticCredentials, signingTimeMs, 'streamops-agent');
    const url = decode(token.value);
    expect(url.protocol).toBe('https:');
    expect(url.host).toBe('kafka.eu-west-1.amazonaws.com');
    expect(url.host).toBe(mskIamSigningHost(region));
    expect(url.pathname).toBe('/');
    const query = url.searchParams;
    expect(query.get('Action')).toBe('kafka-cluster:Connect');
    expect(query.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(query.get('X-Amz-Credential')).toBe(
      'AKIDSTREAMOPSTEST/20240517/eu-west-1/kafka-cluster/aws4_request',
    );
    expect(query.get('X-Amz-Date')).toBe('20240517T123015Z');
    expect(query.get('X-Amz-Expires')).toBe('900');
    expect(query.get('X-Amz-SignedHeaders')).toBe('host');
    expect(query.get('X-Amz-Security-Token')).toBe(staticCredentials.sessionToken);
    expect(query.get('User-Agent')).toBe('streamops-agent');
    expect(query.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    expect(token.expiresAtMs).toBe(Date.UTC(2024, 4, 17, 12, 45, 15));
  });

  it('carries a signature that verifies against the secret key, and not against another', async () => {
    const url = decode((await signMskIamToken(region, staticCredentials, signingTimeMs, 'ua')).value);
    expect(url.searchParams.get('X-Amz-Signature')).toBe(
      expectedSignature(url, staticCredentials.secretAccessKey),
    );
    expect(url.searchParams.get('X-Amz-Signature')).not.toBe(expectedSignature(url, 'another-secret'));
  });

  it('scopes the credential to the region of the cluster', async () => {
    const url = decode(
      (await signMskIamToken('us-gov-west-1', staticCredentials, signingTimeMs, 'ua')).value,
    );
    expect(url.host).toBe('kafka.us-gov-west-1.amazonaws.com');
    expect(url.searchParams.get('X-Amz-Credential')).toContain('/20240517/us-gov-west-1/kafka-cluster/');
  });

  it('leaves out the session token for long-term keys', async () => {
    const { accessKeyId, secretAccessKey } = staticCredentials;
    const url = decode(
      (await signMskIamToken(region, { accessKeyId, secretAccessKey }, signingTimeMs, 'ua')).value,
    );
    expect(url.searchParams.has('X-Amz-Security-Token')).toBe(false);
    expect(url.searchParams.get('X-Amz-Signature')).toBe(expectedSignature(url, secretAccessKey));
  });

  it('does not outlive temporary credentials, and refuses expired ones', async () => {
    const expiring = { ...staticCredentials, expiration: new Date(signingTimeMs + 300_000) };
    const token = await signMskIamToken(region, expiring, signingTimeMs, 'ua');
    expect(decode(token.value).searchParams.get('X-Amz-Expires')).toBe('300');
    const expired = { ...staticCredentials, expiration: new Date(signingTimeMs - 1) };
    await expect(signMskIamToken(region, expired, signingTimeMs, 'ua')).rejects.toThrow(
      'the AWS credentials expired at 2024-05-17T12:30:15.249Z',
    );
  });
});

describe('MskIamTokenProvider', () => {
  function providerWithClock(credentials: () => Promise<AwsCredentialIdentity>) {
    const clock = { nowMs: signingTimeMs };
    const credentialCalls: number[] = [];
    const provider = new MskIamTokenProvider({
      region,
      credentials: () => {
        credentialCalls.push(clock.nowMs);
        return credentials();
      },
      nowMs: () => clock.nowMs,
    });
    return { clock, credentialCalls, provider };
  }

  it('reuses a token until 80% of its lifetime has passed, then signs a new one before it expires', async () => {
    const { clock, credentialCalls, provider } = providerWithClock(() => Promise.resolve(staticCredentials));
    const first = await provider.token();
    clock.nowMs += 719_000;
    expect(await provider.token()).toBe(first);
    expect(credentialCalls).toHaveLength(1);

    clock.nowMs = signingTimeMs + MSK_IAM_MAX_TOKEN_LIFETIME_SECONDS * 1000 * 0.8;
    const second = await provider.token();
    expect(second.value).not.toBe(first.value);
    expect(credentialCalls).toHaveLength(2);
    // Refreshed while the first token still had a fifth of its lifetime left.
    expect(clock.nowMs).toBeLessThan(first.expiresAtMs);
    expect(decode(second.value).searchParams.get('X-Amz-Date')).toBe('20240517T124215Z');
  });

  it('refreshes sooner when the credentials expire sooner', async () => {
    const expiring = { ...staticCredentials, expiration: new Date(signingTimeMs + 100_000) };
    const { clock, credentialCalls, provider } = providerWithClock(() => Promise.resolve(expiring));
    await provider.token();
    clock.nowMs += 79_000;
    await provider.token();
    expect(credentialCalls).toHaveLength(1);
    clock.nowMs += 1_000;
    await provider.token();
    expect(credentialCalls).toHaveLength(2);
  });

  it('signs once for connections that authenticate at the same time', async () => {
    const { credentialCalls, provider } = providerWithClock(() => Promise.resolve(staticCredentials));
    const tokens = await Promise.all([provider.token(), provider.token(), provider.oauthBearerProvider()]);
    expect(credentialCalls).toHaveLength(1);
    expect(new Set(tokens.map((token) => token.value)).size).toBe(1);
  });

  it('names the region and the cause when no credentials are found, and tries again next time', async () => {
    let fail = true;
    const { provider } = providerWithClock(() =>
      fail
        ? Promise.reject(new Error('Could not load credentials from any providers'))
        : Promise.resolve(staticCredentials),
    );
    await expect(provider.token()).rejects.toThrow(
      'MSK IAM authentication (region eu-west-1): no AWS credentials found: Could not load credentials from any providers',
    );
    fail = false;
    await expect(provider.token()).resolves.toMatchObject({ expiresAtMs: Date.UTC(2024, 4, 17, 12, 45, 15) });
  });
});
