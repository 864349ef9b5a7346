// `npm run bench:assets`: in one run against the local stack, GET /assets/{key} under autocannon
// for cache hits (one key, already cached) and cache misses (a fresh key per request, each read
// from the bucket once), and their ratio.
import { AwsClient } from 'aws4fetch';
import { freePort } from '../scripts/lib/ports';
import type { LocalS3 } from '../scripts/lib/local-s3';
import { createStack } from '../scripts/lib/stack';
import { formatLoad, loadHeader, runLoad } from './lib/load';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const missCount = Number(process.env.BENCH_MISSES ?? 3000);
const assetBytes = 16 * 1024;
const connections = 32;

async function uploadAssets(s3: LocalS3, keys: string[]): Promise<void> {
  const client = new AwsClient({
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
    service: 's3',
    region: s3.region,
  });
  const body = new Uint8Array(assetBytes).fill(7);
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < keys.length) {
        const key = keys[next++];
        const response = await client.fetch(`${s3.endpoint}/${s3.buckets.assets}/${key}`, {
          method: 'PUT',
          body,
          headers: { 'content-type': 'image/png' },
        });
        if (!response.ok) throw new Error(`PUT ${key}: ${response.status}`);
        await response.arrayBuffer();
      }
    }),
  );
}

const port = await freePort();
const stack = createStack({ port, log: (line) => process.stderr.write(`[stack] ${line}\n`) });
try {
  const { url, s3 } = await stack.start();
  const hitKey = 'bench/hit.png';
  const missKeys = Array.from({ length: missCount }, (_, i) => `bench/miss-${i}.png`);
  await uploadAssets(s3, [hitKey, ...missKeys]);

  for (let attempt = 0; ; attempt++) {
    const response = await fetch(`${url}/assets/${hitKey}`);
    await response.arrayBuffer();
    if (response.headers.get('x-cache') === 'HIT') break;
    if (attempt > 100) throw new Error('the hit key never became a cache hit');
  }

  const hits = await runLoad({ url: `${url}/assets/${hitKey}`, connections, duration: seconds });
  let nextMiss = 0;
  const misses = await runLoad({
    url,
    connections,
    amount: missCount,
    requests: [{ setupRequest: (request) => ({ ...request, path: `/assets/${missKeys[nextMiss++ % missCount]}` }) }],
  });
  const sample = await fetch(`${url}/assets/${missKeys[0]}`);
  await sample.arrayBuffer();

  console.log(
    `GET /assets/{key}, ${assetBytes / 1024} KiB objects, wrangler (workerd, no inspector) + ${s3.kind} on loopback`,
  );
  console.log(loadHeader);
  console.log(formatLoad(`hit (${seconds} s)`, hits));
  console.log(formatLoad(`miss (${missCount} keys)`, misses));
  console.log(
    `\nratio hit/miss: ${(hits.requestsPerSecond / misses.requestsPerSecond).toFixed(2)}× requests/s, p50 ${(misses.p50 / Math.max(hits.p50, 1)).toFixed(1)}× lower, p99 ${(misses.p99 / Math.max(hits.p99, 1)).toFixed(1)}× lower`,
  );
  console.log(`check: a missed key answers ${sample.headers.get('x-cache')} afterwards`);
} finally {
  await stack.stop();
}
