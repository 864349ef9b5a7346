import { createServer, request as httpRequest, type Server } from 'node:http';
import { freePort } from '../../scripts/lib/ports.mjs';

export type Fault =
  /** Reset the connection before any response header, `times` times. */
  | { kind: 'refuse'; times: number }
  /** Send headers and `afterBytes` bytes of the body, then cut the connection, `times` times. */
  | { kind: 'drop'; afterBytes: number; times: number };

/**
 * An HTTP proxy in front of the S3 server that forwards requests untouched (the Host header
 * stays the proxy's, which is what the Worker signed) and injects faults for chosen object paths.
 */
export async function startFaultProxy(target: string) {
  const faults = new Map<string, Fault>();
  const seen: { method: string; path: string; range: string | null }[] = [];
  const upstream = new URL(target);
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0]!;
    seen.push({ method: request.method ?? '', path, range: (request.headers.range as string | undefined) ?? null });
    const fault = request.method === 'GET' ? faults.get(path) : undefined;
    if (fault && --fault.times <= 0) faults.delete(path);
    if (fault?.kind === 'refuse') {
      request.socket.destroy();
      return;
    }
    const forward = httpRequest({ host: upstream.hostname, port: upstream.port, method: request.method, path: request.url, headers: request.headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      if (fault?.kind !== 'drop') {
        answer.pipe(response);
        return;
      }
      let sent = 0;
      answer.on('data', (chunk: Buffer) => {
        if (sent >= fault.afterBytes) return;
        const part = chunk.subarray(0, fault.afterBytes - sent);
        sent += part.byteLength;
        response.write(part);
        if (sent >= fault.afterBytes) {
          answer.destroy();
          response.socket?.destroy();
        }
      });
    });
    forward.on('error', () => response.socket?.destroy());
    request.pipe(forward);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    inject(path: string, fault: Fault) {
      faults.set(path, { ...fault });
    },
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
