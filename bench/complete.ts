// `npm run bench:complete`: what completing a single-PUT upload costs with and without server-side
// copy, for 1 MiB and 64 MiB files, against the local stack (s3rver, or Ceph RGW with
// STORAGE_MANAGER_S3=rgw), in one run:
// 1. `POST /v1/uploads/{id}/complete` timed on two Workers side by side on the same database and
//    S3: one with S3_SERVER_SIDE_COPY=always (CopyObject staging → final key, HEAD, one GET of the
//    final object checksummed) and one with =never (one GET of the staged object, checksummed and
//    piped into a PutObject of the final key). Each round uploads a file for each (a contributor's
//    POST /v1/uploads, then a PUT to the presigned URL with its headers, untimed) and completes
//    them in alternating order.
// 2. The S3 calls alone, from Node with the gateway's own S3 client (src/s3/*), for three options:
//    (a) CopyObject + HeadObject + GetObject (read whole, CRC-32 and SHA-256);
//    (b) GetObject of the staged object piped into a PutObject of the final key (one pass, checksummed);
//    (c) every upload a multipart upload of one part, which the gateway's own
//        CompleteMultipartUpload places at its final key: ListParts + CompleteMultipartUpload +
//        HeadObject + GetObject; plus the CreateMultipartUpload that option adds to creating an
//        upload, timed apart.
// Knobs: BENCH_COMPLETE_MIB (sizes, comma-separated; 1,64), BENCH_ROUNDS (5 on s3rver, 2 on RGW).
// 64 MiB is MULTIPART_THRESHOLD_BYTES' default and still a single PUT (multipart only above it).
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { crc32 } from 'node:zlib';
import postgres from 'postgres';
import { demoTaskId, demoUsers, signJwt, supabaseClaims } from '../scripts/lib/jwt';
import { localObjectStore } from '../scripts/lib/local-s3';
import { freePort } from '../scripts/lib/ports';
import { createStack, startLocalWorker } from '../scripts/lib/stack';
import { objectUrl } from '../src/s3/addressing';
import { completeMultipartUpload, createMultipartUpload, listParts } from '../src/s3/multipart';
import { copyObject, deleteObject, fetchObject, headObject, putObjectStream } from '../src/s3/objects';
import { send } from '../src/s3/send';
import type { ObjectStore } from '../src/s3/store';
import { median } from './lib/stats';

const MiB = 1024 * 1024;
const s3Kind = process.env.STORAGE_MANAGER_S3 ?? 's3rver';
if (s3Kind !== 's3rver' && s3Kind !== 'rgw') throw new Error(`STORAGE_MANAGER_S3 must be s3rver or rgw, not ${s3Kind}`);
// The copy Worker needs a store that copies; the no-copy front would refuse every CopyObject.
if ((process.env.STORAGE_MANAGER_S3_PROFILE ?? 'full') !== 'full')
  throw new Error('bench:complete compares copying with streaming: run it without STORAGE_MANAGER_S3_PROFILE');
const sizes = (process.env.BENCH_COMPLETE_MIB ?? '1,64').split(',').map((value) => Number(value) * MiB);
const rounds = Number(process.env.BENCH_ROUNDS ?? (s3Kind === 'rgw' ? 2 : 5));
// Above MULTIPART_THRESHOLD_BYTES (64 MiB unless set) POST /v1/uploads answers a multipart upload.
const threshold = 64 * MiB;
for (const size of sizes) {
  if (!Number.isInteger(size) || size <= 0 || size > threshold)
    throw new Error(`BENCH_COMPLETE_MIB: each size must be a whole number of bytes in (0, 64 MiB], not ${size}`);
}
// RGW keeps objects in a 2 GiB memstore and frees deleted ones only when its garbage collector runs
// (hours later); per round and size the Workers write 2 staged and 2 final objects, Node 5.
const rgwNeedsMiB = (9 * rounds * sizes.reduce((sum, size) => sum + size, 0)) / MiB + 128;
if (s3Kind === 'rgw' && rgwNeedsMiB > 1800)
  throw new Error(
    `RGW's 2 GiB memstore cannot hold ${rgwNeedsMiB} MiB (9 × BENCH_ROUNDS × sizes + 128): lower BENCH_ROUNDS`,
  );

const log = (line: string) => process.stderr.write(`${line}\n`);
const ms = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e6;
const contentType = 'application/octet-stream';

/** Length, CRC-32 and SHA-256 of a stream, as completing an upload records them (src/streams/checksum.ts). */
function checksummer() {
  const hash = createHash('sha256');
  let crc = 0;
  let size = 0;
  return {
    update(chunk: Uint8Array) {
      hash.update(chunk);
      crc = crc32(chunk, crc);
      size += chunk.byteLength;
    },
    digest: () => ({ size, crc32: crc >>> 0, sha256: hash.digest('hex') }),
  };
}

async function readChecksummed(body: ReadableStream<Uint8Array>) {
  const sum = checksummer();
  for await (const chunk of body) sum.update(chunk);
  return sum.digest();
}

/** Named steps of one timed sequence, in ms, and their total. */
type Steps = Record<string, number>;
async function timed(steps: [string, () => Promise<unknown>][]): Promise<Steps> {
  const result: Steps = {};
  const started = process.hrtime.bigint();
  for (const [name, step] of steps) {
    const stepStarted = process.hrtime.bigint();
    await step();
    result[name] = ms(stepStarted);
  }
  result.total = ms(started);
  return result;
}

/**
 * The S3 options, from Node with src/s3. Objects under bench-complete/ in the raw bucket.
 * `canListParts`: s3rver answers ListParts 405, so there option (c) completes with the part's
 * ETag as its client reported it (what POST /v1/uploads/{id}/complete's `parts` carries today).
 */
function options(store: ObjectStore, bucket: string, canListParts: boolean) {
  let next = 0;
  const keys = () => {
    next += 1;
    const base = `bench-complete/${process.pid}-${next}`;
    return { staging: `${base}/staging`, final: `${base}/final` };
  };
  /** A PUT of the whole body with the gateway's client, untimed: what the contributor's PUT leaves. */
  const put = async (url: URL, body: Buffer) => {
    const response = await send(store, url, { method: 'PUT', headers: { 'content-type': contentType }, body });
    await response.body?.cancel();
    return response.headers.get('etag');
  };
  const checksumFinal = async (key: string, size: number) => {
    const head = await headObject(store, bucket, key);
    if (head.size !== size) throw new Error(`HEAD ${key}: ${head.size} bytes, expected ${size}`);
    return head;
  };
  const readFinal = async (key: string, size: number) => {
    const sums = await readChecksummed((await fetchObject(store, bucket, key)).body);
    if (sums.size !== size) throw new Error(`GET ${key}: ${sums.size} bytes, expected ${size}`);
  };
  return {
    async copy(body: Buffer): Promise<Steps> {
      const key = keys();
      await put(objectUrl(store.settings, bucket, key.staging), body);
      const steps = await timed([
        ['CopyObject', () => copyObject(store, bucket, key.staging, key.final, contentType)],
        ['HeadObject', () => checksumFinal(key.final, body.byteLength)],
        ['GetObject', () => readFinal(key.final, body.byteLength)],
      ]);
      for (const object of [key.staging, key.final]) await deleteObject(store, bucket, object);
      return steps;
    },
    async stream(body: Buffer): Promise<Steps> {
      const key = keys();
      await put(objectUrl(store.settings, bucket, key.staging), body);
      const steps = await timed([
        [
          'GetObject→PutObject',
          async () => {
            const staged = await fetchObject(store, bucket, key.staging);
            const sum = checksummer();
            const checksummed = staged.body.pipeThrough(
              new TransformStream<Uint8Array, Uint8Array>({
                transform(chunk, controller) {
                  sum.update(chunk);
                  controller.enqueue(chunk);
                },
              }),
            );
            await putObjectStream(store, bucket, key.final, checksummed, staged.size, contentType);
            if (sum.digest().size !== body.byteLength) throw new Error('short stream');
          },
        ],
      ]);
      for (const object of [key.staging, key.final]) await deleteObject(store, bucket, object);
      return steps;
    },
    /** `create`: CreateMultipartUpload alone, the call this option adds to POST /v1/uploads. */
    async multipart(body: Buffer): Promise<{ steps: Steps; create: number }> {
      const key = keys();
      const createStarted = process.hrtime.bigint();
      const uploadId = await createMultipartUpload(store, bucket, key.final, contentType);
      const create = ms(createStarted);
      const partUrl = objectUrl(store.settings, bucket, key.final);
      partUrl.searchParams.set('partNumber', '1');
      partUrl.searchParams.set('uploadId', uploadId);
      const etag = await put(partUrl, body);
      if (!etag) throw new Error('UploadPart answered without an ETag');
      const steps = await timed([
        [
          canListParts ? 'ListParts+Complete' : 'Complete',
          async () => {
            const parts = canListParts
              ? await listParts(store, bucket, key.final, uploadId)
              : [{ partNumber: 1, etag }];
            await completeMultipartUpload(store, bucket, key.final, uploadId, parts);
          },
        ],
        ['HeadObject', () => checksumFinal(key.final, body.byteLength)],
        ['GetObject', () => readFinal(key.final, body.byteLength)],
      ]);
      await deleteObject(store, bucket, key.final);
      return { steps, create };
    },
  };
}

let stack: ReturnType<typeof createStack> | undefined;
// The copy-free Worker, started beside the stack's; kept as a promise so a signal during its
// start-up still disposes of it once it is up.
let copyFreeStart: ReturnType<typeof startLocalWorker> | undefined;
let sql: postgres.Sql | undefined;
let stopping: Promise<void> | undefined;
/** Stops what was started, last first, once, whether the run ended, failed or was interrupted. */
const stopAll = () =>
  (stopping ??= (async () => {
    for (const stop of [() => sql?.end(), async () => (await copyFreeStart)?.dispose(), () => stack?.stop()]) {
      await Promise.resolve()
        .then(stop)
        .catch((error: Error) => log(`stop failed: ${error.message}`));
    }
  })());
// on, not once: signal-exit (bundled in wrangler and Miniflare) re-raises a signal nobody else listens
// for, which would kill this process with its daemons still running; the libraries' exit hooks stop them.
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => void stopAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143)));
try {
  stack = createStack({
    port: await freePort(),
    env: { ...process.env, STORAGE_MANAGER_S3: s3Kind },
    workerBindings: { S3_SERVER_SIDE_COPY: 'always' },
    log: (line) => log(`[stack] ${line}`),
  });
  const running = await stack.start();
  const { auth, databaseUrl, s3 } = running;
  const copyFreePort = await freePort();
  copyFreeStart = startLocalWorker({
    port: copyFreePort,
    databaseUrl,
    s3,
    auth,
    extraBindings: { S3_SERVER_SIDE_COPY: 'never' },
  });
  await copyFreeStart;
  const workers = [
    { label: 'Worker, S3_SERVER_SIDE_COPY=always', api: running.url },
    { label: 'Worker, S3_SERVER_SIDE_COPY=never', api: `http://127.0.0.1:${copyFreePort}` },
  ];
  const database = postgres(databaseUrl, { max: 2, onnotice: () => {} });
  sql = database;
  const token = await signJwt(
    auth.privateJwk,
    supabaseClaims({ supabaseUrl: auth.supabaseUrl, ...demoUsers.contributor, lifetimeSeconds: 4 * 3600 }),
  );
  const store = localObjectStore(s3);
  const raw = s3.buckets.raw;
  const canListParts = s3Kind === 'rgw';
  const nodeOptions = options(store, raw, canListParts);

  /** POST /v1/uploads and the PUT to its URL, untimed; the submission's id. */
  async function upload(api: string, body: Buffer): Promise<string> {
    const created = await fetch(`${api}/v1/uploads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ taskId: demoTaskId, contentType, size: body.byteLength, filename: 'bench.bin' }),
    });
    const answer = (await created.json()) as {
      submissionId: string;
      method: string;
      url: string;
      headers: Record<string, string>;
    };
    if (created.status !== 201 || answer.method !== 'PUT')
      throw new Error(`POST /v1/uploads: ${created.status} ${JSON.stringify(answer)} (a single PUT was expected)`);
    await new Promise<void>((resolve, reject) => {
      const put = httpRequest(answer.url, { method: 'PUT', headers: answer.headers }, (response) => {
        response.resume();
        response.on('end', () =>
          response.statusCode === 200 ? resolve() : reject(new Error(`PUT answered ${response.statusCode}`)),
        );
      });
      put.on('error', reject);
      put.end(body);
    });
    return answer.submissionId;
  }

  /** POST /v1/uploads/{id}/complete, timed; then the final object deleted (disk, RGW's memstore). */
  async function complete(api: string, id: string, size: number): Promise<number> {
    const started = process.hrtime.bigint();
    const response = await fetch(`${api}/v1/uploads/${id}/complete`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    const answer = (await response.json()) as { submission?: { status: string; size?: number } };
    const elapsed = ms(started);
    if (response.status !== 200 || answer.submission?.status !== 'uploaded')
      throw new Error(`complete ${id}: ${response.status} ${JSON.stringify(answer)}`);
    const [{ object_key: key, size: stored }] = await database<
      [{ object_key: string; size: string | null }]
    >`select object_key, size from public.submissions where id = ${id}`;
    if (stored !== null && Number(stored) !== size) throw new Error(`complete ${id}: recorded ${stored} bytes`);
    await deleteObject(store, raw, key);
    return elapsed;
  }

  const bodies = new Map(sizes.map((size) => [size, randomBytes(size)]));
  type Option = 'copy' | 'stream' | 'multipart';
  const optionNames: Option[] = ['copy', 'stream', 'multipart'];
  const results = new Map(
    sizes.map((size) => [
      size,
      {
        workers: workers.map(() => [] as number[]),
        options: Object.fromEntries(optionNames.map((name) => [name, [] as Steps[]])) as Record<Option, Steps[]>,
        create: [] as number[],
      },
    ]),
  );

  // Warm-up, unmeasured: each Worker's first requests, the connections, the database pools.
  for (const worker of workers) await complete(worker.api, await upload(worker.api, bodies.get(sizes[0]!)!), sizes[0]!);
  for (const name of optionNames) await nodeOptions[name](bodies.get(sizes[0]!)!);

  for (let round = 0; round < rounds; round++) {
    for (const size of sizes) {
      const body = bodies.get(size)!;
      const result = results.get(size)!;
      const ids = [];
      for (const worker of workers) ids.push(await upload(worker.api, body));
      // The Workers alternate who goes first; the Node options rotate.
      const order = round % 2 ? [1, 0] : [0, 1];
      for (const index of order) result.workers[index]!.push(await complete(workers[index]!.api, ids[index]!, size));
      for (let offset = 0; offset < optionNames.length; offset++) {
        const name = optionNames[(round + offset) % optionNames.length]!;
        if (name === 'multipart') {
          const { steps, create } = await nodeOptions.multipart(body);
          result.options.multipart.push(steps);
          result.create.push(create);
        } else {
          result.options[name].push(await nodeOptions[name](body));
        }
      }
      log(
        `round ${round + 1}, ${size / MiB} MiB: complete ${result.workers.map((list) => `${list.at(-1)!.toFixed(1)} ms`).join(' / ')}; options ${optionNames.map((name) => `${name} ${result.options[name].at(-1)!.total!.toFixed(1)} ms`).join(', ')}`,
      );
    }
  }

  console.log(
    `bench:complete — ${s3.kind}, PostgreSQL, two Workers under wrangler (workerd, no inspector) on that database and S3, all on 127.0.0.1; Node's options use src/s3 against the same S3`,
  );
  console.log(
    `command: STORAGE_MANAGER_S3=${s3Kind} BENCH_COMPLETE_MIB=${sizes.map((size) => size / MiB).join(',')} BENCH_ROUNDS=${rounds} npm run bench:complete`,
  );
  console.log(
    `single-PUT uploads (size ≤ MULTIPART_THRESHOLD_BYTES, 64 MiB by default); medians of ${rounds} rounds, Workers alternating who goes first, Node's options rotating`,
  );
  const pad = (label: string, cells: string[]) =>
    console.log(`${label.padEnd(58)}${cells.map((cell) => cell.padStart(11)).join('')}`.trimEnd());
  for (const size of sizes) {
    const result = results.get(size)!;
    console.log(`\n${size / MiB} MiB (${size.toLocaleString('en')} bytes)`);
    pad('POST /v1/uploads/{id}/complete, client to answer', ['median ms', 'min ms', 'max ms', '÷always']);
    const workerMedians = result.workers.map((list) => median(list));
    for (const [index, worker] of workers.entries()) {
      const list = result.workers[index]!;
      pad(`  ${worker.label}`, [
        workerMedians[index]!.toFixed(1),
        Math.min(...list).toFixed(1),
        Math.max(...list).toFixed(1),
        `${(workerMedians[index]! / workerMedians[0]!).toFixed(2)}×`,
      ]);
    }
    pad("S3 calls of each option's completion, from Node with src/s3", ['median ms', 'min ms', 'max ms', '÷(a)']);
    const labels: Record<Option, string> = {
      copy: '  (a) CopyObject + HeadObject + GetObject (read all)',
      stream: '  (b) GetObject staged → PutObject final (one pass)',
      multipart: canListParts
        ? '  (c) ListParts + Complete + HeadObject + GetObject'
        : '  (c) Complete + HeadObject + GetObject (no ListParts*)',
    };
    const totals = Object.fromEntries(
      optionNames.map((name) => [name, median(result.options[name].map((steps) => steps.total!))]),
    ) as Record<Option, number>;
    for (const name of optionNames) {
      const list = result.options[name].map((steps) => steps.total!);
      pad(labels[name], [
        totals[name].toFixed(1),
        Math.min(...list).toFixed(1),
        Math.max(...list).toFixed(1),
        `${(totals[name] / totals.copy).toFixed(2)}×`,
      ]);
      const stepNames = Object.keys(result.options[name][0]!).filter((step) => step !== 'total');
      console.log(
        `${' '.repeat(8)}steps (median ms): ${stepNames.map((step) => `${step} ${median(result.options[name].map((steps) => steps[step]!)).toFixed(1)}`).join(', ')}`,
      );
    }
    const create = median(result.create);
    pad('  (c) at create time: CreateMultipartUpload', [
      create.toFixed(1),
      Math.min(...result.create).toFixed(1),
      Math.max(...result.create).toFixed(1),
      '',
    ]);
    pad('  (c) completion + its CreateMultipartUpload', [
      (totals.multipart + create).toFixed(1),
      '',
      '',
      `${((totals.multipart + create) / totals.copy).toFixed(2)}×`,
    ]);
  }
  if (!canListParts)
    console.log(
      `\n* ${s3.kind} answers ListParts 405 MethodNotAllowed, so (c) completes with the ETag its UploadPart answered, as a client's parts list does today; STORAGE_MANAGER_S3=rgw times ListParts too`,
    );
} finally {
  await stopAll();
}
