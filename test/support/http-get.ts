import { get as httpGet } from 'node:http';

/** GET a URL on a new connection (no keep-alive pool to leak); resolves with the status and body. */
export function httpGetText(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolveGet, reject) => {
    const request = httpGet(url, { agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolveGet({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}
