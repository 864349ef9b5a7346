import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signBundleLink } from '../../src/bundles/link-token';
import worker from '../../src/worker';
import {
  call,
  createContributor,
  gateway,
  randomBytes,
  serviceDatabase,
  tokenFor,
  uploadSubmission,
} from '../support/integration-helpers';

const sql = serviceDatabase();
const oldSecret = env.BUNDLE_SIGNING_SECRET;
const newSecret = `rotated-${crypto.randomUUID()}${crypto.randomUUID()}`;
const strangerSecret = `stranger-${crypto.randomUUID()}${crypto.randomUUID()}`;
/** After `wrangler secret put BUNDLE_SIGNING_SECRET` with the previous value kept as BUNDLE_SIGNING_SECRET_PREVIOUS. */
const rotated = { BUNDLE_SIGNING_SECRET: newSecret, BUNDLE_SIGNING_SECRET_PREVIOUS: oldSecret };
/** Once BUNDLE_SIGNING_SECRET_PREVIOUS is deleted. */
const finished = { BUNDLE_SIGNING_SECRET: newSecret, BUNDLE_SIGNING_SECRET_PREVIOUS: undefined };

let admin: string;
let submissionId: string;
let bytes: Uint8Array;

beforeAll(async () => {
  admin = await tokenFor('admin');
  const contributor = await tokenFor(await createContributor(sql));
  bytes = randomBytes(1234);
  submissionId = (await uploadSubmission(contributor, bytes)).id;
  const approved = await call('POST', `/v1/submissions/${submissionId}/review`, {
    token: await tokenFor('validator'),
    json: { decision: 'approve' },
  });
  expect(approved.status).toBe(200);
});
afterAll(() => sql.end());

/** One request to the Worker as deployed with these secrets. */
async function withSecrets(secrets: Record<string, string | undefined>, url: string, init?: RequestInit) {
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request(url, init) as Parameters<typeof worker.fetch>[0],
    { ...env, ...secrets } as typeof env,
    ctx,
  );
  const body = new Uint8Array(await response.arrayBuffer());
  await waitOnExecutionContext(ctx);
  return { status: response.status, body, text: new TextDecoder().decode(body) };
}

const download = (secrets: Record<string, string | undefined>, url: string) => withSecrets(secrets, url);

async function createBundle(secrets: Record<string, string | undefined>) {
  const created = await withSecrets(secrets, `${gateway}/v1/bundles`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ submissionIds: [submissionId] }),
  });
  expect(created.status).toBe(201);
  return JSON.parse(created.text) as { id: string; url: string; bytes: number };
}

function expectRefused(result: { status: number; text: string }) {
  expect(result.status).toBe(403);
  expect(JSON.parse(result.text).error).toMatchObject({
    code: 'forbidden',
    message: 'this download link is invalid or has expired',
  });
}

describe('rotating BUNDLE_SIGNING_SECRET', () => {
  it('a link signed before the rotation still downloads while the previous secret is kept, and stops once it is removed', async () => {
    const bundle = await createBundle({});
    const before = await download({}, bundle.url);
    expect(before.status).toBe(200);

    const during = await download(rotated, bundle.url);
    expect(during.status).toBe(200);
    expect(during.body.byteLength).toBe(bundle.bytes);
    expect(during.body).toEqual(before.body);

    expectRefused(await download(finished, bundle.url));
  });

  it('new links are signed with the current secret only', async () => {
    const bundle = await createBundle(rotated);
    const token = new URL(bundle.url).searchParams.get('token')!;
    const expires = new Date(Number(token.split('.')[0]) * 1000);
    expect(token).toBe(await signBundleLink(newSecret, bundle.id, expires));
    expect((await download(finished, bundle.url)).status).toBe(200);
    // Rolled back to the old secret alone, a link signed after the rotation is refused.
    expectRefused(await download({}, bundle.url));
  });

  it('a link signed with neither secret is 403, during the rotation and after', async () => {
    const bundle = await createBundle({});
    const forged = new URL(bundle.url);
    forged.searchParams.set('token', await signBundleLink(strangerSecret, bundle.id, new Date(Date.now() + 3600_000)));
    expectRefused(await download(rotated, forged.toString()));
    expectRefused(await download(finished, forged.toString()));
    // An expired link signed with the previous secret is refused like any expired link.
    forged.searchParams.set('token', await signBundleLink(oldSecret, bundle.id, new Date(Date.now() - 1000)));
    expectRefused(await download(rotated, forged.toString()));
  });

  it('a previous secret shorter than 32 characters is a configuration error, never echoed; an empty one counts as unset', async () => {
    const short = await withSecrets({ BUNDLE_SIGNING_SECRET_PREVIOUS: 'short-previous-secret' }, `${gateway}/readyz`);
    expect(short.status).toBe(503);
    expect(JSON.parse(short.text).checks.config).toBe('failed');
    expect(short.text).not.toContain('short-previous-secret');
    const bundle = await createBundle({});
    expect((await download({ BUNDLE_SIGNING_SECRET_PREVIOUS: '' }, bundle.url)).status).toBe(200);
  });
});
