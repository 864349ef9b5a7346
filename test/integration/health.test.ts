import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker from '../../src/worker';
import { gateway } from '../support/integration-helpers';

/**
 * The Worker with some bindings replaced. A fresh env object is a fresh configuration, so every
 * call checks its dependencies again rather than reusing a recent readiness result.
 */
async function probe(path: string, overrides: Record<string, unknown> = {}, environment = { ...env, ...overrides }) {
  const ctx = createExecutionContext();
  const started = Date.now();
  const response = await worker.fetch(new Request(`${gateway}${path}`), environment as typeof env, ctx);
  const text = await response.text();
  await waitOnExecutionContext(ctx);
  return { status: response.status, headers: response.headers, text, json: JSON.parse(text), ms: Date.now() - started };
}

async function s3Requests(): Promise<{ method: string; url: string }[]> {
  return (await fetch(env.TEST_S3_REQUEST_LOG)).json();
}

const closedPort = 'postgres://postgres:postgres@127.0.0.1:1/postgres';
const allOk = { config: 'ok', database: 'ok', raw: 'ok', processed: 'ok', assets: 'ok' };

/** Nothing a readiness answer may ever contain: secrets, endpoints, connection strings, upstream errors. */
function expectNothingSecret(text: string) {
  for (const secret of [
    env.S3_SECRET_ACCESS_KEY,
    env.S3_ACCESS_KEY_ID,
    env.BUNDLE_SIGNING_SECRET,
    env.S3_ENDPOINT,
    env.TEST_DATABASE_URL,
    env.TEST_AUTH_SERVER,
    env.TEST_S3_REQUEST_LOG,
    env.TEST_HANGING_S3,
  ]) {
    expect(text).not.toContain(secret);
  }
  expect(text).not.toMatch(
    /postgres:\/\/|127\.0\.0\.1|ECONNREFUSED|SignatureDoesNotMatch|AccessDenied|<\?xml|<Error>| at /,
  );
}

describe('GET /healthz (liveness)', () => {
  it('answers 200 without reading any configuration, even a broken one', async () => {
    for (const broken of [
      { S3_ENDPOINT: 'not a url' },
      { BUNDLE_SIGNING_SECRET: undefined, HYPERDRIVE: undefined, SUPABASE_URL: '' },
    ]) {
      const result = await probe('/healthz', broken);
      expect(result.status, JSON.stringify(Object.keys(broken))).toBe(200);
      expect(result.json).toEqual({ ok: true });
      expect(result.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
    // The rest of the API still refuses to run on that configuration.
    const api = await probe('/v1/tasks', { S3_ENDPOINT: 'not a url' });
    expect(api.status).toBe(500);
    expect(api.json.error).toMatchObject({ code: 'internal', message: 'internal error' });
  });
});

describe('GET /readyz (readiness)', () => {
  it('200 with every check ok, after one query and a HEAD of each bucket', async () => {
    const before = (await s3Requests()).length;
    const result = await probe('/readyz');
    expect(result.status).toBe(200);
    expect(result.json).toEqual({ status: 'ready', checks: allOk });
    const heads = (await s3Requests()).slice(before).filter((request) => request.method === 'HEAD');
    expect(heads.map((request) => request.url).sort()).toEqual(
      [`/${env.BUCKET_ASSETS}`, `/${env.BUCKET_PROCESSED}`, `/${env.BUCKET_RAW}`].sort(),
    );
  });

  it('reuses a ready result for a few seconds (a flood of probes is not a flood on S3 and Postgres)', async () => {
    const environment = { ...env };
    expect((await probe('/readyz', {}, environment)).status).toBe(200);
    const before = (await s3Requests()).length;
    for (let i = 0; i < 5; i++)
      expect((await probe('/readyz', {}, environment)).json).toEqual({ status: 'ready', checks: allOk });
    expect((await s3Requests()).length).toBe(before);
  });

  it('reuses a failed result for 2 s: probes against a degraded backend check it once per window', async () => {
    // S3 refusing the credentials (each HEAD reaches the store and fails) and Postgres unreachable.
    const failing = {
      ...env,
      S3_SECRET_ACCESS_KEY: 'wrong-secret-0123456789',
      HYPERDRIVE: { ...env.HYPERDRIVE, connectionString: closedPort },
    };
    const notReady = { config: 'ok', database: 'failed', raw: 'failed', processed: 'failed', assets: 'failed' };
    const checked = async () => {
      const start = (await s3Requests()).length;
      const result = await probe('/readyz', {}, failing);
      expect(result.status).toBe(503);
      expect(result.json.checks).toEqual(notReady);
      expect(result.json.error.requestId).toBe(result.headers.get('x-request-id'));
      return (await s3Requests()).length - start;
    };
    expect(await checked()).toBe(3);
    expect(await checked()).toBe(0);
    expect(await checked()).toBe(0);
    // Recovery shows within the window: after it, the next probe checks again.
    await new Promise((resolve) => setTimeout(resolve, 2100));
    expect(await checked()).toBe(3);
  });

  it('Postgres unreachable → 503 naming database only, in the envelope, with nothing secret', async () => {
    const result = await probe('/readyz', { HYPERDRIVE: { ...env.HYPERDRIVE, connectionString: closedPort } });
    expect(result.status).toBe(503);
    expect(result.json).toEqual({
      error: {
        code: 'upstream_unavailable',
        message: 'not ready: database',
        requestId: result.headers.get('x-request-id'),
      },
      checks: { ...allOk, database: 'failed' },
    });
    expectNothingSecret(result.text);
  });

  it("a wrong S3 secret → 503 naming the three buckets, never the store's answer", async () => {
    const result = await probe('/readyz', { S3_SECRET_ACCESS_KEY: 'wrong-secret-0123456789' });
    expect(result.status).toBe(503);
    expect(result.json.error).toMatchObject({
      code: 'upstream_unavailable',
      message: 'not ready: raw, processed, assets',
    });
    expect(result.json.checks).toEqual({ ...allOk, raw: 'failed', processed: 'failed', assets: 'failed' });
    expectNothingSecret(result.text);
    expect(result.text).not.toContain('wrong-secret-0123456789');
  });

  it('a missing bucket fails its own check only', async () => {
    const result = await probe('/readyz', { BUCKET_PROCESSED: 'no-such-bucket-here' });
    expect(result.status).toBe(503);
    expect(result.json.error.message).toBe('not ready: processed');
    expect(result.json.checks).toEqual({ ...allOk, processed: 'failed' });
    expect(result.text).not.toContain('no-such-bucket-here');
  });

  it('a store that never answers is a timeout within the check bound, the others still checked', async () => {
    const result = await probe('/readyz', { S3_ENDPOINT: env.TEST_HANGING_S3, BUCKET_RAW: 'hang-bucket' });
    expect(result.status).toBe(503);
    expect(result.json.checks).toEqual({
      config: 'ok',
      database: 'ok',
      raw: 'timeout',
      processed: 'failed',
      assets: 'failed',
    });
    expect(result.json.error.message).toBe('not ready: raw, processed, assets');
    expect(result.ms).toBeLessThan(4500);
    expectNothingSecret(result.text);
  });

  it('an invalid configuration → 503 naming config, nothing else tried, no value echoed', async () => {
    const result = await probe('/readyz', {
      BUNDLE_SIGNING_SECRET: 'too-short-secret',
      S3_SECRET_ACCESS_KEY: undefined,
    });
    expect(result.status).toBe(503);
    expect(result.json).toEqual({
      error: {
        code: 'upstream_unavailable',
        message: 'not ready: config',
        requestId: result.headers.get('x-request-id'),
      },
      checks: { config: 'failed', database: 'skipped', raw: 'skipped', processed: 'skipped', assets: 'skipped' },
    });
    expect(result.text).not.toContain('too-short-secret');
    expect(result.text).not.toMatch(/bundles|signingSecret|secretAccessKey/);
  });
});
