// What the local stack and the tests know of the S3 server they started (s3rver or Ceph RGW):
// where it is, how to sign for it, the three buckets the gateway uses, and how to stop it.
import type { S3Connection } from './bucket-config';

export const localBuckets = {
  raw: 'xum-raw-submissions',
  processed: 'xum-processed-datasets',
  assets: 'xum-public-assets',
};

export interface LocalS3 extends S3Connection {
  kind: string;
  forcePathStyle: boolean;
  buckets: typeof localBuckets;
  /** The server's own processes, when it runs as processes apart from this one (Ceph RGW). */
  pids?: number[];
  stop(): Promise<void>;
}
