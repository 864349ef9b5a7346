import { createServer, type Server } from 'node:http';
import type { TestProject } from 'vitest/node';
import { migrate } from '../scripts/lib/database.mjs';
import { generateSigningKey, type Jwk } from '../scripts/lib/jwt.mjs';
import { freePort } from '../scripts/lib/ports.mjs';
import { startPostgres } from '../scripts/lib/postgres.mjs';
import { startS3rver } from '../scripts/lib/s3.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    s3Endpoint: string;
    supabaseUrl: string;
    signingKey: Jwk;
  }
}

/**
 * Stands in for Supabase Auth's public endpoints: serves the JWKS the way
 * `/auth/v1/.well-known/jwks.json` does and counts every request, so tests can show which
 * tokens were refused without any network call. Anything else (getUser's `/auth/v1/user`)
 * answers 401, as Auth does for a token it did not issue.
 */
async function startAuthServer(jwks: unknown): Promise<{ url: string; server: Server }> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    if (request.url === '/__requests') {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(requests));
      return;
    }
    requests.push(`${request.method} ${request.url}`);
    if (request.url === '/auth/v1/.well-known/jwks.json') {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks));
      return;
    }
    response.writeHead(401, { 'content-type': 'application/json' }).end('{"code":401,"msg":"invalid JWT"}');
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${port}`, server };
}

export default async function setup(project: TestProject) {
  const [database, s3, key] = await Promise.all([startPostgres(), startS3rver(), generateSigningKey()]);
  const auth = await startAuthServer(key.jwks);
  await migrate(database.url);
  project.provide('databaseUrl', database.url);
  project.provide('s3Endpoint', s3.endpoint);
  project.provide('supabaseUrl', auth.url);
  project.provide('signingKey', key.privateJwk);
  return async () => {
    await new Promise((resolve) => auth.server.close(resolve));
    await Promise.all([database.stop(), s3.stop()]);
  };
}
