import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import worker from '../../src/worker';
import {
  demoTaskId,
  demoUsers,
  encodeSegment,
  generateSigningKey,
  signJwt,
  supabaseClaims,
  type DemoRole,
  type Jwk,
} from '../../scripts/lib/jwt';
import { gateway, tokenFor } from '../support/integration-helpers';
import { generateRsaKey, publicPem, signHs256, signRs256 } from '../support/jwt-signing';

// Each test has a Supabase project of its own on the fake Supabase Auth (test/support/fake-supabase-auth.ts), so
// the Worker's JWKS cache, which is per isolate and per JWKS URL, starts empty for it and the
// fetches counted at that project's JWKS endpoint are this test's alone.

afterEach(() => vi.useRealTimers());

const legacySecret = `legacy-${crypto.randomUUID()}-${crypto.randomUUID()}`;
const jwksLine = /^GET \/(projects\/[\w-]+\/)?auth\/v1\/\.well-known\/jwks\.json$/;

async function controlRequests(): Promise<string[]> {
  return (await fetch(`${env.TEST_AUTH_SERVER}/__requests`)).json();
}

// A deployment hands its Worker one env object for good, and the Worker keeps what outlives a
// request per env object (src/isolate.ts); the same bindings get the same object here too.
const environments = new Map<string, typeof env>();
function environmentWith(bindings: Record<string, string>): typeof env {
  const key = JSON.stringify(bindings);
  let environment = environments.get(key);
  if (!environment) {
    environment = { ...env, ...bindings };
    environments.set(key, environment);
  }
  return environment;
}

/** GET /v1/tasks through the Worker with these bindings over the test environment's. */
async function send(token: string, bindings: Record<string, string>) {
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request(`${gateway}/v1/tasks`, { headers: { authorization: `Bearer ${token}` } }),
    environmentWith(bindings),
    ctx,
  );
  const text = await response.text();
  await waitOnExecutionContext(ctx);
  return { status: response.status, json: text ? JSON.parse(text) : undefined };
}

/** Accepted as the demo contributor, who sees the demo task. */
function expectAccepted(result: { status: number; json: any }) {
  expect(result.status).toBe(200);
  expect(result.json.tasks.map((task: { id: string }) => task.id)).toContain(demoTaskId);
}

function expectRefused(result: { status: number; json: any }) {
  expect(result.status).toBe(401);
  expect(result.json.error).toMatchObject({ code: 'unauthorized', message: 'missing or invalid access token' });
}

async function newProject(setting: { jwks?: { keys: Jwk[] }; status?: number } = {}) {
  const id = crypto.randomUUID();
  const url = `${env.TEST_AUTH_SERVER}/projects/${id}`;
  const configure = async (next: { jwks?: { keys: Jwk[] }; status?: number }) => {
    const response = await fetch(`${env.TEST_AUTH_SERVER}/__projects/${id}`, {
      method: 'PUT',
      body: JSON.stringify(next),
    });
    expect(response.status).toBe(204);
  };
  await configure(setting);
  const requests = async () => (await controlRequests()).filter((line) => line.includes(`/projects/${id}/`));
  return {
    configure,
    requests,
    jwksFetches: async () =>
      (await requests()).filter((line) => line === `GET /projects/${id}/auth/v1/.well-known/jwks.json`).length,
    claims: (role: DemoRole = 'contributor', extra: Record<string, unknown> = {}) => ({
      ...supabaseClaims({ supabaseUrl: url, ...demoUsers[role] }),
      ...extra,
    }),
    send: (token: string, bindings: Record<string, string> = {}) => send(token, { SUPABASE_URL: url, ...bindings }),
  };
}

describe('legacy HS256 secret (SUPABASE_JWT_SECRET)', () => {
  it('verifies HS256 tokens with the secret, with every claim check, and never fetches the JWKS', async () => {
    const project = await newProject();
    const withSecret = { SUPABASE_JWT_SECRET: legacySecret };
    expectAccepted(await project.send(await signHs256(legacySecret, project.claims()), withSecret));
    // Projects that moved to signing keys keep the legacy key, with a kid, until it is revoked.
    expectAccepted(
      await project.send(
        await signHs256(legacySecret, project.claims('contributor'), { kid: crypto.randomUUID() }),
        withSecret,
      ),
    );
    const now = Math.floor(Date.now() / 1000);
    for (const token of [
      await signHs256(`${legacySecret}-other`, project.claims()),
      await signHs256(legacySecret, project.claims('contributor', { iss: 'https://evil.example/auth/v1' })),
      await signHs256(legacySecret, project.claims('contributor', { aud: 'somebody-else' })),
      await signHs256(legacySecret, project.claims('contributor', { role: 'service_role' })),
      await signHs256(legacySecret, project.claims('contributor', { iat: now - 7200, exp: now - 60 })),
      await signHs256(legacySecret, project.claims('contributor', { nbf: now + 3600 })),
      await signHs256(legacySecret, project.claims('contributor', { sub: 'contributor' })),
      `${encodeSegment({ alg: 'none', typ: 'JWT' })}.${encodeSegment(project.claims())}.`,
      `${encodeSegment({ alg: 'none', typ: 'JWT' })}.${encodeSegment(project.claims())}.AA`,
    ]) {
      expectRefused(await project.send(token, withSecret));
    }
    expect(await project.requests()).toEqual([]);
  });

  it('without the secret, HS256 is refused before any network call, even when MACed with the right one', async () => {
    const project = await newProject();
    expectRefused(await project.send(await signHs256(legacySecret, project.claims())));
    expectRefused(await project.send(await signHs256(legacySecret, project.claims(), { kid: crypto.randomUUID() })));
    expect(await project.requests()).toEqual([]);
  });

  it('an HS256 token MACed with the public key is refused, with or without a secret, without reading the JWKS', async () => {
    const key = await generateSigningKey();
    const publicJwk = key.jwks.keys[0]!;
    const project = await newProject({ jwks: key.jwks });
    const forgeries = [
      await signHs256(JSON.stringify(publicJwk), project.claims('admin'), { kid: publicJwk.kid }),
      await signHs256(await publicPem(publicJwk), project.claims('admin'), { kid: publicJwk.kid }),
      await signHs256(`${publicJwk.x}${publicJwk.y}`, project.claims('admin'), { kid: publicJwk.kid }),
    ];
    for (const token of forgeries) {
      expectRefused(await project.send(token));
      expectRefused(await project.send(token, { SUPABASE_JWT_SECRET: legacySecret }));
    }
    // An HS256 token never selects a key from the key set, so it was not even fetched.
    expect(await project.jwksFetches()).toBe(0);
  });

  it('during a key migration, ES256 from the JWKS and HS256 from the secret are both accepted', async () => {
    const key = await generateSigningKey();
    const project = await newProject({ jwks: key.jwks });
    const withSecret = { SUPABASE_JWT_SECRET: legacySecret };
    const es256 = await signJwt(key.privateJwk, project.claims());
    expectAccepted(await project.send(es256, withSecret));
    expectAccepted(await project.send(await signHs256(legacySecret, project.claims()), withSecret));
    expect(await project.jwksFetches()).toBe(1);
    // Other bindings are another deployment, with a key cache of its own (src/isolate.ts).
    expectAccepted(await project.send(es256));
    expect(await project.jwksFetches()).toBe(2);
    // The ES256 signature under a header claiming HS256 is neither a MAC with the secret nor checked with the key.
    const [, payload, signature] = es256.split('.');
    expectRefused(
      await project.send(
        `${encodeSegment({ alg: 'HS256', typ: 'JWT', kid: key.privateJwk.kid })}.${payload}.${signature}`,
        withSecret,
      ),
    );
    expect(await project.jwksFetches()).toBe(2);
  });
});

describe('signing keys from the JWKS', () => {
  it('RS256 tokens verify against an RSA key; a token cannot pick another algorithm than its key has', async () => {
    const ec = await generateSigningKey();
    const rsa = await generateRsaKey();
    const project = await newProject({ jwks: { keys: [...ec.jwks.keys, rsa.publicJwk] } });
    const rs256 = await signRs256(rsa.privateJwk, project.claims());
    expectAccepted(await project.send(rs256));
    const es256 = await signJwt(ec.privateJwk, project.claims());
    expectAccepted(await project.send(es256));
    // Each signature relabelled with the other algorithm, naming its own key.
    const relabel = (token: string, alg: string) => {
      const [header, payload, signature] = token.split('.');
      return `${encodeSegment({ ...JSON.parse(atob(header!.replace(/-/g, '+').replace(/_/g, '/'))), alg })}.${payload}.${signature}`;
    };
    expectRefused(await project.send(relabel(es256, 'RS256')));
    expectRefused(await project.send(relabel(rs256, 'ES256')));
    // A token signed with the RSA key but naming the EC key's kid.
    expectRefused(await project.send(await signRs256({ ...rsa.privateJwk, kid: ec.privateJwk.kid }, project.claims())));
    expect(await project.jwksFetches()).toBe(1);
  });

  it('RSA keys under 2048 bits are not used (RFC 7518 §3.3)', async () => {
    const weak = await generateRsaKey(1024);
    const project = await newProject({ jwks: { keys: [weak.publicJwk] } });
    expectRefused(await project.send(await signRs256(weak.privateJwk, project.claims())));
  });

  it('unknown kids re-fetch the JWKS at most once a minute; a rotated key is accepted after a re-fetch', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    const first = await generateSigningKey();
    const second = await generateSigningKey();
    const project = await newProject({ jwks: first.jwks });
    expectAccepted(await project.send(await signJwt(first.privateJwk, project.claims())));
    expect(await project.jwksFetches()).toBe(1);

    // Forged kids within the minute after the first fetch: refused, nothing fetched.
    const forged = async () => signJwt({ ...first.privateJwk, kid: crypto.randomUUID() }, project.claims('admin'));
    for (let i = 0; i < 20; i++) expectRefused(await project.send(await forged()));
    expect(await project.jwksFetches()).toBe(1);

    // A new key published: not yet known within the minute, known after one re-fetch.
    await project.configure({ jwks: { keys: [...first.jwks.keys, ...second.jwks.keys] } });
    const rotated = await signJwt(second.privateJwk, project.claims());
    expectRefused(await project.send(rotated));
    expect(await project.jwksFetches()).toBe(1);
    vi.setSystemTime(Date.now() + 61_000);
    expectAccepted(await project.send(await signJwt(second.privateJwk, project.claims())));
    expect(await project.jwksFetches()).toBe(2);
    for (let i = 0; i < 20; i++) expectRefused(await project.send(await forged()));
    expectAccepted(await project.send(await signJwt(second.privateJwk, project.claims())));
    expectAccepted(await project.send(await signJwt(first.privateJwk, project.claims())));
    expect(await project.jwksFetches()).toBe(2);

    // The bound is per minute, not once for all: a minute later a forged kid fetches once more.
    vi.setSystemTime(Date.now() + 61_000);
    for (let i = 0; i < 5; i++) expectRefused(await project.send(await forged()));
    expect(await project.jwksFetches()).toBe(3);
    expect((await project.requests()).every((line) => jwksLine.test(line))).toBe(true);
  });

  it('held keys are refreshed after ten minutes, so a removed key stops working', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    const revoked = await generateSigningKey();
    const current = await generateSigningKey();
    const project = await newProject({ jwks: { keys: [...revoked.jwks.keys, ...current.jwks.keys] } });
    expectAccepted(await project.send(await signJwt(revoked.privateJwk, project.claims())));
    await project.configure({ jwks: current.jwks });
    vi.setSystemTime(Date.now() + 9 * 60_000);
    expectAccepted(await project.send(await signJwt(revoked.privateJwk, project.claims())));
    expect(await project.jwksFetches()).toBe(1);
    vi.setSystemTime(Date.now() + 61_000);
    expectRefused(await project.send(await signJwt(revoked.privateJwk, project.claims())));
    expectAccepted(await project.send(await signJwt(current.privateJwk, project.claims())));
    expect(await project.jwksFetches()).toBe(2);
  });

  it('a failing JWKS endpoint: 503 while no key is held, then held keys outlive a failed refresh', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    const key = await generateSigningKey();
    const project = await newProject({ status: 503 });
    const token = () => signJwt(key.privateJwk, project.claims());
    for (let i = 0; i < 3; i++) {
      const result = await project.send(await token());
      expect(result.status).toBe(503);
      expect(result.json.error).toMatchObject({
        code: 'upstream_unavailable',
        message: 'sign-in cannot be checked right now, try again shortly',
      });
    }
    // After a failure, the next attempt waits 5 seconds.
    expect(await project.jwksFetches()).toBe(1);
    await project.configure({ jwks: key.jwks });
    vi.setSystemTime(Date.now() + 6_000);
    expectAccepted(await project.send(await token()));
    expect(await project.jwksFetches()).toBe(2);

    await project.configure({ status: 500 });
    vi.setSystemTime(Date.now() + 11 * 60_000);
    expectAccepted(await project.send(await token()));
    expectAccepted(await project.send(await token()));
    expect(await project.jwksFetches()).toBe(3);
  });
});

describe('anonymous sign-ins', () => {
  it('are refused unless ALLOW_ANONYMOUS_USERS=true', async () => {
    const anonymous = await tokenFor('contributor', { is_anonymous: true });
    expectRefused(await send(anonymous, {}));
    expectRefused(await send(anonymous, { ALLOW_ANONYMOUS_USERS: 'false' }));
    expectRefused(await send(await tokenFor('contributor', { is_anonymous: 'true' }), {}));
    expectAccepted(await send(anonymous, { ALLOW_ANONYMOUS_USERS: 'true' }));
    // Signed-in users are unaffected, whether their token carries the claim or not.
    expectAccepted(await send(await tokenFor('contributor', { is_anonymous: false }), {}));
    expectAccepted(await send(await tokenFor('contributor', { is_anonymous: undefined }), {}));
  });
});

describe('Supabase Auth', () => {
  // Runs last in this file; in a whole run it also covers every test file before it.
  it('was asked for nothing but its JWKS by any request so far', async () => {
    const requests = await controlRequests();
    expect(requests.length).toBeGreaterThan(0);
    // Other tests point S3 at the same server (the readiness checks of a missing bucket); of Auth's
    // own paths, only the JWKS may have been asked for.
    expect(requests.filter((line) => line.includes('/auth/v1/') && !jwksLine.test(line))).toEqual([]);
    expect(requests.filter((line) => line.includes('/auth/v1/user'))).toEqual([]);
  });
});
