import { randomBytes } from 'node:crypto';
import { AwsClient } from 'aws4fetch';
import { signBundleLink } from '../../src/bundles/link-token';
import { demoCompanyId, demoTaskId, demoUsers, signJwt, supabaseClaims } from '../../scripts/lib/jwt';
import type { Harness } from '../support/harness';
import type { Caller } from './hostile-http';
import { forgeTokens, type ForgedTokens } from './hostile-tokens';

/**
 * What the hostile cases attack, created through the API where the API creates it (uploads,
 * datasets, grants, bundles) and straight in the database only where no route exists (a second
 * contributor, a deleted user, submissions already uploaded or approved). Built once, before the
 * first snapshot, so every case starts from the same state.
 */
export interface Fixture {
  api: string;
  tokens: Record<Exclude<Caller, 'anonymous'>, string>;
  forged: ForgedTokens;
  bundleSecret: string;
  taskId: string;
  companyId: string;
  /** Each caller's user id, and one whose account was deleted, for the administration routes. */
  users: Record<Exclude<Caller, 'anonymous'> | 'deleted', string>;
  /** The demo contributor's submissions, attacked by contributor2. */
  submissions: {
    approved: string;
    /** Approved, in no dataset granted to the company. */
    ungrantedMember: string;
    uploaded: string;
    /** Uploaded, for the review-note cases that must reach the database (NUL) or be written if let through. */
    forNotes: string[];
    pendingSingle: string;
    pendingMultipart: string;
    multipartPartCount: number;
  };
  datasets: { granted: string; ungranted: string; revoked: string };
  bundles: {
    /** An admin's bundle, downloadable. */
    admin: { id: string; token: string; bytes: number; etag: string; lastModified: string };
    other: { id: string; token: string };
    /** Made by the company user while its dataset was granted; the grant is revoked since. */
    revoked: { id: string; token: string };
    /** An admin's bundle of a submission since rejected. */
    unapproved: { id: string; token: string };
    /** Made by an admin who has since been made a validator. */
    demoted: { id: string; token: string };
  };
  /** Links only the secret can make: one expired a minute ago, one for a bundle that does not exist. */
  signedLinks: { expired: string; missingBundle: string };
  asset: { key: string; size: number; etag: string };
}

/** An id no row has: IDOR cases compare the answer for someone else's id with the answer for this one. */
export const nobody = '00000000-0000-4000-8000-00000000dead';

const json = (token: string, body?: unknown): RequestInit => ({
  method: body === undefined ? 'GET' : 'POST',
  headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
  body: body === undefined ? undefined : JSON.stringify(body),
});

async function call<T>(api: string, path: string, init: RequestInit, status: number): Promise<T> {
  const response = await fetch(`${api}${path}`, init);
  const text = await response.text();
  if (response.status !== status)
    throw new Error(`fixture: ${init.method ?? 'GET'} ${path} answered ${response.status}, not ${status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Signs a user up (the trigger makes the profile), with a role and, for contributors, an assignment. */
async function insertUser(harness: Harness, role: 'contributor' | 'admin', email: string): Promise<string> {
  const id = crypto.randomUUID();
  await harness.sql`insert into auth.users (id, email) values (${id}, ${email})`;
  await harness.sql`update public.profiles set role = ${role}, display_name = ${email} where id = ${id}`;
  if (role === 'contributor')
    await harness.sql`insert into public.task_assignments (task_id, user_id) values (${demoTaskId}, ${id})`;
  return id;
}

/**
 * Dataset builds run on the queue; the snapshots must not see one finish. A build message can
 * arrive before its dataset commits; the consumer then retries it a second later, so every
 * dataset settles within seconds.
 */
async function settleDatasetBuilds(harness: Harness) {
  for (const started = Date.now(); ; await new Promise((resolve) => setTimeout(resolve, 250))) {
    const datasets = await harness.sql<{ name: string; status: string }[]>`select name, status from public.datasets`;
    if (datasets.every((dataset) => dataset.status !== 'building')) return;
    if (Date.now() - started > 60_000) throw new Error(`fixture: datasets still building: ${JSON.stringify(datasets)}`);
  }
}

const linkToken = (url: string) => new URL(url).searchParams.get('token')!;

export async function createFixture(harness: Harness): Promise<Fixture> {
  const { api, auth, sql } = harness;
  const contributor = await harness.tokenFor('contributor');
  const validator = await harness.tokenFor('validator');
  const admin = await harness.tokenFor('admin');
  const company = await harness.tokenFor('company');
  const contributor2Id = await insertUser(harness, 'contributor', `second-${Date.now()}@test.xum-ai.app`);
  const contributor2 = await signJwt(
    auth.privateJwk,
    supabaseClaims({ supabaseUrl: auth.supabaseUrl, userId: contributor2Id, email: 'second@test.xum-ai.app' }),
  );

  // A user whose token stays cryptographically valid after the account is deleted.
  const deletedId = await insertUser(harness, 'contributor', `deleted-${Date.now()}@test.xum-ai.app`);
  await sql`delete from auth.users where id = ${deletedId}`;

  // Approved and uploaded submissions of the demo contributor, with their objects in the raw bucket.
  const seeded = await harness.seedApproved(
    Array.from({ length: 8 }, () => randomBytes(64 + Math.floor(Math.random() * 512))),
  );
  const [inGranted, inUngranted, inRevoked, loose, laterRejected, uploaded, ...forNotes] = seeded.map(
    (row) => row.id,
  ) as [string, string, string, string, string, string, ...string[]];
  await sql`update public.submissions set status = 'uploaded' where id in ${sql([uploaded, ...forNotes])}`;

  const pendingSingle = await call<{ submissionId: string }>(
    api,
    '/v1/uploads',
    json(contributor, { taskId: demoTaskId, contentType: 'audio/webm', size: 11, filename: 'a.webm' }),
    201,
  );
  const pendingMultipart = await call<{ submissionId: string; partCount: number }>(
    api,
    '/v1/uploads',
    json(contributor, { taskId: demoTaskId, contentType: 'video/mp4', size: 100 * 1024 * 1024 }),
    201,
  );

  const dataset = async (name: string, member: string) =>
    (
      await call<{ id: string }>(
        api,
        '/v1/datasets',
        json(admin, { name, description: 'hostile-suite fixture', submissionIds: [member] }),
        202,
      )
    ).id;
  const datasets = {
    granted: await dataset('granted', inGranted),
    ungranted: await dataset('ungranted', inUngranted),
    revoked: await dataset('revoked', inRevoked),
  };
  for (const id of [datasets.granted, datasets.revoked])
    await call(api, `/v1/datasets/${id}/grants`, json(admin, { companyId: demoCompanyId }), 201);

  const adminBundle = await call<{ id: string; url: string; bytes: number }>(
    api,
    '/v1/bundles',
    json(admin, { submissionIds: [inGranted, loose] }),
    201,
  );
  const otherBundle = await call<{ id: string; url: string }>(
    api,
    '/v1/bundles',
    json(admin, { submissionIds: [inUngranted] }),
    201,
  );
  const revokedBundle = await call<{ id: string; url: string }>(
    api,
    '/v1/bundles',
    json(company, { submissionIds: [inRevoked] }),
    201,
  );
  // Links whose maker may no longer bundle their members: no route rejects an approved
  // submission or demotes an admin, so both happen in the database.
  const unapprovedBundle = await call<{ id: string; url: string }>(
    api,
    '/v1/bundles',
    json(admin, { submissionIds: [laterRejected] }),
    201,
  );
  await sql`update public.submissions set status = 'rejected' where id = ${laterRejected}`;
  const formerAdminId = await insertUser(harness, 'admin', `former-admin-${Date.now()}@test.xum-ai.app`);
  const formerAdmin = await signJwt(
    auth.privateJwk,
    supabaseClaims({ supabaseUrl: auth.supabaseUrl, userId: formerAdminId, email: 'former-admin@test.xum-ai.app' }),
  );
  const demotedBundle = await call<{ id: string; url: string }>(
    api,
    '/v1/bundles',
    json(formerAdmin, { submissionIds: [loose] }),
    201,
  );
  await sql`update public.profiles set role = 'validator' where id = ${formerAdminId}`;
  await call(
    api,
    `/v1/datasets/${datasets.revoked}/grants/${demoCompanyId}`,
    { method: 'DELETE', headers: { authorization: `Bearer ${admin}` } },
    204,
  );
  // Spec E logs a bundle's GETs at most once per bundle, client IP and hour. The range cases GET
  // this bundle, so it is downloaded once now, inside the hour the cases will run in: that row
  // exists before the first snapshot, and the range cases must add none.
  const toNextHour = 3600_000 - (Date.now() % 3600_000);
  if (toNextHour < 120_000) await new Promise((resolve) => setTimeout(resolve, toNextHour + 1000));
  const primed = await fetch(adminBundle.url);
  if (primed.status !== 200 || (await primed.arrayBuffer()).byteLength !== adminBundle.bytes)
    throw new Error(`fixture: bundle download ${primed.status}`);

  // A public asset, stored the way an operator publishes one (straight into the bucket).
  const s3 = new AwsClient({
    accessKeyId: harness.s3.accessKeyId,
    secretAccessKey: harness.s3.secretAccessKey,
    service: 's3',
    region: harness.s3.region,
  });
  const assetBody = randomBytes(1000);
  const assetKey = 'icons/enc.png';
  const put = await s3.fetch(`${harness.s3.endpoint}/${harness.s3.buckets.assets}/${assetKey}`, {
    method: 'PUT',
    body: assetBody,
    headers: { 'content-type': 'image/png' },
  });
  if (put.status !== 200) throw new Error(`fixture: asset PUT ${put.status}`);

  await settleDatasetBuilds(harness);

  return {
    api,
    tokens: { contributor, contributor2, validator, admin, company },
    forged: await forgeTokens(auth, { deletedUserId: deletedId, validContributor: contributor, validAdmin: admin }),
    bundleSecret: auth.bundleSigningSecret,
    taskId: demoTaskId,
    companyId: demoCompanyId,
    users: {
      contributor: demoUsers.contributor.userId,
      contributor2: contributor2Id,
      validator: demoUsers.validator.userId,
      admin: demoUsers.admin.userId,
      company: demoUsers.company.userId,
      deleted: deletedId,
    },
    submissions: {
      approved: inGranted,
      ungrantedMember: inUngranted,
      uploaded: uploaded,
      forNotes,
      pendingSingle: pendingSingle.submissionId,
      pendingMultipart: pendingMultipart.submissionId,
      multipartPartCount: pendingMultipart.partCount,
    },
    datasets,
    bundles: {
      admin: {
        id: adminBundle.id,
        token: linkToken(adminBundle.url),
        bytes: adminBundle.bytes,
        etag: primed.headers.get('etag')!,
        lastModified: primed.headers.get('last-modified')!,
      },
      other: { id: otherBundle.id, token: linkToken(otherBundle.url) },
      revoked: { id: revokedBundle.id, token: linkToken(revokedBundle.url) },
      unapproved: { id: unapprovedBundle.id, token: linkToken(unapprovedBundle.url) },
      demoted: { id: demotedBundle.id, token: linkToken(demotedBundle.url) },
    },
    signedLinks: {
      expired: await signBundleLink(auth.bundleSigningSecret, adminBundle.id, new Date(Date.now() - 60_000)),
      missingBundle: await signBundleLink(auth.bundleSigningSecret, nobody, new Date(Date.now() + 3600_000)),
    },
    asset: { key: assetKey, size: assetBody.byteLength, etag: put.headers.get('etag') ?? '' },
  };
}
