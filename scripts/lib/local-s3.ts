// What the local stack and the tests know of the S3 server they started (s3rver or Ceph RGW):
// where it is, how to sign for it, the three buckets the gateway uses, and how to stop it.
import { createObjectStore, type ObjectStore } from '../../src/s3/store';
import { defaultBucketNames, type S3Connection } from './bucket-config';

export const localBuckets = { ...defaultBucketNames };

export interface LocalS3 extends S3Connection {
  kind: string;
  forcePathStyle: boolean;
  buckets: typeof localBuckets;
  /** The server's own processes, when it runs as processes apart from this one (Ceph RGW). */
  pids?: number[];
  stop(): Promise<void>;
}

/** The Worker's S3 handle (src/s3/store.ts) for a local server, path-style as local servers need. */
export function localObjectStore(s3: LocalS3): ObjectStore {
  return createObjectStore({
    endpoint: s3.endpoint,
    region: s3.region,
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
    forcePathStyle: true,
  });
}
