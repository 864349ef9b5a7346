// `npm run bench:presign`: in one run against the local stack,
//  1. POST /v1/uploads under autocannon at concurrency 1 and 32 (requests/s, p50, p99);
//  2. presigned PUT URLs per second from src/sign/ against @aws-sdk/s3-request-presigner signing
//     the same URL in this same process, alternating rounds so machine noise hits both alike.
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { demoTaskId, demoUsers, signJwt, supabaseClaims } from '../scripts/lib/jwt';
import { freePort } from '../scripts/lib/ports';
import type { LocalS3 } from '../scripts/lib/local-s3';
import { createStack } from '../scripts/lib/stack';
import { presignUpload } from '../src/sign/presign';
import { formatLoad, loadHeader, runLoad } from './lib/load';
import { median } from './lib/stats';
import { localObjectStore } from '../scripts/lib/local-s3';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const log = (line: string) => process.stderr.write(`${line}\n`);

function loadTest(url: string, token: string, connections: number) {
  return runLoad({
    url: `${url}/v1/uploads`,
    method: 'POST',
    connections,
    duration: seconds,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ taskId: demoTaskId, contentType: 'audio/webm', size: 48213 }),
  });
}

async function compareSigners(s3: LocalS3): Promise<{ ours: number; theirs: number }> {
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    // Since 3.729 the SDK adds a CRC32 of the (empty) body to every PutObject URL unless told a
    // checksum is only for operations that require one; ours signs none.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
  const store = localObjectStore(s3);
  const key = (i: number) => `raw/${demoTaskId}/${i.toString(16).padStart(12, '0')}`;
  const ours = (i: number) =>
    presignUpload(store, {
      bucket: s3.buckets.raw,
      key: key(i),
      contentType: 'audio/webm',
      contentLength: 48213,
      expiresInSeconds: 900,
    });
  const theirs = (i: number) =>
    getSignedUrl(
      client,
      new PutObjectCommand({
        Bucket: s3.buckets.raw,
        Key: key(i),
        ContentType: 'audio/webm',
        ContentLength: 48213,
        ACL: 'private',
      }),
      {
        expiresIn: 900,
        signableHeaders: new Set(['content-type', 'content-length', 'x-amz-acl']),
        // Kept a signed header, as ours does, instead of moved into the query string.
        unhoistableHeaders: new Set(['x-amz-acl']),
      },
    );
  // Both sign the same canonical request: same host, path, expiry and signed headers.
  const sample = [new URL((await ours(1)).url), new URL(await theirs(1))];
  for (const url of sample)
    if (url.searchParams.get('X-Amz-SignedHeaders') !== 'content-length;content-type;host;x-amz-acl')
      throw new Error(`unexpected signed headers in ${url}`);

  const perRound = 5000;
  const rounds = 6;
  const rates: Record<'ours' | 'theirs', number[]> = { ours: [], theirs: [] };
  for (let i = 0; i < 2000; i++) {
    await ours(i);
    await theirs(i);
  }
  type Signer = [keyof typeof rates, (i: number) => Promise<unknown>];
  for (let round = 0; round < rounds; round++) {
    for (const [name, sign] of round % 2 === 0
      ? ([
          ['ours', ours],
          ['theirs', theirs],
        ] as Signer[])
      : ([
          ['theirs', theirs],
          ['ours', ours],
        ] as Signer[])) {
      const started = process.hrtime.bigint();
      for (let i = 0; i < perRound; i++) await sign(i);
      rates[name].push(perRound / (Number(process.hrtime.bigint() - started) / 1e9));
    }
  }
  return { ours: median(rates.ours), theirs: median(rates.theirs) };
}

const port = await freePort();
const stack = createStack({ port, log: (line) => log(`[stack] ${line}`) });
try {
  const { url, auth, s3 } = await stack.start();
  const token = await signJwt(
    auth.privateJwk,
    supabaseClaims({ supabaseUrl: auth.supabaseUrl, ...demoUsers.contributor, lifetimeSeconds: 3600 }),
  );
  const warm = await fetch(`${url}/v1/uploads`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ taskId: demoTaskId, contentType: 'audio/webm', size: 48213 }),
  });
  if (warm.status !== 201) throw new Error(`POST /v1/uploads answered ${warm.status}: ${await warm.text()}`);

  console.log(
    `POST /v1/uploads, ${seconds} s per level, autocannon against wrangler (workerd, no inspector) + PostgreSQL + ${s3.kind} on loopback`,
  );
  console.log(loadHeader);
  for (const connections of [1, 32])
    console.log(formatLoad('POST /v1/uploads', await loadTest(url, token, connections)));

  const signers = await compareSigners(s3);
  console.log(
    '\npresigned PUT URLs per second, same process, same URL and signed headers (median of 3 alternating rounds each)',
  );
  console.log(`src/sign (aws4fetch)            ${signers.ours.toFixed(0)}`);
  console.log(`@aws-sdk/s3-request-presigner   ${signers.theirs.toFixed(0)}`);
  console.log(`ratio ours / aws-sdk            ${(signers.ours / signers.theirs).toFixed(2)}×`);
} finally {
  await stack.stop();
}
