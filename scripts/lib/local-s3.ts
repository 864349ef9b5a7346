// What the local stack and the tests know of the S3 server they started (s3rver or Ceph RGW):
// where it is, how to sign for it, the three buckets the gateway uses, and how to stop it.
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
