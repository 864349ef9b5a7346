import type { ObjectStoreSettings } from './store';

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
