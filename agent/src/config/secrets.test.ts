import { ConfigError } from './load';
import { resolveSecret } from './secrets';

describe('resolveSecret', () => {
  it('reads an environment variable', () => {
    expect(resolveSecret({ env: 'PW' }, 'sasl.password', { PW: 's3cret' })).toBe('s3cret');
  });

  it('reads a file and drops one trailing newline', () => {
    expect(resolveSecret({ file: '/run/pw' }, 'sasl.password', {}, () => 's3cret\n')).toBe('s3cret');
  });

  it('names the key and the missing variable', () => {
    expect(() => resolveSecret({ env: 'PW' }, 'clusters.prod.sasl.password', {})).toThrow(
      new ConfigError('clusters.prod.sasl.password: environment variable PW is not set'),
    );
  });

  it('names the key and the unreadable file', () => {
    const failingRead = () => {
      throw new Error('EACCES');
    };
    expect(() => resolveSecret({ file: '/run/pw' }, 'tls.key', {}, failingRead)).toThrow(
      'tls.key: cannot read secret file /run/pw: EACCES',
    );
  });
});
