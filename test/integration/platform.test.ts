import { createExecutionContext, env, SELF, waitOnExecutionContext } from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import worker from '../../src/worker';
import {
  call,
  createContributor,
  demoTaskId,
  errorOf,
  gateway,
  putToPresignedUrl,
  requestUpload,
  serviceDatabase,
  tokenFor,
} from '../support/integration-helpers';

afterEach(() => vi.restoreAllMocks());

describe('health and the API document', () => {
  it('GET /healthz answers', async () => {
    const result = await call('GET', '/healthz');
    expect(result.status).toBe(200);
    expect(result.json).toEqual({ ok: true });
  });

  it('GET /openapi.json is OpenAPI 3.1, generated from the route schemas', async () => {
    const { json } = await call('GET', '/openapi.json');
    expect(json.openapi).toBe('3.1.0');
    expect(Object.keys(json.paths).sort()).toEqual([
      '/assets/{key}',
      '/healthz',
      '/readyz',
      '/v1/access-log',
      '/v1/bundles',
      '/v1/bundles/{id}/download',
      '/v1/companies',
      '/v1/datasets',
      '/v1/datasets/{id}',
      '/v1/datasets/{id}/download-url',
      '/v1/datasets/{id}/grants',
      '/v1/datasets/{id}/grants/{companyId}',
      '/v1/datasets/{id}/retry',
      '/v1/submissions',
      '/v1/submissions/{id}',
      '/v1/submissions/{id}/review',
      '/v1/submissions/{id}/view-url',
      '/v1/tasks',
      '/v1/tasks/{id}',
      '/v1/tasks/{id}/assignments',
      '/v1/tasks/{id}/assignments/{userId}',
      '/v1/uploads',
      '/v1/uploads/{id}',
      '/v1/uploads/{id}/complete',
      '/v1/uploads/{id}/parts',
      '/v1/users',
      '/v1/users/{id}/role',
    ]);
    // Administration is part of the API, not a side door.
    expect(Object.keys(json.paths['/v1/tasks']).sort()).toEqual(['get', 'post']);
    expect(Object.keys(json.paths['/v1/companies']).sort()).toEqual(['get', 'post']);
    expect(Object.keys(json.paths['/v1/tasks/{id}/assignments/{userId}']).sort()).toEqual(['delete', 'put']);
    expect(json.components.schemas.SetUserRoleRequest.properties.role.enum).toEqual([
      'contributor',
      'validator',
      'admin',
      'company',
    ]);
    const createUpload = json.paths['/v1/uploads'].post;
    const body = createUpload.requestBody.content['application/json'].schema;
    expect(json.components.schemas.CreateUploadRequest.required.sort()).toEqual(['contentType', 'size', 'taskId']);
    expect(json.components.schemas.CreateUploadRequest.additionalProperties).toBe(false);
    expect(body.$ref).toBe('#/components/schemas/CreateUploadRequest');
    expect(Object.keys(createUpload.responses)).toEqual(
      expect.arrayContaining(['201', '400', '401', '403', '404', '413']),
    );
    expect(json.components.schemas.CreateDatasetRequest.properties.name.pattern).toBe(
      '^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$',
    );
    expect(Object.keys(json.paths['/v1/datasets'].post.responses)).toEqual(
      expect.arrayContaining(['202', '400', '403']),
    );
    expect(json.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
  });
});

describe('errors and request ids', () => {
  it('an unknown route is a 404 in the envelope, with the request id echoed', async () => {
    const result = await call('GET', '/v1/nothing-here');
    expect(result.status).toBe(404);
    expect(errorOf(result)).toEqual({
      code: 'not_found',
      message: 'no such route',
      requestId: result.headers.get('x-request-id'),
    });
  });

  it('every response carries X-Request-Id; a safe incoming id is kept, an unsafe one replaced', async () => {
    const kept = await call('GET', '/healthz', { headers: { 'x-request-id': 'trace-0123456789' } });
    expect(kept.headers.get('x-request-id')).toBe('trace-0123456789');
    const replaced = await call('GET', '/healthz', { headers: { 'x-request-id': 'bad id "} injected' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const failed = await call('GET', '/v1/tasks');
    expect(failed.headers.get('x-request-id')).toBe(errorOf(failed).requestId);
  });
});

describe('CORS', () => {
  const preflight = (origin: string) =>
    SELF.fetch(`${gateway}/v1/uploads`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });

  it('answers preflights for configured origins and lets the browser cache them', async () => {
    for (const origin of ['https://app.xum-ai.app', 'https://review.eu.xum-ai.app', 'http://localhost:5173']) {
      const response = await preflight(origin);
      expect(response.status).toBe(204);
      expect(response.headers.get('access-control-allow-origin')).toBe(origin);
      expect(response.headers.get('access-control-allow-methods')).toContain('POST');
      expect(response.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
      expect(response.headers.get('access-control-max-age')).toBe('600');
    }
  });

  it('allows the administration methods, so a browser console can change roles, tasks and assignments', async () => {
    const task = '00000000-0000-4000-8000-0000000e0001';
    const user = '00000000-0000-4000-8000-0000000a0001';
    for (const [method, path] of [
      ['PATCH', `/v1/tasks/${task}`],
      ['PUT', `/v1/users/${user}/role`],
      ['PUT', `/v1/tasks/${task}/assignments/${user}`],
      ['DELETE', `/v1/tasks/${task}/assignments/${user}`],
    ] as const) {
      const response = await SELF.fetch(`${gateway}${path}`, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://app.xum-ai.app',
          'access-control-request-method': method,
          'access-control-request-headers': 'authorization, content-type',
        },
      });
      expect(response.status, `${method} ${path}`).toBe(204);
      expect(response.headers.get('access-control-allow-origin')).toBe('https://app.xum-ai.app');
      const allowed = (response.headers.get('access-control-allow-methods') ?? '').split(/\s*,\s*/);
      expect(allowed, `${method} ${path}`).toContain(method);
    }
  });

  it('gives other origins no CORS headers', async () => {
    for (const origin of [
      'https://xum-ai.app.evil.example',
      'https://evilxum-ai.app',
      'http://localhost.evil.example',
      'https://localhost:3000',
    ]) {
      const response = await preflight(origin);
      expect(response.headers.get('access-control-allow-origin'), origin).toBeNull();
      const simple = await SELF.fetch(`${gateway}/openapi.json`, { headers: { origin } });
      expect(simple.headers.get('access-control-allow-origin'), origin).toBeNull();
    }
    const allowed = await SELF.fetch(`${gateway}/openapi.json`, { headers: { origin: 'https://app.xum-ai.app' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.xum-ai.app');
    expect(allowed.headers.get('access-control-expose-headers')).toContain('X-Request-Id');
  });
});

describe('logs', () => {
  it('one JSON line per request, without tokens, signed URLs or keys', async () => {
    const contributor = await createContributor(serviceDatabaseOnce());
    const token = await tokenFor(contributor);
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' ')));
    const created = await requestUpload(token, { contentType: 'audio/webm', size: 3 });
    await call('GET', '/v1/tasks', { token: 'forged.token.value' });
    vi.restoreAllMocks();

    const requestLines = lines.map((line) => JSON.parse(line)).filter((entry) => entry.msg === 'request');
    expect(requestLines).toHaveLength(2);
    expect(requestLines[0]).toMatchObject({
      method: 'POST',
      route: '/v1/uploads',
      status: 201,
      principal: contributor.userId,
      requestId: expect.any(String),
      ms: expect.any(Number),
    });
    expect(requestLines[1]).toMatchObject({ method: 'GET', route: '/v1/tasks', status: 401, principal: null });
    const everything = lines.join('\n');
    expect(everything).not.toContain(token);
    expect(everything).not.toContain('forged.token.value');
    expect(everything).not.toContain('X-Amz-Signature');
    expect(everything).not.toContain(created.json.submissionId);
  });
});

let serviceSql: ReturnType<typeof serviceDatabase> | undefined;
function serviceDatabaseOnce() {
  serviceSql ??= serviceDatabase();
  return serviceSql;
}

describe('upstream failures', () => {
  async function callWith(overrides: Partial<typeof env>, method: string, path: string, token: string) {
    const ctx = createExecutionContext();
    const response = await worker.fetch(
      new Request(`${gateway}${path}`, { method, headers: { authorization: `Bearer ${token}` } }),
      { ...env, ...overrides },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    return { status: response.status, text: await response.text() };
  }

  it('Postgres down → 503 in the envelope, no stack trace', async () => {
    const down = {
      HYPERDRIVE: {
        ...env.HYPERDRIVE,
        connectionString: 'postgres://postgres:postgres@127.0.0.1:1/postgres',
      } as Hyperdrive,
    };
    const result = await callWith(down, 'GET', '/v1/tasks', await tokenFor('contributor'));
    expect(result.status).toBe(503);
    const body = JSON.parse(result.text);
    expect(body.error).toMatchObject({
      code: 'upstream_unavailable',
      message: 'a storage service is unavailable, try again shortly',
    });
    expect(result.text).not.toMatch(/ECONNREFUSED|at |postgres:\/\//);
  });

  it('S3 down → 502 in the envelope, no XML, and the submission stays pending and completable', async () => {
    const contributor = await createContributor(serviceDatabaseOnce());
    const token = await tokenFor(contributor);
    const created = await requestUpload(token, { contentType: 'audio/webm', size: 3 });
    await putToPresignedUrl(created.json.url, created.json.headers, new Uint8Array([1, 2, 3]));
    const result = await callWith(
      { S3_ENDPOINT: 'http://127.0.0.1:1' },
      'POST',
      `/v1/uploads/${created.json.submissionId}/complete`,
      token,
    );
    expect(result.status).toBe(502);
    expect(JSON.parse(result.text).error).toMatchObject({
      code: 'bad_gateway',
      message: 'object storage failed to answer',
    });
    expect(result.text).not.toContain('<');
    const [row] =
      await serviceDatabaseOnce()`select status, completion_lease from public.submissions where id = ${created.json.submissionId}`;
    // The failed attempt gave its completion lease back, so a retry proceeds at once.
    expect(row).toEqual({ status: 'pending', completion_lease: null });
    const retried = await callWith({}, 'POST', `/v1/uploads/${created.json.submissionId}/complete`, token);
    expect(retried.status).toBe(200);
    expect(JSON.parse(retried.text).submission).toMatchObject({ status: 'uploaded', size: 3 });
  });

  it('S3 refusing our credentials → 502, never its XML', async () => {
    const contributor = await createContributor(serviceDatabaseOnce());
    const token = await tokenFor(contributor);
    const created = await requestUpload(token, { contentType: 'audio/webm', size: 3 });
    await putToPresignedUrl(created.json.url, created.json.headers, new Uint8Array([1, 2, 3]));
    const result = await callWith(
      { S3_SECRET_ACCESS_KEY: 'wrong' },
      'POST',
      `/v1/uploads/${created.json.submissionId}/complete`,
      token,
    );
    expect(result.status).toBe(502);
    expect(JSON.parse(result.text).error.code).toBe('bad_gateway');
    expect(result.text).not.toContain('SignatureDoesNotMatch');
    await serviceDatabaseOnce().end();
    serviceSql = undefined;
  });

  it('a misconfigured Worker answers a generic 500 and names no secret', async () => {
    const result = await callWith({ S3_ENDPOINT: 'not a url' }, 'GET', '/v1/tasks', 'x');
    expect(result.status).toBe(500);
    expect(JSON.parse(result.text).error).toMatchObject({ code: 'internal', message: 'internal error' });
    expect(demoTaskId).toBeTruthy();
  });
});
