import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { spawn } from 'node:child_process';
import { crc32 } from 'node:zlib';
import { AwsV4Signer } from 'aws4fetch';
import postgres from 'postgres';
import { demoTaskId, demoUsers, signJwt, supabaseClaims, type DemoRole } from '../../scripts/lib/jwt.mjs';
import { freePort } from '../../scripts/lib/ports.mjs';
import { startS3rver } from '../../scripts/lib/s3.mjs';
import { createStack } from '../../scripts/lib/stack.mjs';
import { startFaultProxy } from './fault-proxy';

export interface Seeded {
  id: string;
  objectKey: string;
  size: number;
  sha256: string | null;
}

export interface BodySpec {
  size: number;
  chunks: () => Iterable<Uint8Array>;
  crc32: number;
  sha256: string | null;
}

/**
 * The local stack as apps meet it, for tests in Node: S3 behind a fault-injecting proxy, PostgreSQL,
 * and the Worker under wrangler over real HTTP. Everything started here is stopped by stop().
 */
export async function startHarness(options: { workerBindings?: Record<string, string> } = {}) {
  const s3 = await startS3rver();
  const proxy = await startFaultProxy(s3.endpoint);
  const stack = createStack({
    port: await freePort(),
    env: { S3_ENDPOINT: proxy.url, S3_ACCESS_KEY_ID: s3.accessKeyId, S3_SECRET_ACCESS_KEY: s3.secretAccessKey, S3_REGION: s3.region, S3_FORCE_PATH_STYLE: 'true' },
    workerBindings: options.workerBindings,
  });
  const started = await stack.start();
  const sql = postgres(started.databaseUrl, { max: 2, onnotice: () => {} });
  const tokenFor = (role: DemoRole) => signJwt(started.auth.privateJwk, supabaseClaims({ supabaseUrl: started.auth.supabaseUrl, ...demoUsers[role] }));

  /** PUTs a body straight to the S3 server (not through the proxy), streamed with its exact length. */
  async function putObject(key: string, size: number, chunks: Iterable<Uint8Array>) {
    const signer = new AwsV4Signer({ method: 'PUT', url: `${s3.endpoint}/${s3.buckets.raw}/${key}`, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, service: 's3', region: s3.region, signQuery: true });
    const { url } = await signer.sign();
    await new Promise<void>((resolve, reject) => {
      const put = httpRequest(url, { method: 'PUT', headers: { 'content-length': String(size), 'content-type': 'application/octet-stream' } }, (response) => {
        response.resume();
        response.on('end', () => (response.statusCode === 200 ? resolve() : reject(new Error(`PUT ${key}: ${response.statusCode}`))));
      });
      put.on('error', reject);
      (async () => {
        for (const chunk of chunks) if (!put.write(chunk)) await new Promise((drain) => put.once('drain', drain));
        put.end();
      })().catch(reject);
    });
  }

  /** Approved submissions with their objects in the bucket, as review would leave them. */
  async function seedApproved(bodies: (BodySpec | Uint8Array)[]): Promise<Seeded[]> {
    const seeded: Seeded[] = [];
    for (const body of bodies) {
      const spec: BodySpec = body instanceof Uint8Array
        ? { size: body.byteLength, chunks: () => [body], crc32: crc32(body), sha256: createHash('sha256').update(body).digest('hex') }
        : body;
      const [row] = await sql`
        insert into public.submissions (task_id, contributor_id, status, content_type, declared_size, size, crc32, sha256, uploaded_at)
        values (${demoTaskId}, ${demoUsers.contributor.userId}, 'approved', 'application/octet-stream', ${spec.size}, ${spec.size}, ${spec.crc32}, ${spec.sha256}, '2026-11-01T12:00:00Z')
        returning id, object_key`;
      await putObject(row!.object_key, spec.size, spec.chunks());
      seeded.push({ id: row!.id, objectKey: row!.object_key, size: spec.size, sha256: spec.sha256 });
    }
    return seeded;
  }

  return {
    api: started.url,
    s3,
    proxy,
    sql,
    tokenFor,
    putObject,
    seedApproved,
    async stop() {
      await sql.end();
      await stack.stop();
      await proxy.stop();
      await s3.stop();
    },
  };
}

export type Harness = Awaited<ReturnType<typeof startHarness>>;

/**
 * A child process, asynchronously: S3, the proxy and wrangler's Hyperdrive stand-in live in this
 * process, and a synchronous spawn would stop them from answering.
 */
export function run(command: string, args: string[], options: { env?: NodeJS.ProcessEnv } = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env, cwd: new URL('../../', import.meta.url).pathname });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
