import { createServer } from 'node:http';
import { listenOnLoopback } from '../../scripts/lib/ports';

/**
 * The S3 proxy's request log over HTTP (`GET /`: every request that reached S3 so far, as JSON
 * `{ method, url }`), for the integration tests: they run inside workerd, apart from the proxy's
 * memory, and count what reached S3 through this.
 */
export async function startS3RequestLog(
  requests: () => { method: string; url: string }[],
): Promise<{ url: string; stop(): Promise<void> }> {
  const server = createServer((_request, response) =>
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(requests())),
  );
  return listenOnLoopback(server);
}
