import { createServer } from 'node:http';
import { listenOnLoopback } from '../../scripts/lib/ports';

/**
 * Supabase Auth's public endpoints on loopback, for the integration tests (SUPABASE_URL):
 *  - the JWKS at `/auth/v1/.well-known/jwks.json`, and 401 for anything else (as Auth answers
 *    getUser for a token it did not issue);
 *  - `/projects/<id>/auth/v1/...`: the same for a project of a test's own (SUPABASE_URL =
 *    `<url>/projects/<id>`), whose JWKS and answer status the test sets, and changes to rotate
 *    keys, with `PUT /__projects/<id>` and `{ jwks?, status? }`;
 *  - `/__requests`: every Auth request so far (method and path), so tests can show which tokens
 *    were refused without any network call.
 */
export async function startFakeSupabaseAuth(jwks: unknown): Promise<{ url: string; stop(): Promise<void> }> {
  const authRequests: string[] = [];
  const projects = new Map<string, { jwks: unknown; status: number }>();
  const server = createServer(async (request, response) => {
    const json = (status: number, body: unknown) =>
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (request.url === '/__requests') return json(200, authRequests);
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
  return listenOnLoopback(server);
}
