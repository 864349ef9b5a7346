import { ids } from './rls-fixtures';

// One canonical statement per table and write operation: what a caller with a token would send
// through the Data API to get more than it should (approve its own work, grant itself a dataset,
// erase its trail). Every role sends the same statement, so the matrix compares roles, not
// statements. Targets are fixed ids (never auth.uid()), so the target rows exist for every role
// and "0 rows affected" always means "refused by a policy", never "nothing there".

export const tables = [
  'companies',
  'profiles',
  'tasks',
  'task_assignments',
  'submissions',
  'access_log',
  'bundles',
  'bundle_members',
  'datasets',
  'dataset_members',
  'dataset_grants',
  'dataset_build_parts',
  'dataset_shards',
] as const;
export type Table = (typeof tables)[number];

export interface Writes {
  insert: string;
  update: { set: string; where: string };
  delete: { where: string };
}

const q = (id: string) => `'${id}'`;

export const writes: Record<Table, Writes> = {
  companies: {
    insert: `insert into public.companies (name) values ('Rogue Ltd')`,
    update: { set: `name = 'Renamed'`, where: `id = ${q(ids.companyA)}` },
    delete: { where: `id = ${q(ids.companyB)}` },
  },
  profiles: {
    // The classic escalation: make yourself an admin, or move into another company.
    insert: `insert into public.profiles (id, role) values (coalesce(auth.uid(), ${q(ids.noProfile)}), 'admin')`,
    update: {
      set: `role = 'admin', company_id = ${q(ids.companyB)}`,
      where: `id in (${q(ids.contributorA)}, ${q(ids.companyUserA)})`,
    },
    delete: { where: `id = ${q(ids.contributorB)}` },
  },
  tasks: {
    insert: `insert into public.tasks (title, allowed_content_types, max_bytes) values ('rogue', array['*/*'], 1000000000000)`,
    // Widen the task one is assigned to: any type, any size.
    update: {
      set: `allowed_content_types = array['text/html'], max_bytes = 1000000000000`,
      where: `id = ${q(ids.taskA)}`,
    },
    delete: { where: `id = ${q(ids.taskUnassigned)}` },
  },
  task_assignments: {
    // Assign oneself to a task one was not given.
    insert: `insert into public.task_assignments (task_id, user_id) values (${q(ids.taskB)}, coalesce(auth.uid(), ${q(ids.contributorA)}))`,
    update: {
      set: `task_id = ${q(ids.taskUnassigned)}`,
      where: `task_id = ${q(ids.taskA)} and user_id = ${q(ids.contributorA)}`,
    },
    delete: { where: `user_id = ${q(ids.contributorB)}` },
  },
  submissions: {
    // The row POST /v1/uploads opens (through gateway.open_submission): a pending submission of
    // the caller on task A (open, audio/* and image/*, assigned to contributor A).
    insert: `insert into public.submissions (task_id, contributor_id, content_type, declared_size, original_filename)
      values (${q(ids.taskA)}, auth.uid(), 'audio/webm', 1000, 'take.webm')`,
    // Approving without the gateway (gateway.review_submission is the only way).
    update: {
      set: `status = 'approved', reviewed_by = auth.uid(), reviewed_at = now()`,
      where: `id in (${q(ids.uploadedA)}, ${q(ids.uploadedB)})`,
    },
    // Erasing a rejection.
    delete: { where: `id in (${q(ids.rejectedA)}, ${q(ids.rejectedB)})` },
  },
  access_log: {
    // A row in someone else's name.
    insert: `insert into public.access_log (user_id, action, submission_id) values (${q(ids.contributorB)}, 'submission.view', ${q(ids.approvedB)})`,
    update: { set: `user_id = ${q(ids.validator)}, ip = '203.0.113.9'`, where: `action = 'dataset.download'` },
    // A company erasing its download trail.
    delete: { where: `action = 'dataset.download'` },
  },
  bundles: {
    insert: `insert into public.bundles (created_by, company_id) values (coalesce(auth.uid(), ${q(ids.admin)}), ${q(ids.companyA)})`,
    // Taking over the admin's bundle.
    update: {
      set: `created_by = ${q(ids.companyUserA)}, company_id = ${q(ids.companyA)}`,
      where: `id = ${q(ids.bundleOfAdmin)}`,
    },
    delete: { where: `id = ${q(ids.bundleOfCompanyB)}` },
  },
  bundle_members: {
    // Smuggling a submission never granted to company A (nor approved) into its bundle.
    insert: `insert into public.bundle_members (bundle_id, position, submission_id) values (${q(ids.bundleOfCompanyA)}, 9, ${q(ids.pendingB)})`,
    update: { set: `submission_id = ${q(ids.uploadedB)}`, where: `bundle_id = ${q(ids.bundleOfCompanyA)}` },
    delete: { where: `bundle_id = ${q(ids.bundleOfAdmin)}` },
  },
  datasets: {
    insert: `insert into public.datasets (name, created_by) values ('rogue', coalesce(auth.uid(), ${q(ids.admin)}))`,
    // Declaring a failed build ready: the build job's own write (service_role may).
    update: {
      set: `status = 'ready', failure_reason = null, finished_at = now()`,
      where: `id = ${q(ids.datasetFailed)}`,
    },
    delete: { where: `id = ${q(ids.datasetBuilding)}` },
  },
  dataset_members: {
    // Adding a submission to a dataset granted to company A, so company A may bundle it.
    insert: `insert into public.dataset_members (dataset_id, position, submission_id) values (${q(ids.datasetGranted)}, 9, ${q(ids.approvedB)})`,
    update: { set: `submission_id = ${q(ids.approvedB)}`, where: `dataset_id = ${q(ids.datasetGranted)}` },
    delete: { where: `dataset_id = ${q(ids.datasetGranted)}` },
  },
  dataset_grants: {
    // The row POST /v1/datasets/{id}/grants adds (through gateway.grant_dataset); from anyone but
    // an admin, a company granting itself a dataset.
    insert: `insert into public.dataset_grants (dataset_id, company_id) values (${q(ids.datasetBuilding)}, ${q(ids.companyA)})`,
    update: { set: `company_id = ${q(ids.companyA)}`, where: `dataset_id = ${q(ids.datasetOfB)}` },
    // Revoking another company's grant (DELETE /v1/datasets/{id}/grants/{companyId}).
    delete: { where: `company_id = ${q(ids.companyB)}` },
  },
  dataset_build_parts: {
    // A forged part: the next Complete would splice it into the archive.
    insert: `insert into public.dataset_build_parts (dataset_id, part_number, etag, size) values (${q(ids.datasetBuilding)}, 2, '"forged"', 5242880)`,
    update: { set: `etag = '"forged"'`, where: `dataset_id = ${q(ids.datasetBuilding)}` },
    delete: { where: `dataset_id = ${q(ids.datasetBuilding)}` },
  },
  dataset_shards: {
    // A forged shard pointing at another object, or a building shard declared ready.
    insert: `insert into public.dataset_shards (dataset_id, shard_index, first_position, last_position, object_key) values (${q(ids.datasetBuilding)}, 1, 1, 1, 'raw/elsewhere')`,
    update: { set: `status = 'ready', etag = '"forged"'`, where: `dataset_id = ${q(ids.datasetBuilding)}` },
    delete: { where: `dataset_id = ${q(ids.datasetGranted)}` },
  },
};

export const updateStatement = (table: Table) =>
  `update public.${table} set ${writes[table].update.set} where ${writes[table].update.where}`;
export const deleteStatement = (table: Table) => `delete from public.${table} where ${writes[table].delete.where}`;
