// `npm run bench:upload`: a 1 GiB file uploaded through the SDK with multipart at concurrency 1,
// 4 and 8 against the local stack's S3, each as a ratio to a single presigned PUT of the same file
// measured in the same run. Upload time ends when the last part is stored; the gateway's
// verification that follows (one read of the object for CRC-32 and SHA-256) is printed apart.
import { createWriteStream, mkdtempSync, rmSync, createReadStream } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoTaskId, demoUsers, signJwt, supabaseClaims } from '../scripts/lib/jwt';
import { freePort } from '../scripts/lib/ports';
import * as sdk from '../sdk/index';
import { fromFile } from '../sdk/node-file';
import type { LocalS3 } from '../scripts/lib/local-s3';
import { createStack } from '../scripts/lib/stack';
import { presignUpload } from '../src/sign/presign';
import { median } from './lib/stats';
import { localObjectStore } from '../scripts/lib/local-s3';

const size = Number(process.env.BENCH_UPLOAD_BYTES ?? 1024 ** 3);
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
const workDir = mkdtempSync(join(tmpdir(), 'storage-manager-bench-upload-'));
const file = join(workDir, 'upload.bin');

async function writeFile() {
  const out = createWriteStream(file);
  const block = randomBytes(1024 * 1024);
  for (let written = 0; written < size; written += block.byteLength) {
    if (!out.write(block.subarray(0, Math.min(block.byteLength, size - written))))
      await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve) => out.end(resolve));
}

/** One PUT of the whole file to a presigned URL, streamed from disk; seconds. */
async function singlePut(s3: LocalS3): Promise<number> {
  const signed = await presignUpload(localObjectStore(s3), {
    bucket: s3.buckets.raw,
    key: `bench/single-${Date.now()}`,
    contentType: 'video/mp4',
    contentLength: size,
    expiresInSeconds: 900,
  });
  const started = process.hrtime.bigint();
  await new Promise<void>((resolve, reject) => {
    const put = httpRequest(signed.url, { method: 'PUT', headers: signed.headers }, (response) => {
      response.resume();
      response.on('end', () =>
        response.statusCode === 200 ? resolve() : reject(new Error(`PUT answered ${response.statusCode}`)),
      );
    });
    put.on('error', reject);
    createReadStream(file).pipe(put);
  });
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** The SDK's multipart upload; seconds until the last part is stored, and until complete returns. */
async function multipart(api: string, token: string, concurrency: number): Promise<{ parts: number; total: number }> {
  const started = process.hrtime.bigint();
  let partsDone = 0;
  await sdk.upload(await fromFile(file, 'video/mp4'), {
    api,
    token,
    taskId: demoTaskId,
    concurrency,
    onProgress: ({ uploadedBytes, totalBytes }) => {
      if (uploadedBytes === totalBytes) partsDone = Number(process.hrtime.bigint() - started) / 1e9;
    },
  });
  return { parts: partsDone, total: Number(process.hrtime.bigint() - started) / 1e9 };
}

const stack = createStack({ port: await freePort(), log: (line) => process.stderr.write(`[stack] ${line}\n`) });
try {
  const { url, auth, s3 } = await stack.start();
  await writeFile();
  const token = await signJwt(
    auth.privateJwk,
    supabaseClaims({ supabaseUrl: auth.supabaseUrl, ...demoUsers.contributor, lifetimeSeconds: 7200 }),
  );

  const single: number[] = [];
  const byConcurrency = new Map<number, { parts: number; total: number }[]>([
    [1, []],
    [4, []],
    [8, []],
  ]);
  for (let round = 0; round < rounds; round++) {
    single.push(await singlePut(s3));
    for (const [concurrency, results] of byConcurrency) results.push(await multipart(url, token, concurrency));
  }
  const mib = size / 1024 / 1024;
  const singleSeconds = median(single);
  console.log(`${mib} MiB file, ${s3.kind} on loopback, median of ${rounds} alternating rounds`);
  console.log(
    `${'upload'.padEnd(26)} ${'seconds'.padStart(8)} ${'MiB/s'.padStart(8)} ${'ratio'.padStart(7)}   complete+verify s`,
  );
  console.log(
    `${'single PUT'.padEnd(26)} ${singleSeconds.toFixed(2).padStart(8)} ${(mib / singleSeconds).toFixed(0).padStart(8)} ${'1.00×'.padStart(7)}`,
  );
  for (const [concurrency, results] of byConcurrency) {
    const parts = median(results.map((result) => result.parts));
    const verify = median(results.map((result) => result.total - result.parts));
    console.log(
      `${`multipart, concurrency ${concurrency}`.padEnd(26)} ${parts.toFixed(2).padStart(8)} ${(mib / parts).toFixed(0).padStart(8)} ${`${(singleSeconds / parts).toFixed(2)}×`.padStart(7)}   ${verify.toFixed(2)}`,
    );
  }
} finally {
  await stack.stop();
  rmSync(workDir, { recursive: true, force: true });
}
