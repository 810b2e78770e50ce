import { readFileSync, statSync } from 'node:fs';
import { createServer as createHttpServer, type RequestListener, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { type AddressInfo } from 'node:net';
import { createSecureContext, type SecureContextOptions } from 'node:tls';

/** TLS of the listener (`server.tls`). */
export interface ListenerTlsOptions {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile?: string;
  readonly clientAuth: 'none' | 'require';
  readonly reloadIntervalSeconds: number;
}

/** The listener's settings (`server.*`). */
export interface ListenerOptions {
  readonly host: string;
  readonly port: number;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly maxConnections: number;
  readonly tls?: ListenerTlsOptions;
}

/** A repeating timer; the default is setInterval, unref'd. */
export interface IntervalTimers {
  setInterval(callback: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

const systemIntervals: IntervalTimers = {
  setInterval: (callback, ms) => setInterval(callback, ms).unref(),
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

/** Replaceable edges, for tests. */
export interface ListenerDependencies {
  /** Where certificate reloads and their failures are logged; default: stderr. */
  readonly log?: (line: string) => void;
  readonly timers?: IntervalTimers;
}

/** Outcome of one certificate check. */
export type CertificateCheck = 'unchanged' | 'reloaded' | 'failed';

/** A listening server. */
export interface Listener {
  readonly server: HttpServer | HttpsServer;
  readonly port: number;
  /** Base URL, `http://` or `https://`; a wildcard host is given as 127.0.0.1. */
  readonly url: string;
  /**
   * Re-reads the certificate, key and CA files when one of them changed since the last
   * check, and installs them; a pair that does not load is logged and the old one kept.
   * The interval calls it; tests call it directly. 'unchanged' without TLS.
   */
  checkCertificates(): CertificateCheck;
  /** Stops listening, closes every connection and the reload timer. */
  close(): Promise<void>;
}

interface LoadedFiles {
  readonly signature: string;
  readonly context: SecureContextOptions;
}

/** What identifies a file version: a rotated Kubernetes Secret changes inode and mtime. */
function fileSignature(path: string): string {
  const stat = statSync(path);
  return `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
}

function tlsFiles(tls: ListenerTlsOptions): string[] {
  return [tls.certFile, tls.keyFile, ...(tls.caFile === undefined ? [] : [tls.caFile])];
}

function signatureOf(tls: ListenerTlsOptions): string {
  return tlsFiles(tls).map(fileSignature).join('|');
}

/**
 * Reads and checks the files: createSecureContext throws when the key does not match the
 * certificate or either is not PEM.
 */
function loadFiles(tls: ListenerTlsOptions): LoadedFiles {
  const signature = signatureOf(tls);
  const context: SecureContextOptions = {
    cert: readFileSync(tls.certFile),
    key: readFileSync(tls.keyFile),
    ...(tls.caFile === undefined ? {} : { ca: readFileSync(tls.caFile) }),
  };
  createSecureContext(context);
  return { signature, context };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Creates the agent's HTTP or HTTPS server with its timeouts and connection cap, and
 * starts listening.
 *
 * - `headersTimeoutMs` closes connections that send their headers too slowly (slowloris),
 *   `requestTimeoutMs` requests whose body is too slow (408), `keepAliveTimeoutMs` idle
 *   kept-alive connections; connections beyond `maxConnections` are closed on arrival.
 * - With `tls`, the listener is HTTPS. The files' modification times are checked every
 *   `reloadIntervalSeconds`; a change re-reads all of them and installs them with
 *   `setSecureContext` (new handshakes get the new certificate). A pair that fails to load
 *   is logged once per change and the old one kept.
 *
 * @throws Error naming the file when the certificate or key cannot be loaded at start.
 */
export async function startListener(
  app: RequestListener,
  options: ListenerOptions,
  dependencies: ListenerDependencies = {},
): Promise<Listener> {
  const log = dependencies.log ?? ((line: string) => console.error(line));
  const timers = dependencies.timers ?? systemIntervals;
  const { tls } = options;
  const serverOptions = {
    headersTimeout: options.headersTimeoutMs,
    requestTimeout: options.requestTimeoutMs,
    // Node checks the header and request timeouts on this period (30 s by default).
    connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(options.headersTimeoutMs / 4))),
  };

  let loaded: LoadedFiles | null = null;
  let server: HttpServer | HttpsServer;
  if (tls === undefined) {
    server = createHttpServer(serverOptions, app);
  } else {
    try {
      loaded = loadFiles(tls);
    } catch (error) {
      throw new Error(
        `server.tls: cannot load ${tls.certFile} and ${tls.keyFile}${tls.caFile === undefined ? '' : ` (CA ${tls.caFile})`}: ${describe(error)}`,
      );
    }
    server = createHttpsServer(
      {
        ...serverOptions,
        ...loaded.context,
        requestCert: tls.clientAuth === 'require',
        rejectUnauthorized: tls.clientAuth === 'require',
      },
      app,
    );
  }
  server.keepAliveTimeout = options.keepAliveTimeoutMs;
  server.maxConnections = options.maxConnections;

  // Signature of the last version looked at, loaded or not: a bad pair is logged once.
  let lastSignature = loaded?.signature ?? '';
  const checkCertificates = (): CertificateCheck => {
    if (tls === undefined) return 'unchanged';
    let signature: string;
    try {
      signature = signatureOf(tls);
    } catch (error) {
      const line = `streamops-agent: server.tls: cannot read the certificate files, keeping the loaded ones: ${describe(error)}`;
      if (lastSignature !== `missing:${line}`) log(line);
      lastSignature = `missing:${line}`;
      return 'failed';
    }
    if (signature === lastSignature) return 'unchanged';
    lastSignature = signature;
    try {
      const next = loadFiles(tls);
      (server as HttpsServer).setSecureContext(next.context);
      loaded = next;
      lastSignature = next.signature;
      log(`streamops-agent: server.tls: reloaded ${tls.certFile}`);
      return 'reloaded';
    } catch (error) {
      log(
        `streamops-agent: server.tls: the new certificate and key do not load, keeping the previous ones: ${describe(error)}`,
      );
      return 'failed';
    }
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const timer =
    tls === undefined ? null : timers.setInterval(checkCertificates, tls.reloadIntervalSeconds * 1000);
  const port = (server.address() as AddressInfo).port;
  const host = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    server,
    port,
    url: `${tls === undefined ? 'http' : 'https'}://${urlHost}:${port}`,
    checkCertificates,
    async close() {
      if (timer !== null) timers.clearInterval(timer);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
