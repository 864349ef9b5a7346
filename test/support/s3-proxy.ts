import { createServer, type Server } from 'node:http';
import { forwardRequest } from '../../scripts/lib/no-copy-front';
import { freePort } from '../../scripts/lib/ports';

export type Fault =
  /** Reset the connection before any response header. */
  | { kind: 'refuse' }
  /** Answer with this status and an S3-style error body instead of forwarding. */
  | { kind: 'status'; status: number; code: string }
  /** Send headers and `afterBytes` bytes of the body, then cut the connection. */
  | { kind: 'drop'; afterBytes: number }
  /** Forward the request, so S3 acts on it, but answer this error instead: an answer lost on the way. */
  | { kind: 'lose-answer'; status: number; code: string }
  /** Read the request and never answer: an S3 that hangs. The connection stays open until the client gives up. */
  | { kind: 'hang' }
  /** Forward the headers and `afterBytes` bytes of the request body, then cut both connections: an upload killed mid-body. */
  | { kind: 'cut-request'; afterBytes: number };

export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  range: string | null;
  /** x-amz-copy-source: set on CopyObject and UploadPartCopy (S3 API), whose bytes never leave S3. */
  copySource: string | null;
  /** The client (the Worker) went away before the response was complete. */
  abandoned: boolean;
  /** Body bytes the client sent (an UploadPart's part, none for a copy). */
  requestBytes: number;
  /** The request's Content-Length, when it declared one. */
  declaredBytes: number | null;
  /** Body bytes returned to the client (a GET's object bytes). */
  responseBytes: number;
  /** The status the client was answered with, once it was (the injected one for a fault). */
  status: number | null;
}

/**
 * An HTTP proxy in front of the S3 server (s3rver or Ceph RGW) that forwards requests untouched
 * (the Host header stays the proxy's, which is what the Worker signed), records every request so
 * tests can count what reached S3, and injects faults into matching requests a given number of
 * times.
 */
export async function startS3Proxy(target: string) {
  const faults: { matches: (request: SeenRequest) => boolean; fault: Fault; times: number }[] = [];
  const seen: SeenRequest[] = [];
  const upstream = new URL(target);
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://proxy');
    const entry: SeenRequest = {
      method: request.method ?? '',
      path: url.pathname,
      query: url.searchParams,
      range: (request.headers.range as string | undefined) ?? null,
      copySource: (request.headers['x-amz-copy-source'] as string | undefined) ?? null,
      abandoned: false,
      requestBytes: 0,
      declaredBytes: request.headers['content-length'] === undefined ? null : Number(request.headers['content-length']),
      responseBytes: 0,
      status: null,
    };
    seen.push(entry);
    // Counted beside the forwarding (another 'data' listener), which pause() still throttles.
    request.on('data', (chunk: Buffer) => (entry.requestBytes += chunk.byteLength));
    response.on('close', () => (entry.abandoned = !response.writableFinished));
    const armed = faults.find((candidate) => candidate.times > 0 && candidate.matches(entry));
    if (armed) armed.times -= 1;
    const fault = armed?.fault;
    if (fault?.kind === 'refuse') {
      request.socket.destroy();
      return;
    }
    const answerError = (status: number, code: string) => {
      entry.status = status;
      response.writeHead(status, { 'content-type': 'application/xml' });
      const body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>injected</Message></Error>`;
      entry.responseBytes += Buffer.byteLength(body);
      response.end(body);
    };
    if (fault?.kind === 'status') {
      request.resume();
      answerError(fault.status, fault.code);
      return;
    }
    // The request is read (the counting listener keeps it flowing); the response is never started.
    if (fault?.kind === 'hang') return;
    const forward = forwardRequest(upstream, request, (answer) => {
      if (fault?.kind === 'lose-answer') {
        answer.resume();
        answer.on('end', () => answerError(fault.status, fault.code));
        return;
      }
      entry.status = answer.statusCode ?? 502;
      response.writeHead(entry.status, answer.headers);
      if (fault?.kind !== 'drop') {
        answer.on('data', (chunk: Buffer) => (entry.responseBytes += chunk.byteLength));
        answer.pipe(response);
        return;
      }
      let sent = 0;
      answer.on('data', (chunk: Buffer) => {
        if (sent >= fault.afterBytes) return;
        const part = chunk.subarray(0, fault.afterBytes - sent);
        sent += part.byteLength;
        entry.responseBytes += part.byteLength;
        response.write(part);
        if (sent >= fault.afterBytes) {
          answer.destroy();
          response.socket?.destroy();
        }
      });
    });
    forward.on('error', () => response.socket?.destroy());
    if (fault?.kind !== 'cut-request') {
      request.pipe(forward);
      return;
    }
    let forwarded = 0;
    request.on('data', (chunk: Buffer) => {
      if (forwarded >= fault.afterBytes) return;
      const part = chunk.subarray(0, fault.afterBytes - forwarded);
      forwarded += part.byteLength;
      if (forwarded < fault.afterBytes) {
        forward.write(part);
        return;
      }
      // The client sees the cut at once; S3 gets the bytes before it, then the connection ends.
      request.socket.destroy();
      forward.write(part, () => forward.destroy());
    });
    // A body shorter than `afterBytes` goes through whole.
    request.on('end', () => forwarded < fault.afterBytes && forward.end());
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    /** The log as plain JSON: method and request target (path and query). */
    requestLog: () =>
      seen.map((request) => ({
        method: request.method,
        url: `${request.path}${request.query.size > 0 ? `?${request.query}` : ''}`,
      })),
    inject(matches: (request: SeenRequest) => boolean, fault: Fault, times = 1) {
      faults.push({ matches, fault, times });
    },
    /** Disarms every fault not yet used up. */
    clear() {
      faults.length = 0;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
