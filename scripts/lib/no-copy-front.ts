// A front before a local S3 server (Ceph RGW or s3rver) that behaves as Hetzner Object Storage
// may: CopyObject and UploadPartCopy (any request carrying x-amz-copy-source) and every object or
// bucket tagging call (`?tagging`, or an x-amz-tagging header) are answered 501 NotImplemented,
// the answer operators report from Hetzner (nextcloud/server#61925, nextcloud/files_versions_s3#55;
// Hetzner docs, Object Storage, "Supported actions": CopyObject "may fail"). Everything else is
// forwarded byte for byte, Host header included, so SigV4 signatures made for the front's
// address still verify upstream (the gateway signs for the endpoint it is given).
import { type ClientRequest, createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import { listenOnLoopback } from './ports';

export interface NoCopyFront {
  url: string;
  /** Requests refused so far, by what they asked for. */
  refused: { copy: number; tagging: number };
  stop(): Promise<void>;
}

/** Whether a request is a server-side copy (S3 API: CopyObject, UploadPartCopy). */
function isCopy(request: IncomingMessage): boolean {
  return request.headers['x-amz-copy-source'] !== undefined;
}

/** Whether a request reads or writes tags (S3 API: Get/Put/DeleteObjectTagging, or tags set on a write). */
function touchesTags(request: IncomingMessage, url: URL): boolean {
  return (
    url.searchParams.has('tagging') ||
    request.headers['x-amz-tagging'] !== undefined ||
    request.headers['x-amz-tagging-directive'] !== undefined
  );
}

const notImplemented = (resource: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><Error><Code>NotImplemented</Code><Message>A header you provided implies functionality that is not implemented</Message><Resource>${resource}</Resource></Error>`;

/**
 * The same request sent on to `upstream` untouched, Host header included, so a SigV4 signature made
 * for the front's address still verifies there. The caller pipes the body in.
 */
export function forwardRequest(
  upstream: URL,
  request: IncomingMessage,
  onAnswer: (answer: IncomingMessage) => void,
): ClientRequest {
  return httpRequest(
    {
      host: upstream.hostname,
      port: upstream.port,
      method: request.method,
      path: request.url,
      headers: request.headers,
    },
    onAnswer,
  );
}

export async function startNoCopyFront(target: string): Promise<NoCopyFront> {
  const upstream = new URL(target);
  const refused = { copy: 0, tagging: 0 };
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://front');
    const copy = isCopy(request);
    if (copy || touchesTags(request, url)) {
      if (copy) refused.copy += 1;
      else refused.tagging += 1;
      request.resume();
      const body = notImplemented(url.pathname.replace(/[<>&]/g, ''));
      response.writeHead(501, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
      response.end(body);
      return;
    }
    const forward = forwardRequest(upstream, request, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    forward.on('error', () => response.socket?.destroy());
    request.pipe(forward);
  });
  const listening = await listenOnLoopback(server);
  return { url: listening.url, refused, stop: listening.stop };
}
