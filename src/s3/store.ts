import { AwsClient } from 'aws4fetch';
import { type CopySupport, createCopySupport, type ServerSideCopyMode } from './server-side-copy';

/** Where and as whom the gateway talks to S3. Plain data: `src/s3/` reads no config itself. */
export interface ObjectStoreSettings {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
  /** Longest wait for an answer's headers (presigning ignores it); 30 s when absent. */
  timeoutMs?: number;
  /** Whether the store is asked to copy bytes itself (src/s3/server-side-copy.ts); `auto` when absent. */
  serverSideCopy?: ServerSideCopyMode;
}

/**
 * The one handle to S3: the settings, the client that signs requests sent in the Worker, and the
 * SigV4 signing keys it and the presigner share. A signing key depends only on secret, date,
 * region and service (AWS General Reference, "Derive a signing key"), so one cache per store
 * saves four of the six HMAC operations behind every request and every URL. Built once per
 * isolate (src/isolate.ts), so the cache, and what the isolate learnt of the store's copies,
 * outlive a request.
 */
export interface ObjectStore {
  settings: ObjectStoreSettings;
  client: AwsClient;
  signingKeys: Map<string, ArrayBuffer>;
  /** Whether copies are asked for, and a refusal this isolate learnt. */
  copySupport: CopySupport;
}

export function createObjectStore(settings: ObjectStoreSettings): ObjectStore {
  const signingKeys = new Map<string, ArrayBuffer>();
  return {
    settings,
    signingKeys,
    copySupport: createCopySupport(settings.serverSideCopy ?? 'auto'),
    // service and region are given explicitly: aws4fetch guesses them only for AWS hostnames.
    client: new AwsClient({
      accessKeyId: settings.accessKeyId,
      secretAccessKey: settings.secretAccessKey,
      service: 's3',
      region: settings.region,
      retries: 0,
      cache: signingKeys,
    }),
  };
}
