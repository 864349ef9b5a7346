// `npm run smoke -- --api URL`: checks a running gateway (a deployment, or `npm start`) end to end
// as its users meet it, prints one row per check and exits 1 if any failed (2 on bad usage).
//
// Tokens come from the environment, never argv, where `ps` and shell history would show them:
//   SMOKE_TOKEN           a contributor assigned to the smoke task
//   SMOKE_REVIEWER_TOKEN  a validator (another user), who rejects the smoke submission afterwards
//   SMOKE_TASK_ID         the designated smoke task; it must accept application/octet-stream
//   SMOKE_ASSET_KEY       an object that exists in the assets bucket
//
// Each run leaves one small rejected submission in the smoke task: completing an upload is the
// check, and a completed submission can only be reviewed, not deleted, by any API path. Rejected,
// it never reaches a dataset or a validator's queue of uploaded work.
import { createHash, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';

const usage = `usage: SMOKE_TOKEN=… SMOKE_REVIEWER_TOKEN=… SMOKE_TASK_ID=… SMOKE_ASSET_KEY=… npm run smoke -- --api URL`;
const requestTimeoutMs = 15_000;
// The asset route stores a miss in the cache after answering (ctx.waitUntil), so the second
// request may come before the entry is written: it is retried a few times before it counts as a miss.
const hitAttempts = 10;
const hitRetryMs = 300;
const contentType = 'application/octet-stream';

function fail(message: string): never {
  process.stderr.write(`${message}\n${usage}\n`);
  process.exit(2);
}

let options: { api?: string };
try {
  ({ values: options } = parseArgs({ options: { api: { type: 'string' } }, strict: true, allowPositionals: false }));
} catch (error) {
  if (process.argv.some((argument) => /token/i.test(argument)))
    fail('tokens are read from SMOKE_TOKEN and SMOKE_REVIEWER_TOKEN, never from the command line');
  fail((error as Error).message);
}
let api: URL;
try {
  api = new URL(options.api ?? '');
  if (api.protocol !== 'https:' && api.protocol !== 'http:') throw new Error('not http(s)');
} catch {
  fail("--api must be the gateway's http(s) URL");
}
const env = {
  token: process.env.SMOKE_TOKEN,
  reviewerToken: process.env.SMOKE_REVIEWER_TOKEN,
  taskId: process.env.SMOKE_TASK_ID,
  assetKey: process.env.SMOKE_ASSET_KEY,
};
const missing = Object.entries({
  SMOKE_TOKEN: env.token,
  SMOKE_REVIEWER_TOKEN: env.reviewerToken,
  SMOKE_TASK_ID: env.taskId,
  SMOKE_ASSET_KEY: env.assetKey,
})
  .filter(([, value]) => !value)
  .map(([name]) => name);
if (missing.length > 0) fail(`missing ${missing.join(', ')}`);

/** A gateway answer: status, headers, the body's bytes, and the body parsed when it is JSON. */
interface Answer {
  status: number;
  headers: Headers;
  bytes: Uint8Array;
  // biome-ignore lint/suspicious/noExplicitAny: each check reads the fields it expects and fails on any other shape
  body: any;
}

/** One HTTP exchange with the gateway; JSON bodies parsed, nothing else kept but the bytes. */
async function request(
  path: string,
  { method = 'GET', token, json }: { method?: string; token?: string; json?: unknown } = {},
): Promise<Answer> {
  const headers = new Headers();
  if (token) headers.set('authorization', `Bearer ${token}`);
  if (json !== undefined) headers.set('content-type', 'application/json');
  const response = await fetch(new URL(path, api), {
    method,
    headers,
    body: json === undefined ? undefined : JSON.stringify(json),
    redirect: 'manual',
    signal: AbortSignal.timeout(requestTimeoutMs),
  });
  const bytes = new Uint8Array(await response.arrayBuffer());
  let body: Answer['body'];
  try {
    body = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, bytes, body };
}

/** Throws unless the answer has this status; the message is the gateway's own envelope, which names no secret. */
function expectStatus(result: Answer, status: number): void {
  if (result.status === status) return;
  const error = result.body?.error;
  throw new Error(`${result.status}${error ? ` ${error.code}: ${error.message}` : ''}`);
}

function describeError(thrown: unknown): string {
  const error = thrown as { name?: string; message?: string; cause?: { code?: string; message?: string } } | undefined;
  if (error?.name === 'TimeoutError') return `no answer within ${requestTimeoutMs / 1000} s`;
  const cause = error?.cause;
  return cause?.code ?? cause?.message ?? error?.message ?? String(thrown);
}

const results: { name: string; status: 'ok' | 'FAILED' | 'skipped'; ms: number; detail: string }[] = [];
/** Runs one check; `work` returns the detail to print, or throws why it failed. */
async function check(name: string, work: () => Promise<string | undefined>): Promise<boolean> {
  const started = performance.now();
  try {
    const detail = await work();
    results.push({ name, status: 'ok', ms: Math.round(performance.now() - started), detail: detail ?? '' });
    return true;
  } catch (error) {
    results.push({ name, status: 'FAILED', ms: Math.round(performance.now() - started), detail: describeError(error) });
    return false;
  }
}
const skip = (name: string, reason: string) => results.push({ name, status: 'skipped', ms: 0, detail: reason });

// The same canonical encoding as the gateway's cache key (src/sign/object-store.ts, encodeKey):
// each segment percent-encoded per RFC 3986, so the smoke test reads the entry apps read.
const encodeKey = (key: string) =>
  key
    .split('/')
    .map((segment) =>
      encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
    )
    .join('/');
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

await check('healthz', async () => {
  const result = await request('/healthz');
  expectStatus(result, 200);
  if (result.body?.ok !== true) throw new Error('200 without {"ok":true}');
  return '200';
});

await check('readyz', async () => {
  const result = await request('/readyz');
  expectStatus(result, 200);
  if (result.body?.status !== 'ready') throw new Error('200 without "status":"ready"');
  return `200 ${Object.keys(result.body.checks ?? {}).join(', ')}`;
});

await check('tasks', async () => {
  const result = await request('/v1/tasks', { token: env.token });
  expectStatus(result, 200);
  if (!result.body?.tasks?.some((task: { id: string }) => task.id === env.taskId))
    throw new Error(`200, but SMOKE_TASK_ID is not among the caller's ${result.body?.tasks?.length ?? 0} open tasks`);
  return `200, ${result.body.tasks.length} open`;
});

// A small upload of known bytes: presign, PUT straight to S3, complete (the gateway checksums it).
const payload = new TextEncoder().encode(`storage-manager smoke test ${new Date().toISOString()} ${randomUUID()}\n`);
let upload: { submissionId: string; url: string; headers: Record<string, string> } | undefined;
let completed = false;
const presigned = await check('upload: presign', async () => {
  const result = await request('/v1/uploads', {
    method: 'POST',
    token: env.token,
    json: { taskId: env.taskId, contentType, size: payload.byteLength, filename: 'smoke-test.txt' },
  });
  expectStatus(result, 201);
  if (result.body.method !== 'PUT') throw new Error(`201 with method ${result.body.method}, expected PUT`);
  const created: NonNullable<typeof upload> = result.body;
  upload = created;
  return `201 ${created.submissionId}`;
});
const put =
  presigned &&
  (await check('upload: PUT to S3', async () => {
    // fetch sets Content-Length from the body; the signed value is the same.
    const { 'Content-Length': _length, ...headers } = upload!.headers;
    const response = await fetch(upload!.url, {
      method: 'PUT',
      headers,
      body: payload,
      signal: AbortSignal.timeout(requestTimeoutMs),
    });
    await response.arrayBuffer();
    // Only the status: S3's error document and the signed URL stay out of the output.
    if (response.status !== 200) throw new Error(`S3 answered ${response.status}`);
    return '200';
  }));
if (!presigned) skip('upload: PUT to S3', 'no upload URL');
if (put) {
  await check('upload: complete', async () => {
    const result = await request(`/v1/uploads/${upload!.submissionId}/complete`, { method: 'POST', token: env.token });
    expectStatus(result, 200);
    const submission = result.body.submission;
    if (submission?.status !== 'uploaded') throw new Error(`200 with status ${submission?.status}`);
    if (submission.size !== payload.byteLength || submission.sha256 !== sha256(payload))
      throw new Error('200, but the recorded size or SHA-256 differs from the bytes sent');
    completed = true;
    return '200 size and SHA-256 match';
  });
} else {
  skip('upload: complete', 'nothing uploaded');
}

// Cleanup: a completed submission is rejected by the reviewer; one never completed is aborted.
if (upload) {
  const created = upload;
  await check('upload: cleanup', async () => {
    if (!completed) {
      const aborted = await request(`/v1/uploads/${created.submissionId}`, { method: 'DELETE', token: env.token });
      if (aborted.status === 200) return 'aborted';
      // 409: it was completed after all (the answer to complete was lost); reject it instead.
      if (aborted.status !== 409) expectStatus(aborted, 200);
    }
    const reviewed = await request(`/v1/submissions/${created.submissionId}/review`, {
      method: 'POST',
      token: env.reviewerToken,
      json: { decision: 'reject', note: 'smoke test (npm run smoke): not a real submission' },
    });
    expectStatus(reviewed, 200);
    return 'rejected';
  });
} else {
  skip('upload: cleanup', 'nothing created');
}

// The asset twice: the first answer is a MISS, or a HIT when someone read it recently (query
// strings are not part of the cache key, so the cache cannot be bypassed); the second must be a HIT.
const assetPath = `/assets/${encodeKey(env.assetKey!)}`;
let first: { cache: string; etag: string | null; digest: string } | undefined;
const assetOk = await check('asset', async () => {
  const result = await request(assetPath);
  expectStatus(result, 200);
  const cache = result.headers.get('x-cache');
  if (cache !== 'MISS' && cache !== 'HIT') throw new Error(`200 with X-Cache ${cache}`);
  first = { cache, etag: result.headers.get('etag'), digest: sha256(result.bytes) };
  return `200 ${cache}, ${result.bytes.byteLength} bytes`;
});
if (assetOk && first) {
  const earlier = first;
  await check('asset again', async () => {
    for (let attempt = 1; ; attempt++) {
      const result = await request(assetPath);
      expectStatus(result, 200);
      if (result.headers.get('etag') !== earlier.etag || sha256(result.bytes) !== earlier.digest)
        throw new Error('200, but other bytes than the first answer');
      const cache = result.headers.get('x-cache');
      if (cache === 'HIT') return `200 ${earlier.cache}→HIT${attempt > 1 ? ` (attempt ${attempt})` : ''}`;
      if (attempt === hitAttempts)
        throw new Error(`still X-Cache ${cache} after ${hitAttempts} requests: the cache stores nothing`);
      await new Promise((resolve) => setTimeout(resolve, hitRetryMs));
    }
  });
} else {
  skip('asset again', 'no first answer');
}

const columns = ['check', 'status', 'ms', 'detail'];
const rows = results.map((result) => [result.name, result.status, String(result.ms), result.detail]);
const widths = columns.map((column, index) => Math.max(column.length, ...rows.map((row) => row[index]!.length)));
const line = (cells: string[]) =>
  cells
    .map((cell, index) => (index === 2 ? cell.padStart(widths[index]!) : cell.padEnd(widths[index]!)))
    .join('  ')
    .trimEnd();
process.stdout.write(`smoke test of ${api.origin}\n${line(columns)}\n${rows.map(line).join('\n')}\n`);
const failed = results.filter((result) => result.status !== 'ok');
process.stdout.write(
  failed.length === 0
    ? `all ${results.length} checks passed\n`
    : `${failed.length} of ${results.length} checks did not pass\n`,
);
process.exit(failed.length === 0 ? 0 : 1);
