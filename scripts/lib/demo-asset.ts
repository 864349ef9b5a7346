// The demo public asset `npm start` puts in the local assets bucket, so `/assets/…` has something to
// serve out of the box (README walk-through, and the smoke test's asset check in CI).
import { AwsClient } from 'aws4fetch';
import type { S3Connection } from './bucket-config';

export const demoAsset = {
  // Under the immutable prefix `v/`, as the README's publishing convention has it.
  key: 'v/demo/hello.txt',
  contentType: 'text/plain; charset=utf-8',
  body: 'Hello from the public assets bucket.\n',
};

/** PUTs the demo asset into `s3`'s assets bucket (path-style: the local servers), straight to S3. */
export async function seedDemoAsset({
  endpoint,
  region,
  accessKeyId,
  secretAccessKey,
  buckets,
}: S3Connection & { buckets: { assets: string } }): Promise<void> {
  const client = new AwsClient({ accessKeyId, secretAccessKey, service: 's3', region, retries: 0 });
  const url = `${endpoint.replace(/\/+$/, '')}/${buckets.assets}/${demoAsset.key}`;
  const response = await client.fetch(url, {
    method: 'PUT',
    body: demoAsset.body,
    headers: { 'content-type': demoAsset.contentType },
  });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`PUT demo asset answered ${response.status}`);
}
