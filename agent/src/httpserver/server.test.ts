import { readFileSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { connect, type Socket } from 'node:net';
import { type TLSSocket } from 'node:tls';
import { CertificateFixtures, type CertificatePair } from './fixtures/certificates';
import { startListener, type IntervalTimers, type Listener, type ListenerOptions } from './server';

const hello = (_request: unknown, response: { end(text: string): void }) => response.end('hello');

const base: ListenerOptions = {
  host: '127.0.0.1',
  port: 0,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 1_024,
};

/** Resolves when the server closes `socket`, or with false once `deadlineMs` passed. */
function closedBy(socket: Socket, deadlineMs = 10_000): Promise<boolean> {
  return new Promise((resolve) => {
    const deadline = setTimeout(() => resolve(false), deadlineMs);
    const done = () => {
      clearTimeout(deadline);
      resolve(true);
    };
    // Reading keeps the stream flowing, so that the server's FIN is seen.
    socket.resume();
    socket.once('close', done);
    socket.once('end', done);
    socket.once('error', done);
  });
}

function connected(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** One HTTPS GET on a new connection: the body and the served certificate's fingerprint. */
function httpsGet(
  url: string,
  ca: Buffer | string,
  client?: { cert: Buffer; key: Buffer },
): Promise<{ body: string; fingerprint256: string }> {
  return new Promise((resolve, reject) => {
    const request = httpsRequest(url, { ca, agent: false, ...client }, (response) => {
      const fingerprint256 = (response.socket as TLSSocket).getPeerCertificate().fingerprint256;
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ body, fingerprint256 }));
    });
    request.on('error', reject);
    request.end();
  });
}

describe('startListener over HTTP', () => {
  let listener: Listener;
  afterEach(() => listener.close());

  it('applies the timeouts and the connection cap', async () => {
    listener = await startListener(hello, {
      ...base,
      host: '0.0.0.0',
      headersTimeoutMs: 2_000,
      requestTimeoutMs: 3_000,
      keepAliveTimeoutMs: 4_000,
      maxConnections: 7,
    });
    expect(listener.url).toBe(`http://127.0.0.1:${listener.port}`);
    expect(listener.server.headersTimeout).toBe(2_000);
    expect(listener.server.requestTimeout).toBe(3_000);
    expect(listener.server.keepAliveTimeout).toBe(4_000);
    expect(listener.server.maxConnections).toBe(7);
    expect(await (await fetch(listener.url)).text()).toBe('hello');
    expect(listener.checkCertificates()).toBe('unchanged');
  });

  it('closes a connection whose headers never finish', async () => {
    listener = await startListener(hello, { ...base, headersTimeoutMs: 200, requestTimeoutMs: 400 });
    const socket = await connected(listener.port);
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n');
    expect(await closedBy(socket)).toBe(true);
    socket.destroy();
  });

  it('closes connections beyond maxConnections', async () => {
    listener = await startListener(hello, { ...base, maxConnections: 1 });
    const first = await connected(listener.port);
    // The server counts the first connection once it accepted it; poll until it has.
    const deadline = Date.now() + 10_000;
    let count = 0;
    while (count < 1 && Date.now() < deadline) {
      count = await new Promise<number>((resolve) =>
        listener.server.getConnections((_error, value) => resolve(value)),
      );
    }
    expect(count).toBe(1);
    const second = connect(listener.port, '127.0.0.1');
    expect(await closedBy(second)).toBe(true);
    first.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    const reply = await new Promise<string>((resolve) => {
      let text = '';
      first.on('data', (chunk: Buffer) => (text += chunk.toString()));
      first.on('end', () => resolve(text));
    });
    expect(reply).toContain('hello');
    second.destroy();
  });

  it('names the port when it cannot listen', async () => {
    listener = await startListener(hello, base);
    await expect(startListener(hello, { ...base, port: listener.port })).rejects.toThrow('EADDRINUSE');
  });
});

describe('startListener over HTTPS', () => {
  let fixtures: CertificateFixtures;
  let listener: Listener | null = null;
  const logged: string[] = [];

  beforeAll(() => {
    fixtures = new CertificateFixtures();
  });
  afterAll(() => fixtures.dispose());
  afterEach(async () => {
    await listener?.close();
    listener = null;
    logged.length = 0;
  });

  async function startTls(
    pair: CertificatePair,
    extra: Partial<ListenerOptions['tls']> = {},
    timers?: IntervalTimers,
  ) {
    listener = await startListener(
      hello,
      {
        ...base,
        tls: {
          certFile: pair.certFile,
          keyFile: pair.keyFile,
          clientAuth: 'none',
          reloadIntervalSeconds: 30,
          ...extra,
        },
      },
      { log: (line) => logged.push(line), ...(timers === undefined ? {} : { timers }) },
    );
    return listener;
  }

  it('serves HTTPS and serves a rotated certificate after the files change', async () => {
    const first = fixtures.issue('rotating');
    const running = await startTls(first);
    expect(running.url).toBe(`https://127.0.0.1:${running.port}`);
    const before = await httpsGet(running.url, readCa(fixtures));
    expect(before).toEqual({ body: 'hello', fingerprint256: first.fingerprint256 });
    expect(running.checkCertificates()).toBe('unchanged');

    const second = fixtures.issue('rotating');
    expect(second.fingerprint256).not.toBe(first.fingerprint256);
    expect(running.checkCertificates()).toBe('reloaded');
    expect(logged).toEqual([`streamops-agent: server.tls: reloaded ${second.certFile}`]);
    const after = await httpsGet(running.url, readCa(fixtures));
    expect(after).toEqual({ body: 'hello', fingerprint256: second.fingerprint256 });
  });

  it('keeps the old pair when the new one does not load, and logs it once', async () => {
    const pair = fixtures.issue('broken');
    const running = await startTls(pair);
    const other = fixtures.issue('unrelated');
    // A key that does not belong to the certificate.
    writeFileSync(pair.keyFile, readFile(other.keyFile));
    expect(running.checkCertificates()).toBe('failed');
    expect(running.checkCertificates()).toBe('unchanged');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain('the new certificate and key do not load, keeping the previous ones');
    expect((await httpsGet(running.url, readCa(fixtures))).fingerprint256).toBe(pair.fingerprint256);
    writeFileSync(pair.keyFile, 'not a key');
    expect(running.checkCertificates()).toBe('failed');
    expect((await httpsGet(running.url, readCa(fixtures))).fingerprint256).toBe(pair.fingerprint256);
  });

  it('checks the files on the configured interval', async () => {
    const scheduled: { callback: () => void; ms: number }[] = [];
    let cleared = 0;
    const timers: IntervalTimers = {
      setInterval: (callback, ms) => scheduled.push({ callback, ms }),
      clearInterval: () => cleared++,
    };
    const first = fixtures.issue('timed');
    const running = await startTls(first, { reloadIntervalSeconds: 5 }, timers);
    expect(scheduled.map((entry) => entry.ms)).toEqual([5_000]);
    const second = fixtures.issue('timed');
    scheduled[0]?.callback();
    expect((await httpsGet(running.url, readCa(fixtures))).fingerprint256).toBe(second.fingerprint256);
    await running.close();
    listener = null;
    expect(cleared).toBe(1);
  });

  it('requires a client certificate signed by the CA with clientAuth: require', async () => {
    const pair = fixtures.issue('mtls-server');
    const running = await startTls(pair, { clientAuth: 'require', caFile: fixtures.caFile });
    await expect(httpsGet(running.url, readCa(fixtures))).rejects.toThrow();
    const client = fixtures.issue('mtls-client', 'client');
    const answer = await httpsGet(running.url, readCa(fixtures), {
      cert: readFile(client.certFile),
      key: readFile(client.keyFile),
    });
    expect(answer.body).toBe('hello');
  });

  it('refuses to start without a loadable pair, naming the files', async () => {
    await expect(
      startListener(hello, {
        ...base,
        tls: {
          certFile: '/nonexistent/tls.crt',
          keyFile: '/nonexistent/tls.key',
          clientAuth: 'none',
          reloadIntervalSeconds: 30,
        },
      }),
    ).rejects.toThrow('server.tls: cannot load /nonexistent/tls.crt and /nonexistent/tls.key');
  });
});

function readFile(path: string): Buffer {
  return readFileSync(path);
}

function readCa(fixtures: CertificateFixtures): Buffer {
  return readFile(fixtures.caFile);
}
