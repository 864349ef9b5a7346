import { AwsClient } from 'aws4fetch';

/** Where and as whom the gateway talks to S3. Plain data: `src/sign/` reads no config itself. */
export interface ObjectStoreSettings {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
  /** Longest wait for an answer's headers (presigning ignores it); 30 s when absent. */
  timeoutMs?: number;
}

export interface ObjectStore {
  settings: ObjectStoreSettings;
  client: AwsClient;
}

export function createObjectStore(settings: ObjectStoreSettings): ObjectStore {
  return {
    settings,
    // service and region are given explicitly: aws4fetch guesses them only for AWS hostnames.
    client: new AwsClient({
      accessKeyId: settings.accessKeyId,
      secretAccessKey: settings.secretAccessKey,
      service: 's3',
      region: settings.region,
      retries: 0,
    }),
  };
}

// One signing client per settings object (config is validated once per isolate), so aws4fetch's
// derived-key cache outlives a request.
const sharedStores = new WeakMap<ObjectStoreSettings, ObjectStore>();

export function sharedObjectStore(settings: ObjectStoreSettings): ObjectStore {
  let store = sharedStores.get(settings);
  if (!store) {
    store = createObjectStore(settings);
    sharedStores.set(settings, store);
  }
  return store;
}

/** Each key segment percent-encoded per RFC 3986, so a key can never change the path's shape. */
export function encodeKey(key: string): string {
  return key
    .split('/')
    .map((segment) =>
      encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
    )
    .join('/');
}

/**
 * The object's URL, path-style (`endpoint/bucket/key`) for local servers or virtual-hosted
 * (`bucket.endpoint/key`), which Hetzner and AWS prefer (S3 API: "Virtual hosting of buckets").
 */
export function objectUrl(settings: ObjectStoreSettings, bucket: string, key: string): URL {
  return new URL(`${bucketUrl(settings, bucket).toString().replace(/\/$/, '')}/${encodeKey(key)}`);
}

/** The bucket's own URL (no key): the base of every object's URL. */
export function bucketUrl(settings: ObjectStoreSettings, bucket: string): URL {
  const endpoint = new URL(settings.endpoint);
  if (settings.forcePathStyle) return new URL(`${endpoint.origin}/${encodeURIComponent(bucket)}`);
  return new URL(`${endpoint.protocol}//${bucket}.${endpoint.host}/`);
}
