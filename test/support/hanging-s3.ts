import { createServer } from 'node:http';
import { listenOnLoopback } from '../../scripts/lib/ports';

/** The bucket that hangs; the integration tests name it in BUCKET_RAW or BUCKET_ASSETS. */
const hangingBucket = 'hang-bucket';

/**
 * An S3 endpoint that accepts the connection and never answers, for timeouts: a request to the
 * bucket `hang-bucket` (path-style, `/hang-bucket` or `/hang-bucket/...`) is read and left open
 * until the client gives up. Every other bucket does not exist: 404 NoSuchBucket in S3's error
 * document (S3 API Reference, "Error responses"), so a test can point one bucket here and the
 * others fail at once.
 */
export async function startHangingS3(): Promise<{ url: string; stop(): Promise<void> }> {
  const server = createServer((request, response) => {
    if (request.url === `/${hangingBucket}` || request.url?.startsWith(`/${hangingBucket}/`)) return;
    response
      .writeHead(404, { 'content-type': 'application/xml' })
      .end('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchBucket</Code></Error>');
  });
  return listenOnLoopback(server);
}
