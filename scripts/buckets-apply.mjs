#!/usr/bin/env node
// `npm run buckets:apply`: applies the bucket configuration (raw bucket CORS, a lifecycle rule
// aborting incomplete multipart uploads after 7 days, public read on the assets bucket) to the S3
// endpoint in S3_ENDPOINT (Hetzner in production, a local server in development). Idempotent:
// prints what changed.
import { applyBucketSettings, desiredBucketSettings } from './lib/bucket-config.mjs';

const env = process.env;
const missing = ['S3_ENDPOINT', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'].filter((name) => !env[name]);
if (missing.length > 0) {
  process.stderr.write(`set ${missing.join(', ')} (and S3_REGION, BUCKET_RAW, BUCKET_PROCESSED, BUCKET_ASSETS, CORS_ORIGINS as needed)\n`);
  process.exit(2);
}
const settings = desiredBucketSettings({
  buckets: { raw: env.BUCKET_RAW ?? 'xum-raw-submissions', processed: env.BUCKET_PROCESSED ?? 'xum-processed-datasets', assets: env.BUCKET_ASSETS ?? 'xum-public-assets' },
  corsOrigins: (env.CORS_ORIGINS ?? 'https://*.xum-ai.app,http://localhost:*').split(',').map((origin) => origin.trim()).filter(Boolean),
});
const results = await applyBucketSettings(
  { endpoint: env.S3_ENDPOINT, region: env.S3_REGION ?? 'us-east-1', accessKeyId: env.S3_ACCESS_KEY_ID, secretAccessKey: env.S3_SECRET_ACCESS_KEY },
  settings,
);
for (const result of results) process.stdout.write(`${result.bucket} ${result.kind}: ${result.outcome}\n`);
