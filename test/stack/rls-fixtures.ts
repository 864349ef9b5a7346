import type postgres from 'postgres';

// The world the RLS matrix runs in: every table holds rows of the caller and rows of others, so
// "sees nothing" and "changes nothing" are outcomes against rows that exist, not empty tables.

/** Fixed ids, readable in failure messages: 0a… users, 0c… companies, 0d… datasets and so on. */
const uuid = (group: string, n: number) =>
  `00000000-0000-4000-8000-${group}${String(n).padStart(12 - group.length, '0')}`;

export const ids = {
  contributorA: uuid('0a', 1),
  contributorB: uuid('0a', 2),
  validator: uuid('0a', 3),
  admin: uuid('0a', 4),
  companyUserA: uuid('0a', 5),
  companyUserB: uuid('0a', 6),
  // Signed up (auth.users), whose profile was then removed by hand: authenticated, with no
  // application role.
  noProfile: uuid('0a', 7),
  // A contributor on task A whose account was deleted: the profile stays as an anonymised
  // tombstone, the submission is kept, and the token still verifies until it expires.
  deleted: uuid('0a', 8),
  companyA: uuid('0c', 1),
  companyB: uuid('0c', 2),
  taskA: uuid('0e', 1),
  taskB: uuid('0e', 2),
  taskUnassigned: uuid('0e', 3),
  approvedA: uuid('05', 1),
  uploadedA: uuid('05', 2),
  rejectedA: uuid('05', 3),
  approvedB: uuid('05', 4),
  uploadedB: uuid('05', 5),
  rejectedB: uuid('05', 6),
  pendingB: uuid('05', 7),
  approvedOfDeleted: uuid('05', 8),
  bundleOfCompanyA: uuid('0b', 1),
  bundleOfCompanyB: uuid('0b', 2),
  bundleOfAdmin: uuid('0b', 3),
  // Granted to both companies; datasetOfB only to company B; the other two to nobody.
  datasetGranted: uuid('0d', 1),
  datasetOfB: uuid('0d', 2),
  datasetBuilding: uuid('0d', 3),
  datasetFailed: uuid('0d', 4),
} as const;

export const roles = [
  'anon',
  'contributor',
  'validator',
  'admin',
  'company',
  'noProfile',
  'deleted',
  'service',
] as const;
export type Role = (typeof roles)[number];

export interface Caller {
  /** The database role PostgREST switches to for this caller's key or token. */
  dbRole: 'anon' | 'authenticated' | 'service_role';
  /** `request.jwt.claims`, as PostgREST sets them from the verified JWT. */
  claims: Record<string, string>;
}

const user = (sub: string): Caller => ({
  dbRole: 'authenticated',
  claims: { sub, role: 'authenticated', aud: 'authenticated' },
});

export const callers: Record<Role, Caller> = {
  // The project's anon key: no sub.
  anon: { dbRole: 'anon', claims: { role: 'anon' } },
  contributor: user(ids.contributorA),
  validator: user(ids.validator),
  admin: user(ids.admin),
  company: user(ids.companyUserA),
  noProfile: user(ids.noProfile),
  deleted: user(ids.deleted),
  // The service key: what the dataset build job runs as (src/db/client.ts asService).
  service: { dbRole: 'service_role', claims: { role: 'service_role' } },
};

const fiveMiB = 5 * 1024 * 1024;
const sha = (char: string) => char.repeat(64);

/**
 * Writes the fixtures as the superuser (which RLS does not restrain). Users sign up the way
 * Supabase Auth signs them up, as supabase_auth_admin, so the trigger on auth.users makes their
 * contributor profiles; the other roles are given afterwards.
 */
export async function seed(sql: postgres.Sql): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`set local role supabase_auth_admin`;
    await tx`insert into auth.users (id, email, created_at) select id, id::text || '@rls.test', now() from unnest(${[
      ids.contributorA,
      ids.contributorB,
      ids.validator,
      ids.admin,
      ids.companyUserA,
      ids.companyUserB,
      ids.noProfile,
      ids.deleted,
    ]}::uuid[]) as id`;
    await tx`reset role`;
    await tx`delete from public.profiles where id = ${ids.noProfile}`;
    await tx`insert into public.companies (id, name) values (${ids.companyA}, 'Company A'), (${ids.companyB}, 'Company B')`;
    await tx`update public.profiles set role = fixture.role::public.app_role, company_id = fixture.company_id
      from (values (${ids.validator}::uuid, 'validator', null::uuid), (${ids.admin}::uuid, 'admin', null::uuid),
                   (${ids.companyUserA}::uuid, 'company', ${ids.companyA}::uuid), (${ids.companyUserB}::uuid, 'company', ${ids.companyB}::uuid))
           as fixture (id, role, company_id)
      where profiles.id = fixture.id`;
    await tx`insert into public.tasks (id, title, status, allowed_content_types, max_bytes) values
      (${ids.taskA}, 'Task A', 'open', array['audio/*', 'image/*'], 1000000),
      (${ids.taskB}, 'Task B', 'open', array['audio/*'], 1000000),
      (${ids.taskUnassigned}, 'Task nobody has', 'closed', array['image/*'], 1000000)`;
    // The validator and the admin were contributors on task A before their promotion: a role
    // change leaves assignments in place, so only a role check keeps them from opening
    // submissions there.
    await tx`insert into public.task_assignments (task_id, user_id) values
      (${ids.taskA}, ${ids.contributorA}), (${ids.taskB}, ${ids.contributorB}),
      (${ids.taskA}, ${ids.validator}), (${ids.taskA}, ${ids.admin}), (${ids.taskA}, ${ids.deleted})`;
    const submission = (id: string, task: string, contributor: string, status: string) => ({
      id,
      task,
      contributor,
      status,
    });
    for (const s of [
      submission(ids.approvedA, ids.taskA, ids.contributorA, 'approved'),
      submission(ids.uploadedA, ids.taskA, ids.contributorA, 'uploaded'),
      submission(ids.rejectedA, ids.taskA, ids.contributorA, 'rejected'),
      submission(ids.approvedB, ids.taskB, ids.contributorB, 'approved'),
      submission(ids.uploadedB, ids.taskB, ids.contributorB, 'uploaded'),
      submission(ids.rejectedB, ids.taskB, ids.contributorB, 'rejected'),
      submission(ids.pendingB, ids.taskB, ids.contributorB, 'pending'),
      submission(ids.approvedOfDeleted, ids.taskA, ids.deleted, 'approved'),
    ]) {
      const uploaded = s.status !== 'pending';
      const reviewed = s.status === 'approved' || s.status === 'rejected';
      await tx`insert into public.submissions (id, task_id, contributor_id, status, content_type, declared_size, size, crc32, sha256,
          uploaded_at, reviewed_by, reviewed_at)
        values (${s.id}, ${s.task}, ${s.contributor}, ${s.status}, 'audio/webm', 100, ${uploaded ? 100 : null}, ${uploaded ? 12345 : null},
          ${uploaded ? sha('a') : null}, ${uploaded ? new Date() : null}, ${reviewed ? ids.validator : null}, ${reviewed ? new Date() : null})`;
    }
    await tx`insert into public.bundles (id, created_by, company_id) values
      (${ids.bundleOfCompanyA}, ${ids.companyUserA}, ${ids.companyA}),
      (${ids.bundleOfCompanyB}, ${ids.companyUserB}, ${ids.companyB}),
      (${ids.bundleOfAdmin}, ${ids.admin}, null)`;
    await tx`insert into public.bundle_members (bundle_id, position, submission_id) values
      (${ids.bundleOfCompanyA}, 0, ${ids.approvedA}), (${ids.bundleOfCompanyB}, 0, ${ids.approvedB}),
      (${ids.bundleOfAdmin}, 0, ${ids.approvedA}), (${ids.bundleOfAdmin}, 1, ${ids.approvedB})`;
    await tx`insert into public.datasets (id, name, status, created_by, bytes, entries, etag, upload_id, failure_reason) values
      (${ids.datasetGranted}, 'granted', 'ready', ${ids.admin}, 1000, 2, '"e1"', null, null),
      (${ids.datasetOfB}, 'of-b', 'ready', ${ids.admin}, 1000, 2, '"e2"', null, null),
      (${ids.datasetBuilding}, 'building', 'building', ${ids.admin}, null, null, null, 'upload-1', null),
      (${ids.datasetFailed}, 'failed', 'failed', ${ids.admin}, null, null, null, null, 'raw/… NoSuchKey')`;
    await tx`insert into public.dataset_members (dataset_id, position, submission_id) values
      (${ids.datasetGranted}, 0, ${ids.approvedA}), (${ids.datasetOfB}, 0, ${ids.approvedB}),
      (${ids.datasetBuilding}, 0, ${ids.approvedA}), (${ids.datasetBuilding}, 1, ${ids.approvedB}),
      (${ids.datasetFailed}, 0, ${ids.approvedB})`;
    await tx`insert into public.dataset_grants (dataset_id, company_id, granted_by) values
      (${ids.datasetGranted}, ${ids.companyA}, ${ids.admin}), (${ids.datasetGranted}, ${ids.companyB}, ${ids.admin}),
      (${ids.datasetOfB}, ${ids.companyB}, ${ids.admin})`;
    await tx`insert into public.dataset_build_parts (dataset_id, part_number, etag, size) values
      (${ids.datasetBuilding}, 1, '"p1"', ${fiveMiB})`;
    await tx`insert into public.dataset_shards (dataset_id, shard_index, first_position, last_position, object_key, status, bytes, entries, etag, upload_id) values
      (${ids.datasetGranted}, 0, 0, 0, 'datasets/granted.zip', 'ready', 1000, 2, '"e1"', null),
      (${ids.datasetOfB}, 0, 0, 0, 'datasets/of-b.zip', 'ready', 1000, 2, '"e2"', null),
      (${ids.datasetBuilding}, 0, 0, 1, 'datasets/building.zip', 'building', null, null, null, 'upload-1')`;
    await tx`insert into public.access_log (user_id, company_id, action, submission_id, bundle_id, dataset_id) values
      (${ids.validator}, null, 'submission.view', ${ids.uploadedA}, null, null),
      (${ids.companyUserA}, ${ids.companyA}, 'bundle.create', null, ${ids.bundleOfCompanyA}, null),
      (${ids.companyUserA}, ${ids.companyA}, 'dataset.download', null, null, ${ids.datasetGranted}),
      (${ids.companyUserB}, ${ids.companyB}, 'dataset.download', null, null, ${ids.datasetOfB})`;
    // Deleted last, as Supabase Auth deletes: the trigger anonymises the profile and drops the
    // assignment; the approved submission stays.
    await tx`set local role supabase_auth_admin`;
    await tx`delete from auth.users where id = ${ids.deleted}`;
    await tx`reset role`;
  });
}
