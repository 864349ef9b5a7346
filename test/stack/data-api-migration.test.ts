import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationsDirectory } from '../../scripts/lib/database';
import { startPostgres, type LocalPostgres } from '../../scripts/lib/postgres';

// supabase/migrations/20261130021000_data_api_read_only.sql on a database that already holds what
// the Data API let in before it: the hostile rows, and a task an operator wrote by hand.
// The migrations before it are applied as they are (each file one simple query, one transaction,
// as `supabase db push` applies them); the rows are written as the tables' owner; then the
// migration runs, and must repair what it says it repairs and validate what it can.

const migration = '20261130021000_data_api_read_only.sql';
const root = new URL('../../', import.meta.url).pathname;

let database: LocalPostgres;
let sql: postgres.Sql;
const warnings: string[] = [];

const id = (group: string, n: number) =>
  `00000000-0000-4000-8000-${group}${String(n).padStart(12 - group.length, '0')}`;
const ids = {
  contributor: id('1a', 1),
  task: id('1e', 1),
  operatorsTask: id('1e', 2),
  pendingHostileType: id('15', 1),
  uploadedSvg: id('15', 2),
  pendingSpoofedName: id('15', 3),
  reviewedNoisyNote: id('15', 4),
  ordinary: id('15', 5),
};
const hostileType = `audio/${'x'.repeat(2 * 1024 * 1024)}`;
const spoofedName = `${'a'.repeat(300)}\u202Egpj.exe\n<script>alert(1)</script>.webm`;

beforeAll(async () => {
  database = await startPostgres();
  sql = postgres(database.url, {
    max: 1,
    onnotice: (notice) => {
      if (notice.severity === 'WARNING') warnings.push(String(notice.message));
    },
  });
  await sql.unsafe(readFileSync(join(root, 'scripts/sql/supabase-baseline.sql'), 'utf8'));
  const earlier = readdirSync(migrationsDirectory)
    .filter((file) => file.endsWith('.sql') && file < migration)
    .sort();
  for (const file of earlier) await sql.unsafe(readFileSync(join(migrationsDirectory, file), 'utf8'));

  await sql.begin(async (tx) => {
    await tx`set local role supabase_auth_admin`;
    await tx`insert into auth.users (id, email, created_at) values (${ids.contributor}, 'c@migration.test', now())`;
    await tx`reset role`;
    // A display name with a C1 control, which [[:cntrl:]] leaves in a database whose locale is C.
    await tx`update public.profiles set display_name = ${'Ada\u0085 Lovelace'} where id = ${ids.contributor}`;
    await tx`insert into public.tasks (id, title, allowed_content_types, max_bytes) values
      (${ids.task}, 'Task', array['audio/*', 'image/*'], 1000000000),
      (${ids.operatorsTask}, ${'Typed\u0007 by hand'}, array['audio/*'], 1000)`;
    await tx`insert into public.task_assignments (task_id, user_id) values (${ids.task}, ${ids.contributor})`;
    const submission = (
      submissionId: string,
      status: string,
      contentType: string,
      filename: string | null,
      note: string | null = null,
    ) => tx`
      insert into public.submissions (id, task_id, contributor_id, status, content_type, declared_size, original_filename, review_note)
      values (${submissionId}, ${ids.task}, ${ids.contributor}, ${status}, ${contentType}, 10, ${filename}, ${note})`;
    await submission(ids.pendingHostileType, 'pending', hostileType, 'take.webm');
    await submission(ids.uploadedSvg, 'uploaded', 'image/svg+xml', 'drawing.svg');
    await submission(ids.pendingSpoofedName, 'pending', 'audio/webm', spoofedName);
    await submission(ids.reviewedNoisyNote, 'rejected', 'audio/webm', 'take.webm', `noisy\u0007${'n'.repeat(2100)}`);
    await submission(ids.ordinary, 'pending', 'audio/webm; codecs=opus', 'take.webm', null);
  });

  await sql.unsafe(readFileSync(join(migrationsDirectory, migration), 'utf8'));
}, 120_000);

afterAll(async () => {
  await sql?.end({ timeout: 5 });
  await database?.stop();
});

describe(`${migration} on a database the Data API wrote to`, () => {
  const submission = async (submissionId: string) =>
    (
      await sql<
        { status: string; content_type: string; original_filename: string | null; review_note: string | null }[]
      >`
        select status, content_type, original_filename, review_note from public.submissions where id = ${submissionId}`
    )[0]!;

  it('aborts a pending submission whose content type the API refuses, and makes the type application/octet-stream', async () => {
    expect(await submission(ids.pendingHostileType)).toMatchObject({
      status: 'aborted',
      content_type: 'application/octet-stream',
      original_filename: 'take.webm',
    });
  });

  it('keeps an uploaded submission of an active type, as application/octet-stream (how view links serve it already)', async () => {
    expect(await submission(ids.uploadedSvg)).toMatchObject({
      status: 'uploaded',
      content_type: 'application/octet-stream',
      original_filename: 'drawing.svg',
    });
  });

  it('clears a file name the API refuses and leaves its upload pending', async () => {
    expect(await submission(ids.pendingSpoofedName)).toMatchObject({
      status: 'pending',
      content_type: 'audio/webm',
      original_filename: null,
    });
  });

  it('strips the refused control characters from a review note and cuts it to 2,000 characters', async () => {
    expect((await submission(ids.reviewedNoisyNote)).review_note).toBe(`noisy${'n'.repeat(1995)}`);
  });

  it('changes nothing in a row that keeps the rules', async () => {
    expect(await submission(ids.ordinary)).toEqual({
      status: 'pending',
      content_type: 'audio/webm; codecs=opus',
      original_filename: 'take.webm',
      review_note: null,
    });
  });

  it('strips the C1 control from a display name', async () => {
    const [profile] = await sql`select display_name from public.profiles where id = ${ids.contributor}`;
    expect(profile!.display_name).toBe('Ada Lovelace');
  });

  it('validates every constraint but the one a hand-written task breaks, which it names in a warning', async () => {
    const constraints = await sql<{ conname: string; convalidated: boolean }[]>`
      select conname, convalidated from pg_constraint
      where connamespace = 'public'::regnamespace and contype = 'c' and conname like any (array['%\\_text', 'submissions\\_content\\_type%', 'tasks\\_allowed%'])
      order by conname`;
    expect(Object.fromEntries(constraints.map((c) => [c.conname, c.convalidated]))).toEqual({
      companies_name_text: true,
      datasets_description_text: true,
      profiles_display_name_text: true,
      submissions_content_type_media_type: true,
      submissions_content_type_not_active: true,
      submissions_original_filename_text: true,
      submissions_review_note_text: true,
      tasks_allowed_content_types_patterns: true,
      tasks_description_text: true,
      tasks_title_text: false,
    });
    expect(warnings).toEqual([
      'constraint tasks_title_text on tasks is NOT VALID: rows written before it break it; fix them, then run: alter table tasks validate constraint tasks_title_text',
    ]);
    const [task] = await sql`select title from public.tasks where id = ${ids.operatorsTask}`;
    expect(task!.title).toBe('Typed\u0007 by hand');
  });

  it('still checks new and changed rows against the constraint it left NOT VALID, and validates it once the row is fixed', async () => {
    await expect(
      sql`insert into public.tasks (title, allowed_content_types, max_bytes) values (${'bell\u0007'}, array['audio/*'], 1)`,
    ).rejects.toMatchObject({ code: '23514', constraint_name: 'tasks_title_text' });
    await sql`update public.tasks set title = 'Typed by hand' where id = ${ids.operatorsTask}`;
    await sql`alter table public.tasks validate constraint tasks_title_text`;
    const [constraint] = await sql`select convalidated from pg_constraint where conname = 'tasks_title_text'`;
    expect(constraint!.convalidated).toBe(true);
  });
});
