// Embedded S3 for the local stack and the tests: @20minutes/s3rver on loopback, which checks
// SigV4 signatures (header and presigned query), with the three buckets the gateway uses. A
// development dependency: nothing a production command runs may import this module.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from '@20minutes/s3rver';
import { rawBucketCors } from './bucket-config';
import { type LocalS3, localBuckets } from './local-s3';
import { freePort } from './ports';
import { parseCorsOrigins } from '../../src/cors-origins';

export async function startS3rver({
  origins = parseCorsOrigins(),
}: {
  origins?: string[];
} = {}): Promise<LocalS3 & { kind: 's3rver' }> {
  const directory = mkdtempSync(join(tmpdir(), 'storage-manager-s3-'));
  const port = await freePort();
  const server = new S3rver({
    address: '127.0.0.1',
    port,
    silent: true,
    directory,
    configureBuckets: [
      { name: localBuckets.raw, configs: [rawBucketCors(origins)] },
      { name: localBuckets.processed, configs: [] },
      { name: localBuckets.assets, configs: [] },
    ],
  });
  await server.run();
  // Even if this process exits without stop(), the objects it stored do not outlive it.
  const removeDirectory = () => rmSync(directory, { recursive: true, force: true });
  process.once('exit', removeDirectory);
  return {
    kind: 's3rver',
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    forcePathStyle: true,
    buckets: localBuckets,
    async stop() {
      process.off('exit', removeDirectory);
      // Idle keep-alive connections (Node's agents keep them by default) would hold close() open.
      server.httpServer.closeAllConnections();
      await server.close();
      removeDirectory();
    },
  };
}
