// What the local stack and the tests know of the S3 server they started (s3rver or Ceph RGW):
// where it is, how to sign for it, the three buckets the gateway uses, and how to stop it.
import { createObjectStore, type ObjectStore } from '../../src/s3/store';
import { defaultBucketNames, type S3Connection } from './bucket-config';
import { startNoCopyFront } from './no-copy-front';

export const localBuckets = { ...defaultBucketNames };

export interface LocalS3 extends S3Connection {
  kind: string;
  forcePathStyle: boolean;
  buckets: typeof localBuckets;
  /** The server's own processes, when it runs as processes apart from this one (Ceph RGW). */
  pids?: number[];
  /** `no-copy` when a front refusing server-side copy and tagging stands before the server. */
  profile?: 'no-copy';
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

/**
 * STORAGE_MANAGER_S3_PROFILE picks how the store behaves: `full` (the default) as it is, or
 * `no-copy`, behind a front that refuses server-side copy and tagging as Hetzner may
 * (scripts/lib/no-copy-front.ts). The front then is the endpoint everyone uses, and stop() stops
 * it before the store.
 */
export async function withS3Profile(s3: LocalS3, profile = process.env.STORAGE_MANAGER_S3_PROFILE): Promise<LocalS3> {
  if (profile === undefined || profile === '' || profile === 'full') return s3;
  if (profile !== 'no-copy') throw new Error(`STORAGE_MANAGER_S3_PROFILE must be full or no-copy, not ${profile}`);
  const front = await startNoCopyFront(s3.endpoint).catch(async (error: unknown) => {
    await s3.stop();
    throw error;
  });
  return {
    ...s3,
    endpoint: front.url,
    profile: 'no-copy',
    async stop() {
      await front.stop();
      await s3.stop();
    },
  };
}
