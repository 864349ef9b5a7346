import { env, SELF } from 'cloudflare:test';
import { crc32 } from 'node:zlib';
import postgres from 'postgres';
import type { BuildSettings } from '../../src/datasets/build';
import type { Database } from '../../src/db/client';
import { objectUrl } from '../../src/s3/addressing';
import type { ServerSideCopyMode } from '../../src/s3/server-side-copy';
import { createObjectStore, type ObjectStore } from '../../src/s3/store';
import { demoTaskId, demoUsers, signJwt, supabaseClaims, type DemoRole, type Jwk } from '../../scripts/lib/jwt';

export { demoTaskId, demoUsers };
export const signingKey = JSON.parse(env.TEST_SIGNING_KEY) as Jwk;
export const gateway = 'https://storage-manager.test';

/** A Supabase-shaped access token for a demo user; `claims` overrides or adds claims. */
export async function tokenFor(
  role: DemoRole | { userId: string; email: string },
  claims: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
) {
  const user = typeof role === 'string' ? demoUsers[role] : role;
  return signJwt(signingKey, { ...supabaseClaims({ supabaseUrl: env.SUPABASE_URL, ...user }), ...claims }, header);
}

/** Calls the Worker the way an app does: HTTP, JSON, bearer token. */
export async function call(
  method: string,
  path: string,
  options: { token?: string; json?: unknown; body?: BodyInit; headers?: Record<string, string> } = {},
) {
  const headers = new Headers(options.headers);
  if (options.token) headers.set('authorization', `Bearer ${options.token}`);
  let body = options.body;
  if (options.json !== undefined) {
    headers.set('content-type', 'application/json');
    body = JSON.stringify(options.json);
  }
  const response = await SELF.fetch(`${gateway}${path}`, { method, headers, body });
  const text = await response.text();
  let json: any;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** Asserts nothing beyond shape here; tests assert code and status themselves. */
export function errorOf(result: { json: any }): { code: string; message: string; requestId: string } {
  return result.json?.error;
}

/** A service (superuser) connection for fixtures and for checking what the database holds. */
export function serviceDatabase() {
  return postgres(env.TEST_DATABASE_URL, { max: 1, fetch_types: false, onnotice: () => {} });
}

/** A fresh contributor assigned to the demo task, so tests do not see each other's rows. */
export async function createContributor(sql: postgres.Sql, taskId = demoTaskId) {
  const userId = crypto.randomUUID();
  const email = `contributor-${userId}@test.xum-ai.app`;
  // Signing up makes a contributor (the trigger on auth.users).
  await sql`insert into auth.users (id, email) values (${userId}, ${email})`;
  await sql`insert into public.task_assignments (task_id, user_id) values (${taskId}, ${userId})`;
  return { userId, email };
}

export async function requestUpload(token: string, body: Record<string, unknown>) {
  return call('POST', '/v1/uploads', { token, json: { taskId: demoTaskId, ...body } });
}

/** PUTs bytes to a presigned URL exactly as an app would, with the headers the gateway listed. */
export async function putToPresignedUrl(url: string, headers: Record<string, string>, bytes: Uint8Array) {
  const { 'Content-Length': _length, ...rest } = headers;
  const response = await fetch(url, { method: 'PUT', headers: rest, body: bytes });
  const text = await response.text();
  return { status: response.status, text };
}

/** Create, upload and complete in one go; returns the completed submission. */
export async function uploadSubmission(token: string, bytes: Uint8Array, contentType = 'audio/webm') {
  const created = await requestUpload(token, { contentType, size: bytes.byteLength });
  if (created.status !== 201) throw new Error(`create upload: ${created.status} ${created.text}`);
  const put = await putToPresignedUrl(created.json.url, created.json.headers, bytes);
  if (put.status !== 200) throw new Error(`PUT: ${put.status} ${put.text}`);
  const completed = await call('POST', `/v1/uploads/${created.json.submissionId}/complete`, { token });
  if (completed.status !== 200) throw new Error(`complete: ${completed.status} ${completed.text}`);
  return completed.json.submission;
}

export function randomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let offset = 0; offset < length; offset += 65536)
    crypto.getRandomValues(bytes.subarray(offset, Math.min(length, offset + 65536)));
  return bytes;
}

/** The S3 handle the Worker builds from these bindings, for tests that drive the build job directly. */
export function workerObjectStore(serverSideCopy: ServerSideCopyMode = 'auto'): ObjectStore {
  return createObjectStore({
    serverSideCopy,
    endpoint: env.S3_ENDPOINT,
    region: env.S3_REGION,
    accessKeyId: env.S3_ACCESS_KEY_ID,
    secretAccessKey: env.S3_SECRET_ACCESS_KEY,
    forcePathStyle: true,
  });
}

/**
 * Approved submissions of the demo contributor with these bodies, each stored in the raw bucket
 * at its key, for tests that drive the dataset build job directly; their ids, in order.
 */
export async function seedApprovedMembers(
  sql: postgres.Sql,
  store: ObjectStore,
  bodies: readonly Uint8Array[],
): Promise<string[]> {
  const ids: string[] = [];
  for (const body of bodies) {
    const [row] = await sql<{ id: string; object_key: string }[]>`
      insert into public.submissions (task_id, contributor_id, status, content_type, declared_size, size, crc32, sha256, uploaded_at)
      values (${demoTaskId}, ${demoUsers.contributor.userId}, 'approved', 'application/octet-stream', ${body.byteLength}, ${body.byteLength}, ${crc32(body)}, ${'b'.repeat(64)}, '2026-11-01T12:00:00Z')
      returning id, object_key`;
    const put = await store.client.fetch(objectUrl(store.settings, env.BUCKET_RAW, row!.object_key), {
      method: 'PUT',
      body,
    });
    if (put.status !== 200) throw new Error(`PUT ${row!.object_key}: ${put.status}`);
    ids.push(row!.id);
  }
  return ids;
}

/** The build job's settings for these bindings, as the queue consumer makes them, with ten minutes to run. */
export function buildSettingsFor(store: ObjectStore, database: Database, subrequestBudget = 20_000): BuildSettings {
  return {
    store,
    database,
    rawBucket: env.BUCKET_RAW,
    processedBucket: env.BUCKET_PROCESSED,
    concurrency: 4,
    deadline: Date.now() + 600_000,
    maxFailedAttempts: 5,
    subrequestBudget,
  };
}
