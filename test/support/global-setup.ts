import { createServer, type Server } from 'node:http';
import type { TestProject } from 'vitest/node';
import { migrate } from '../../scripts/lib/database';
import { generateSigningKey, type Jwk } from '../../scripts/lib/jwt';
import { freePort } from '../../scripts/lib/ports';
import { startPostgres } from '../../scripts/lib/postgres';
import { startRgw } from '../../scripts/lib/rgw';
import { startS3rver } from '../../scripts/lib/s3rver';
import { startS3Proxy } from './s3-proxy';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    s3Kind: string;
    s3Endpoint: string;
    s3Region: string;
    s3AccessKeyId: string;
    s3SecretAccessKey: string;
    supabaseUrl: string;
    signingKey: Jwk;
    bundleSigningSecret: string;
  }
}

/**
 * A loopback server for what the tests need besides Postgres and S3:
 *  - Supabase Auth's public endpoints: the JWKS at `/auth/v1/.well-known/jwks.json`, and 401 for
 *    anything else (as Auth answers getUser for a token it did not issue); every such request is
 *    counted, so tests can show which tokens were refused without any network call;
 *  - `/__requests` and `/__s3-requests`: what Auth and the S3 server (through the logging proxy)
 *    have been asked so far;
 *  - `/hang-bucket` and `/hang-bucket/...`: an "S3" that accepts the connection and never answers, for timeouts;
 *  - `/projects/<id>/auth/v1/...`: the same for a project of a test's own (SUPABASE_URL =
 *    `<control>/projects/<id>`), whose JWKS and answer status the test sets, and changes to
 *    rotate keys, with `PUT /__projects/<id>` and `{ jwks?, status? }`. Its requests are counted
 *    in `/__requests` too.
 */
async function startControlServer(
  jwks: unknown,
  s3Requests: () => { method: string; url: string }[],
): Promise<{ url: string; server: Server }> {
  const authRequests: string[] = [];
  const projects = new Map<string, { jwks: unknown; status: number }>();
  const server = createServer(async (request, response) => {
    const json = (status: number, body: unknown) =>
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (request.url === '/__requests') return json(200, authRequests);
    if (request.url === '/__s3-requests') return json(200, s3Requests());
    if (request.url === '/hang-bucket' || request.url?.startsWith('/hang-bucket/')) return;
    const setting = /^\/__projects\/([\w-]+)$/.exec(request.url ?? '');
    if (setting && request.method === 'PUT') {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const { jwks: projectJwks = { keys: [] }, status = 200 } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      projects.set(setting[1]!, { jwks: projectJwks, status });
      return response.writeHead(204).end();
    }
    authRequests.push(`${request.method} ${request.url}`);
    if (request.url === '/auth/v1/.well-known/jwks.json') return json(200, jwks);
    const project = /^\/projects\/([\w-]+)\/auth\/v1\/\.well-known\/jwks\.json$/.exec(request.url ?? '');
    if (project && request.method === 'GET') {
      const { jwks: projectJwks, status } = projects.get(project[1]!) ?? { jwks: { keys: [] }, status: 200 };
      return status === 200 ? json(200, projectJwks) : json(status, { message: 'unavailable' });
    }
    return json(401, { code: 401, msg: 'invalid JWT' });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${port}`, server };
}

/** s3rver by default; Ceph RGW, the S3 implementation closest to production, for `npm run test:rgw`. */
function startS3() {
  const kind = process.env.STORAGE_MANAGER_S3 ?? 's3rver';
  if (kind === 'rgw') return startRgw();
  if (kind === 's3rver') return startS3rver();
  throw new Error(`STORAGE_MANAGER_S3 must be s3rver or rgw, not ${kind}`);
}

export default async function setup(project: TestProject) {
  const [database, s3, key] = await Promise.all([startPostgres(), startS3(), generateSigningKey()]);
  // From here on, a failure must still stop what already runs.
  const stops: (() => Promise<unknown>)[] = [() => database.stop(), () => s3.stop()];
  const stopAll = async () => {
    await Promise.all(stops.map((stop) => stop()));
  };
  try {
    // The Worker (and the tests) reach S3 only through the proxy, which logs every request.
    const proxy = await startS3Proxy(s3.endpoint);
    stops.push(() => proxy.stop());
    const control = await startControlServer(key.jwks, proxy.requestLog);
    stops.push(async () => {
      control.server.closeAllConnections();
      await new Promise((resolve) => control.server.close(resolve));
    });
    await migrate(database.url);
    project.provide('databaseUrl', database.url);
    project.provide('s3Kind', s3.kind);
    project.provide('s3Endpoint', proxy.url);
    project.provide('s3Region', s3.region);
    project.provide('s3AccessKeyId', s3.accessKeyId);
    project.provide('s3SecretAccessKey', s3.secretAccessKey);
    project.provide('supabaseUrl', control.url);
    project.provide('signingKey', key.privateJwk);
    project.provide('bundleSigningSecret', `${crypto.randomUUID()}${crypto.randomUUID()}`);
  } catch (error) {
    await stopAll();
    throw error;
  }
  return stopAll;
}
