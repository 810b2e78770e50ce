import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** A CA and a server certificate for 127.0.0.1/localhost, made with openssl for one test cluster. */
export interface TlsMaterial {
  /** The CA certificate (PEM) clients must trust. */
  readonly caPem: string;
  readonly caPemPath: string;
  /** The server's unencrypted PKCS#8 key followed by its certificate and the CA's: Kafka's PEM keystore. */
  readonly serverKeystorePemPath: string;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await execFileAsync('openssl', args, { cwd });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(
      `openssl ${args[0]} failed while making test TLS material: ${stderr.trim() || String(error)}`,
    );
  }
}

/** Makes a fresh CA and a server certificate (SAN 127.0.0.1 and localhost, valid 2 days) in `dir`. */
export async function makeTlsMaterial(
  dir: string,
  commonName = 'streamops-test-kafka',
): Promise<TlsMaterial> {
  const file = (name: string): string => path.join(dir, name);
  await openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca-key.pem',
      '-out',
      'ca.pem',
      '-days',
      '2',
      '-subj',
      `/CN=${commonName} CA`,
    ],
    dir,
  );
  await openssl(
    [
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'server-key.pem',
      '-out',
      'server.csr',
      '-subj',
      `/CN=${commonName}`,
    ],
    dir,
  );
  await writeFile(
    file('server.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n',
  );
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca-key.pem',
      '-CAcreateserial',
      '-out',
      'server.pem',
      '-days',
      '2',
      '-extfile',
      'server.ext',
    ],
    dir,
  );
  // Kafka's PEM keystore wants PKCS#8 ("BEGIN PRIVATE KEY"), which `req -nodes` writes on OpenSSL 3.
  const key = await readFile(file('server-key.pem'), 'utf8');
  const certificate = await readFile(file('server.pem'), 'utf8');
  const caPem = await readFile(file('ca.pem'), 'utf8');
  await writeFile(file('server-keystore.pem'), `${key.trim()}\n${certificate.trim()}\n${caPem.trim()}\n`);
  return { caPem, caPemPath: file('ca.pem'), serverKeystorePemPath: file('server-keystore.pem') };
}
