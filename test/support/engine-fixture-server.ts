import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { answer, isRawAnswer, type EngineFixture } from '../../agent/src/engines/fixtures/routes';

/** A local HTTP server answering like a Flink or Storm REST API, from fixtures. */
export interface EngineFixtureServer {
  /** Base URL, e.g. http://127.0.0.1:41234. */
  readonly url: string;
  /** Paths requested so far, with their queries. */
  readonly requests: string[];
  /** Answers from another fixture from now on. */
  serve(fixture: EngineFixture): void;
  /** Holds every answer back this long (an engine that is slow to answer). */
  delay(ms: number): void;
  stop(): Promise<void>;
}

/** Starts a fixture server on a free loopback port. */
export async function startEngineFixtureServer(fixture: EngineFixture): Promise<EngineFixtureServer> {
  let current = fixture;
  let delayMs = 0;
  const requests: string[] = [];
  const pending = new Set<NodeJS.Timeout>();
  const server: Server = createServer((request, response) => {
    const path = request.url ?? '/';
    requests.push(path);
    const send = () => {
      const result = answer(current.routes, path);
      const [status, body] = isRawAnswer(result)
        ? [result.status, result.raw]
        : [200, JSON.stringify(result)];
      response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(body);
    };
    if (delayMs === 0) return send();
    const timer = setTimeout(() => {
      pending.delete(timer);
      if (!response.destroyed) send();
    }, delayMs);
    pending.add(timer);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    serve(next) {
      current = next;
    },
    delay(ms) {
      delayMs = ms;
    },
    async stop() {
      for (const timer of pending) clearTimeout(timer);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
