import { createServer, request as httpRequest, type Server } from 'node:http';
import { freePort } from '../scripts/lib/ports.mjs';

/**
 * A pass-through HTTP proxy in front of whichever S3 server the tests run (s3rver or Ceph RGW)
 * that records every request it forwards, so tests can count what reached S3 without hooking
 * into one server's internals. Requests go on untouched, Host header included: the Worker signs
 * for the proxy's host:port, and that is the Host the server checks the signature against.
 */
export async function startS3LogProxy(target: string) {
  const requests: { method: string; url: string }[] = [];
  const upstream = new URL(target);
  const server: Server = createServer((request, response) => {
    requests.push({ method: request.method ?? '', url: request.url ?? '/' });
    const forward = httpRequest({ host: upstream.hostname, port: upstream.port, method: request.method, path: request.url, headers: request.headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    // The client sees a broken connection, as it would from the server itself.
    forward.on('error', () => response.socket?.destroy());
    request.pipe(forward);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
