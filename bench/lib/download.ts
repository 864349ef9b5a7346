// Downloads for the benchmarks: the body is counted and dropped, never stored. node:http sends no
// Accept-Encoding, so every byte counted is a byte of the response as produced.
import { Agent, get } from 'node:http';

/** GETs `url` and resolves with the status and the number of body bytes received. */
export function download(
  url: string,
  agent?: Agent,
): Promise<{ status: number | undefined; bytes: number; complete: boolean }> {
  return new Promise((resolve, reject) => {
    const request = get(url, agent ? { agent } : {}, (response) => {
      let bytes = 0;
      response.on('data', (chunk) => (bytes += chunk.length));
      response.on('end', () => resolve({ status: response.statusCode, bytes, complete: response.complete }));
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}

/** A keep-alive agent, so a sequence of GETs to one server reuses its connection, as curl does. */
export const keepAliveAgent = () => new Agent({ keepAlive: true, maxSockets: 1 });
