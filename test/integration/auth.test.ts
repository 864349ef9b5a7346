import { env } from 'cloudflare:test';
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { afterAll, describe, expect, it } from 'vitest';
import worker from '../../src/worker';
import { encodeSegment, generateSigningKey, signJwt } from '../../scripts/lib/jwt';
import {
  call,
  createContributor,
  demoUsers,
  errorOf,
  gateway,
  requestUpload,
  serviceDatabase,
  signingKey,
  tokenFor,
} from '../support/integration-helpers';

const sql = serviceDatabase();
afterAll(() => sql.end());

/** What the stand-in Supabase Auth server has been asked so far. */
async function authServerRequests(): Promise<string[]> {
  return (await fetch(`${env.TEST_AUTH_SERVER}/__requests`)).json();
}

async function expectRefused(token: string | undefined, headers: Record<string, string> = {}) {
  const result = await call('GET', '/v1/tasks', { token, headers });
  expect(result.status).toBe(401);
  // One message for every reason, so a caller cannot tell which check failed.
  expect(errorOf(result)).toMatchObject({ code: 'unauthorized', message: 'missing or invalid access token' });
  expect(result.headers.get('www-authenticate')).toBe('Bearer realm="storage-manager"');
}

function base64url(bytes: Uint8Array) {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

async function hs256Token(payload: Record<string, unknown>, kid?: string) {
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode('a-shared-secret'),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const input = `${encodeSegment({ alg: 'HS256', typ: 'JWT', ...(kid ? { kid } : {}) })}.${encodeSegment(payload)}`;
  return `${input}.${base64url(new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(input))))}`;
}

describe('tokens', () => {
  it('a valid token is verified against the JWKS from SUPABASE_URL, which is then cached', async () => {
    expect((await call('GET', '/v1/tasks', { token: await tokenFor('contributor') })).status).toBe(200);
    const jwksFetches = (await authServerRequests()).filter(
      (line) => line === 'GET /auth/v1/.well-known/jwks.json',
    ).length;
    expect(jwksFetches).toBeGreaterThanOrEqual(1);
    for (let i = 0; i < 5; i++)
      expect((await call('GET', '/v1/tasks', { token: await tokenFor('validator') })).status).toBe(200);
    expect((await authServerRequests()).filter((line) => line === 'GET /auth/v1/.well-known/jwks.json').length).toBe(
      jwksFetches,
    );
  });

  it('refuses a missing or malformed Authorization header', async () => {
    await expectRefused(undefined);
    await expectRefused(undefined, { authorization: 'Basic dXNlcjpwYXNz' });
    await expectRefused('not-a-jwt');
  });

  it('refuses expired, forged, wrong-audience, wrong-issuer and wrong-role tokens', async () => {
    const past = Math.floor(Date.now() / 1000) - 7200;
    await expectRefused(await tokenFor('contributor', { iat: past, exp: past + 3600 }));
    // Signed by another key that claims the project's kid.
    const other = await generateSigningKey();
    await expectRefused(
      await signJwt({ ...other.privateJwk, kid: signingKey.kid }, await decode(await tokenFor('admin'))),
    );
    await expectRefused(await tokenFor('contributor', { aud: 'somebody-else' }));
    await expectRefused(await tokenFor('contributor', { iss: 'https://evil.example/auth/v1' }));
    await expectRefused(await tokenFor('contributor', { role: 'service_role' }));
    await expectRefused(await tokenFor('contributor', { role: 'anon' }));
    await expectRefused(await tokenFor('contributor', { sub: 'not-a-uuid' }));
  });

  it('without SUPABASE_JWT_SECRET, refuses HS256, and alg none and tokens without kid always, without any network call', async () => {
    const before = await authServerRequests();
    const payload = await decode(await tokenFor('admin'));
    await expectRefused(await hs256Token(payload, signingKey.kid));
    await expectRefused(await hs256Token(payload));
    await expectRefused(
      `${encodeSegment({ alg: 'none', typ: 'JWT', kid: signingKey.kid })}.${encodeSegment(payload)}.`,
    );
    await expectRefused(
      `${encodeSegment({ alg: 'none', typ: 'JWT', kid: signingKey.kid })}.${encodeSegment(payload)}.AA`,
    );
    const { kid: _kid, ...keyWithoutKid } = signingKey;
    await expectRefused(await signJwt(keyWithoutKid as typeof signingKey, payload, { kid: undefined }));
    expect(await authServerRequests()).toEqual(before);
  });

  it('with a fixed key set (AUTH_JWKS), an unknown kid is refused without any network call', async () => {
    const before = await authServerRequests();
    const jwks = { keys: [{ ...signingKey, d: undefined }] };
    const fixedKeysEnv = { ...env, AUTH_JWKS: JSON.stringify(jwks) };
    const send = async (token: string) => {
      const ctx = createExecutionContext();
      const response = await worker.fetch(
        new Request(`${gateway}/v1/tasks`, { headers: { authorization: `Bearer ${token}` } }),
        fixedKeysEnv,
        ctx,
      );
      await waitOnExecutionContext(ctx);
      return response;
    };
    expect((await send(await tokenFor('contributor'))).status).toBe(200);
    const stranger = await generateSigningKey();
    const refused = await send(await signJwt(stranger.privateJwk, await decode(await tokenFor('contributor'))));
    expect(refused.status).toBe(401);
    expect(await authServerRequests()).toEqual(before);
  });
});

describe('application role', () => {
  it('comes from profiles, never from user_metadata or app_metadata', async () => {
    const token = await tokenFor('contributor', { user_metadata: { role: 'admin' }, app_metadata: { role: 'admin' } });
    const result = await call('POST', `/v1/submissions/${crypto.randomUUID()}/review`, {
      token,
      json: { decision: 'approve' },
    });
    expect(result.status).toBe(403);
    expect(errorOf(result).code).toBe('forbidden');
  });

  it('a verified user without a profile is forbidden', async () => {
    const userId = crypto.randomUUID();
    await sql`insert into auth.users (id, email) values (${userId}, ${`${userId}@test.xum-ai.app`})`;
    // Signing up made one; removed by hand, as only SQL can.
    await sql`delete from public.profiles where id = ${userId}`;
    const result = await call('GET', '/v1/tasks', { token: await tokenFor({ userId, email: 'x@test.xum-ai.app' }) });
    expect(result.status).toBe(403);
    expect(errorOf(result)).toMatchObject({ code: 'forbidden', message: 'not allowed for this account' });
  });

  it('a user who just signed up is a contributor with no tasks', async () => {
    const userId = crypto.randomUUID();
    await sql`insert into auth.users (id, email) values (${userId}, ${`${userId}@test.xum-ai.app`})`;
    const result = await call('GET', '/v1/tasks', { token: await tokenFor({ userId, email: 'x@test.xum-ai.app' }) });
    expect(result.status).toBe(200);
    expect(result.json).toEqual({ tasks: [] });
  });

  it("a deleted user's still valid token is forbidden at once", async () => {
    const { userId, email } = await createContributor(sql);
    const token = await tokenFor({ userId, email });
    expect((await call('GET', '/v1/tasks', { token })).status).toBe(200);
    await sql`delete from auth.users where id = ${userId}`;
    const result = await call('GET', '/v1/tasks', { token });
    expect(result.status).toBe(403);
    expect(errorOf(result)).toMatchObject({ code: 'forbidden', message: 'not allowed for this account' });
  });

  it('the demo users hold the roles the seed gives them', async () => {
    const rows =
      await sql`select id, role from public.profiles where id in ${sql(Object.values(demoUsers).map((user) => user.userId))} order by role`;
    expect(rows.map((row) => row.role)).toEqual(['contributor', 'validator', 'admin', 'company']);
  });
});

describe('banned users (Supabase Auth banned_until)', () => {
  const contributor = demoUsers.contributor.userId;
  /** Sets banned_until to an SQL expression, as the Auth admin API's ban_duration does. */
  const ban = (until: string) =>
    sql.unsafe(`update auth.users set banned_until = ${until} where id = $1`, [contributor]);
  const submissionsOf = async () =>
    Number((await sql`select count(*)::int as n from public.submissions where contributor_id = ${contributor}`)[0]!.n);
  afterAll(() => ban('null'));

  it('are refused from the moment of the ban with the one 401 of every refused token, and served again once unbanned', async () => {
    const token = await tokenFor('contributor');
    expect((await call('GET', '/v1/tasks', { token })).status).toBe(200);

    await ban("now() + interval '1 hour'");
    const before = await submissionsOf();
    const calls = [
      () => call('GET', '/v1/tasks', { token }),
      () => call('GET', '/v1/submissions', { token }),
      // One flight (a single PUT), and several (multipart: the S3 upload is created between them).
      () => requestUpload(token, { contentType: 'audio/webm', size: 11 }),
      () => requestUpload(token, { contentType: 'audio/webm', size: 200 * 1024 * 1024 }),
    ];
    for (const [index, attempt] of calls.entries()) {
      const result = await attempt();
      expect(result.status, `call ${index}`).toBe(401);
      expect(errorOf(result)).toMatchObject({ code: 'unauthorized', message: 'missing or invalid access token' });
      expect(result.headers.get('www-authenticate')).toBe('Bearer realm="storage-manager"');
    }
    expect(await submissionsOf()).toBe(before);

    // A ban that has run out is no ban (Supabase Auth compares banned_until with the time).
    await ban("now() - interval '1 second'");
    expect((await call('GET', '/v1/tasks', { token })).status).toBe(200);
    await ban('null');
    const served = await requestUpload(token, { contentType: 'audio/webm', size: 11 });
    expect(served.status).toBe(201);
    expect(await submissionsOf()).toBe(before + 1);
  });
});

async function decode(token: string): Promise<Record<string, unknown>> {
  const payload = token.split('.')[1]!;
  return JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/')));
}
