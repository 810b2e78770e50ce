import { type SASLOptions } from 'kafkajs';
import { parseAgentConfig } from '../config/load';
import { type ClusterConfig } from '../config/schema';
import { kafkajsConfig } from './kafkajs-source';

function cluster(raw: Record<string, unknown>): ClusterConfig {
  const [only] = parseAgentConfig({ clusters: [{ name: 'c', brokers: ['b-1:9098'], ...raw }] }).clusters;
  if (!only) throw new Error('no cluster parsed');
  return only;
}

describe('kafkajsConfig', () => {
  it('authenticates MSK IAM clusters with SASL/OAUTHBEARER tokens signed for their region', async () => {
    const regionsAsked: string[] = [];
    const config = kafkajsConfig(
      cluster({ sasl: { mechanism: 'aws-msk-iam', region: 'ap-southeast-2' }, tls: { enabled: true } }),
      5_000,
      {
        awsCredentials: (region) => {
          regionsAsked.push(region);
          return () => Promise.resolve({ accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' });
        },
        nowMs: () => Date.UTC(2025, 0, 2, 3, 4, 5),
      },
    );
    expect(regionsAsked).toEqual(['ap-southeast-2']);
    expect(config.ssl).toEqual({ rejectUnauthorized: true });
    const sasl = config.sasl as Extract<SASLOptions, { mechanism: 'oauthbearer' }>;
    expect(sasl.mechanism).toBe('oauthbearer');
    const { value } = await sasl.oauthBearerProvider();
    const url = new URL(Buffer.from(value, 'base64url').toString('utf8'));
    expect(url.host).toBe('kafka.ap-southeast-2.amazonaws.com');
    expect(url.searchParams.get('X-Amz-Credential')).toBe(
      'AKIDTEST/20250102/ap-southeast-2/kafka-cluster/aws4_request',
    );
  });

  it('passes password mechanisms through with the secrets resolved', () => {
    process.env.STREAMOPS_TEST_KAFKA_PASSWORD = 'pw';
    try {
      const config = kafkajsConfig(
        cluster({
          sasl: {
            mechanism: 'scram-sha-512',
            username: { env: 'STREAMOPS_TEST_KAFKA_PASSWORD' },
            password: { env: 'STREAMOPS_TEST_KAFKA_PASSWORD' },
          },
        }),
        5_000,
      );
      expect(config.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'pw', password: 'pw' });
      expect(config.ssl).toBeUndefined();
    } finally {
      delete process.env.STREAMOPS_TEST_KAFKA_PASSWORD;
    }
  });
});
