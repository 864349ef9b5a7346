import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  createContributor,
  demoUsers,
  errorOf,
  requestUpload,
  serviceDatabase,
  tokenFor,
} from '../support/integration-helpers';

// Admins manage roles, companies, tasks and assignments through the gateway's API, each change
// written to the access log; everyone else is refused and changes nothing. The database is shared
// with the other test files, so every test makes its own users, companies and tasks.

const sql = serviceDatabase();
let admin: string;
const agent = { 'user-agent': 'administration-test/1', 'cf-connecting-ip': '198.51.100.7' };

beforeAll(async () => {
  admin = await tokenFor('admin');
});
afterAll(() => sql.end());

/** Signs a user up the way Supabase Auth does: the trigger on auth.users makes the profile. */
async function signUp(name = 'Someone') {
  const userId = crypto.randomUUID();
  const email = `signup-${userId}@test.xum-ai.app`;
  await sql`insert into auth.users (id, email, raw_user_meta_data, created_at) values (${userId}, ${email}, ${sql.json({ full_name: name })}, now())`;
  return { userId, email };
}

const uniqueName = (prefix: string) => `${prefix} ${crypto.randomUUID().slice(0, 8)}`;

async function logOf(filter: string) {
  const result = await call('GET', `/v1/access-log?${filter}`, { token: admin });
  expect(result.status).toBe(200);
  return result.json.entries as {
    action: string;
    userId: string;
    subjectUserId: string | null;
    taskId: string | null;
    details: unknown;
    ip: string;
    userAgent: string;
  }[];
}

async function newTask(body: Record<string, unknown> = {}) {
  const result = await call('POST', '/v1/tasks', {
    token: admin,
    headers: agent,
    json: { title: uniqueName('Task'), allowedContentTypes: ['audio/*'], maxBytes: 1000, ...body },
  });
  expect(result.status, result.text).toBe(201);
  return result.json.task as {
    id: string;
    title: string;
    status: string;
    allowedContentTypes: string[];
    maxBytes: number;
    description: string | null;
  };
}

describe('users and roles', () => {
  it('an admin finds a new user by email, a contributor with the name they signed up with', async () => {
    const { userId, email } = await signUp('Ada Lovelace');
    const found = await call('GET', `/v1/users?email=${encodeURIComponent(email.toUpperCase())}`, { token: admin });
    expect(found.status).toBe(200);
    expect(found.json.users).toEqual([
      {
        id: userId,
        email,
        role: 'contributor',
        companyId: null,
        displayName: 'Ada Lovelace',
        createdAt: expect.any(String),
        deletedAt: null,
      },
    ]);
    expect(found.json.nextCursor).toBeNull();
  });

  it('pages through users newest first', async () => {
    for (let i = 0; i < 3; i++) await signUp();
    const first = await call('GET', '/v1/users?role=contributor&limit=2', { token: admin });
    expect(first.json.users).toHaveLength(2);
    const second = await call('GET', `/v1/users?role=contributor&limit=2&cursor=${first.json.nextCursor}`, {
      token: admin,
    });
    expect(second.json.users).toHaveLength(2);
    const [a, b, c, d] = [...first.json.users, ...second.json.users].map(
      (user: { createdAt: string; id: string }) => `${user.createdAt}/${user.id}`,
    );
    expect([a, b, c, d]).toEqual([a, b, c, d].sort().reverse());
    expect(new Set([a, b, c, d]).size).toBe(4);
  });

  it('an admin makes a user a company user, then a validator; both changes are logged with what they were', async () => {
    const { userId, email } = await signUp();
    const company = (
      await call('POST', '/v1/companies', { token: admin, headers: agent, json: { name: uniqueName('Acme') } })
    ).json.company;
    const toCompany = await call('PUT', `/v1/users/${userId}/role`, {
      token: admin,
      headers: agent,
      json: { role: 'company', companyId: company.id },
    });
    expect(toCompany.status).toBe(200);
    expect(toCompany.json.user).toMatchObject({ id: userId, email, role: 'company', companyId: company.id });
    // The role is read from the database on the user's next request.
    const asCompany = await tokenFor({ userId, email });
    expect((await call('GET', '/v1/datasets', { token: asCompany })).status).toBe(200);

    const toValidator = await call('PUT', `/v1/users/${userId}/role`, {
      token: admin,
      headers: agent,
      json: { role: 'validator' },
    });
    expect(toValidator.json.user).toMatchObject({ role: 'validator', companyId: null });
    expect((await call('GET', '/v1/datasets', { token: asCompany })).status).toBe(403);

    const entries = await logOf(`action=user.role&subjectUserId=${userId}`);
    expect(entries.map((entry) => entry.details)).toEqual([
      { role: { from: 'company', to: 'validator' }, companyId: { from: company.id, to: null } },
      { role: { from: 'contributor', to: 'company' }, companyId: { from: null, to: company.id } },
    ]);
    expect(entries[0]).toMatchObject({
      userId: demoUsers.admin.userId,
      ip: '198.51.100.7',
      userAgent: 'administration-test/1',
    });

    // Setting what is already set changes nothing and logs nothing.
    expect((await call('PUT', `/v1/users/${userId}/role`, { token: admin, json: { role: 'validator' } })).status).toBe(
      200,
    );
    expect(await logOf(`action=user.role&subjectUserId=${userId}`)).toHaveLength(2);
  });

  it('refuses a company role without a company, a company for any other role, and unknown users and companies', async () => {
    const { userId } = await signUp();
    const cases: [unknown, string, number, string][] = [
      [
        { role: 'company' },
        userId,
        400,
        'companyId: companyId is required for the company role and allowed for no other',
      ],
      [
        { role: 'validator', companyId: crypto.randomUUID() },
        userId,
        400,
        'companyId: companyId is required for the company role and allowed for no other',
      ],
      [{ role: 'company', companyId: crypto.randomUUID() }, userId, 404, 'company not found'],
      [{ role: 'validator' }, crypto.randomUUID(), 404, 'user not found'],
      [{ role: 'superuser' }, userId, 400, expect.stringMatching(/^role: /) as unknown as string],
    ];
    for (const [json, id, status, message] of cases) {
      const result = await call('PUT', `/v1/users/${id}/role`, { token: admin, json });
      expect(result.status, JSON.stringify(json)).toBe(status);
      expect(errorOf(result).message).toEqual(message);
    }
    expect((await sql`select role from public.profiles where id = ${userId}`)[0]!.role).toBe('contributor');
    expect(await logOf(`subjectUserId=${userId}`)).toEqual([]);
  });

  it('a deleted account cannot be given a role; it is listed without its email', async () => {
    const { userId } = await signUp('Gone Soon');
    await sql`delete from auth.users where id = ${userId}`;
    const result = await call('PUT', `/v1/users/${userId}/role`, { token: admin, json: { role: 'admin' } });
    expect(result.status).toBe(409);
    expect(errorOf(result).message).toBe('this account was deleted');
    const listed = (await call('GET', '/v1/users?limit=100', { token: admin })).json.users.find(
      (user: { id: string }) => user.id === userId,
    );
    expect(listed).toMatchObject({
      email: null,
      role: 'contributor',
      displayName: null,
      deletedAt: expect.any(String),
    });
  });
});

describe('companies', () => {
  it('names that look like SQL or like the constants the gateway writes values as are stored exactly', async () => {
    // Values travel as dollar-quoted constants in the SQL text (src/db/sql-text.ts).
    const suffix = crypto.randomUUID().slice(0, 8);
    for (const name of [
      `$v$'); drop table public.companies; -- ${suffix}`,
      `$v0$ $$ \\' ${suffix} $v`,
      `Ünïcödé – 日本語 \n ${suffix} $`,
    ]) {
      const created = await call('POST', '/v1/companies', { token: admin, json: { name } });
      expect(created.status, created.text).toBe(201);
      expect(created.json.company.name).toBe(name);
      const [stored] = await sql<
        { name: string }[]
      >`select name from public.companies where id = ${created.json.company.id}`;
      expect(stored!.name).toBe(name);
      const listed = (await call('GET', '/v1/companies', { token: admin })).json.companies;
      expect(listed).toContainEqual({ id: created.json.company.id, name });
    }
  });

  it('an admin creates a company once; the same name again is 409', async () => {
    const name = uniqueName('Globex');
    const created = await call('POST', '/v1/companies', { token: admin, headers: agent, json: { name } });
    expect(created.status).toBe(201);
    expect(created.json.company).toEqual({ id: expect.any(String), name });
    const again = await call('POST', '/v1/companies', { token: admin, json: { name } });
    expect(again.status).toBe(409);
    expect(errorOf(again).message).toBe('a company with this name exists');
    const listed = (await call('GET', '/v1/companies', { token: admin })).json.companies;
    expect(listed).toContainEqual(created.json.company);
    const entries = (await logOf('action=company.create')).filter(
      (entry) => (entry.details as { name: string }).name === name,
    );
    expect(entries).toHaveLength(1);
    expect(entries[0]!.details).toEqual({ companyId: created.json.company.id, name });
  });
});

describe('tasks and assignments', () => {
  it('an admin creates a task, assigns a contributor, widens it, closes it, and takes it away; every step shows and is logged', async () => {
    const task = await newTask({ description: 'Say hello' });
    expect(task).toMatchObject({
      status: 'open',
      allowedContentTypes: ['audio/*'],
      maxBytes: 1000,
      description: 'Say hello',
    });
    const contributor = await createContributor(sql);
    const token = await tokenFor(contributor);
    const visible = async () => (await call('GET', '/v1/tasks', { token })).json.tasks.map((t: { id: string }) => t.id);
    expect(await visible()).not.toContain(task.id);
    expect((await requestUpload(token, { taskId: task.id, contentType: 'audio/webm', size: 10 })).status).toBe(404);

    const assigned = await call('PUT', `/v1/tasks/${task.id}/assignments/${contributor.userId}`, {
      token: admin,
      headers: agent,
    });
    expect(assigned.status).toBe(201);
    expect(assigned.json).toEqual({ taskId: task.id, userId: contributor.userId });
    expect((await call('PUT', `/v1/tasks/${task.id}/assignments/${contributor.userId}`, { token: admin })).status).toBe(
      200,
    );
    expect((await call('GET', `/v1/tasks/${task.id}/assignments`, { token: admin })).json).toEqual({
      userIds: [contributor.userId],
    });
    expect(await visible()).toContain(task.id);
    expect((await requestUpload(token, { taskId: task.id, contentType: 'audio/webm', size: 10 })).status).toBe(201);
    const video = await requestUpload(token, { taskId: task.id, contentType: 'video/mp4', size: 2000 });
    expect(video.status).toBe(400);

    const widened = await call('PATCH', `/v1/tasks/${task.id}`, {
      token: admin,
      headers: agent,
      json: { allowedContentTypes: ['audio/*', 'video/mp4'], maxBytes: 5000 },
    });
    expect(widened.status).toBe(200);
    expect(widened.json.task).toMatchObject({
      allowedContentTypes: ['audio/*', 'video/mp4'],
      maxBytes: 5000,
      title: task.title,
      status: 'open',
    });
    expect((await requestUpload(token, { taskId: task.id, contentType: 'video/mp4', size: 2000 })).status).toBe(201);

    const closed = await call('PATCH', `/v1/tasks/${task.id}`, {
      token: admin,
      headers: agent,
      json: { status: 'closed' },
    });
    expect(closed.json.task.status).toBe('closed');
    expect(await visible()).not.toContain(task.id);
    const refused = await requestUpload(token, { taskId: task.id, contentType: 'audio/webm', size: 10 });
    expect(refused.status).toBe(409);
    expect(errorOf(refused).message).toBe('task is closed');
    const all = (await call('GET', '/v1/tasks?scope=all', { token: admin })).json.tasks;
    expect(all.find((t: { id: string }) => t.id === task.id)).toMatchObject({ status: 'closed' });

    expect(
      (await call('DELETE', `/v1/tasks/${task.id}/assignments/${contributor.userId}`, { token: admin, headers: agent }))
        .status,
    ).toBe(204);
    const gone = await call('DELETE', `/v1/tasks/${task.id}/assignments/${contributor.userId}`, { token: admin });
    expect(gone.status).toBe(404);
    expect(errorOf(gone).message).toBe('no such assignment');

    const entries = await logOf(`taskId=${task.id}`);
    expect(entries.map((entry) => [entry.action, entry.subjectUserId, entry.details])).toEqual([
      ['task.unassign', contributor.userId, null],
      ['task.update', null, { status: { from: 'open', to: 'closed' } }],
      [
        'task.update',
        null,
        {
          allowedContentTypes: { from: ['audio/*'], to: ['audio/*', 'video/mp4'] },
          maxBytes: { from: 1000, to: 5000 },
        },
      ],
      ['task.assign', contributor.userId, null],
      ['task.create', null, { title: task.title, allowedContentTypes: ['audio/*'], maxBytes: 1000 }],
    ]);
    expect(
      entries.every((entry) => entry.userId === demoUsers.admin.userId && entry.userAgent === 'administration-test/1'),
    ).toBe(true);
  });

  it('refuses bad task definitions with the field and the reason', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ allowedContentTypes: [] }, /^allowedContentTypes: /],
      [{ allowedContentTypes: ['image/svg+xml'] }, /^allowedContentTypes\.0: is active content/],
      [{ allowedContentTypes: ['text/html'] }, /^allowedContentTypes\.0: is active content/],
      [{ allowedContentTypes: ['*/*'] }, /^allowedContentTypes\.0: must be a media type/],
      [{ allowedContentTypes: ['audio/webm; codecs=opus'] }, /^allowedContentTypes\.0: must be a media type/],
      [{ allowedContentTypes: ['audio/*', 'AUDIO/*'] }, /^allowedContentTypes: must not repeat a type/],
      [{ maxBytes: 0 }, /^maxBytes: /],
      [{ maxBytes: 5 * 1024 ** 4 + 1 }, /^maxBytes: /],
      [{ title: '   ' }, /^title: must not be blank/],
      [{ title: 'a\u0000b' }, /^title: must not contain control characters/],
      [{ owner: 'me' }, /owner/],
    ];
    const title = uniqueName('Refused');
    for (const [change, message] of cases) {
      const result = await call('POST', '/v1/tasks', {
        token: admin,
        json: { title, allowedContentTypes: ['audio/*'], maxBytes: 10, ...change },
      });
      expect(result.status, JSON.stringify(change)).toBe(400);
      expect(errorOf(result).message).toMatch(message);
    }
    expect(await sql`select 1 from public.tasks where title = ${title}`).toHaveLength(0);
    const task = await newTask();
    const empty = await call('PATCH', `/v1/tasks/${task.id}`, { token: admin, json: {} });
    expect(empty.status).toBe(400);
    expect(errorOf(empty).message).toBe('body: name at least one field to change');
    const missing = await call('PATCH', `/v1/tasks/${crypto.randomUUID()}`, {
      token: admin,
      json: { status: 'closed' },
    });
    expect(missing.status).toBe(404);
    expect(errorOf(missing).message).toBe('task not found');
  });

  it('assigns only live contributors to tasks that exist', async () => {
    const task = await newTask();
    const { userId: validatorId } = await signUp();
    await sql`update public.profiles set role = 'validator' where id = ${validatorId}`;
    const deleted = await signUp();
    await sql`delete from auth.users where id = ${deleted.userId}`;
    const contributor = await createContributor(sql);
    const cases: [string, string, number, string][] = [
      [task.id, validatorId, 409, 'only contributors are assigned tasks'],
      [task.id, deleted.userId, 409, 'this account was deleted'],
      [task.id, crypto.randomUUID(), 404, 'user not found'],
      [crypto.randomUUID(), contributor.userId, 404, 'task not found'],
    ];
    for (const [taskId, userId, status, message] of cases) {
      const result = await call('PUT', `/v1/tasks/${taskId}/assignments/${userId}`, { token: admin });
      expect(result.status, message).toBe(status);
      expect(errorOf(result).message).toBe(message);
    }
    expect((await call('GET', `/v1/tasks/${task.id}/assignments`, { token: admin })).json.userIds).toEqual([]);
  });
});

describe('everyone but an admin is refused, and nothing changes', () => {
  it.each(['contributor', 'validator', 'company'] as const)('%s', async (role) => {
    const token = await tokenFor(role);
    const task = await newTask();
    const { userId } = await signUp();
    const requests: [string, string, unknown?][] = [
      ['GET', `/v1/users`],
      ['PUT', `/v1/users/${userId}/role`, { role: 'admin' }],
      ['PUT', `/v1/users/${demoUsers[role].userId}/role`, { role: 'admin' }],
      ['POST', '/v1/companies', { name: uniqueName('Rogue') }],
      ['POST', '/v1/tasks', { title: 'rogue', allowedContentTypes: ['audio/*'], maxBytes: 10 }],
      ['PATCH', `/v1/tasks/${task.id}`, { maxBytes: 10 ** 12 }],
      ['GET', `/v1/tasks/${task.id}/assignments`],
      ['PUT', `/v1/tasks/${task.id}/assignments/${demoUsers[role].userId}`],
      ['DELETE', `/v1/tasks/${task.id}/assignments/${userId}`],
      ['GET', '/v1/tasks?scope=all'],
    ];
    for (const [method, path, json] of requests) {
      const result = await call(method, path, { token, json });
      expect(result.status, `${method} ${path}`).toBe(403);
      expect(errorOf(result)).toMatchObject({ code: 'forbidden', message: 'not allowed for this account' });
    }
    expect((await sql`select max_bytes from public.tasks where id = ${task.id}`)[0]!.max_bytes).toBe('1000');
    expect((await sql`select role from public.profiles where id = ${userId}`)[0]!.role).toBe('contributor');
    expect((await sql`select role from public.profiles where id = ${demoUsers[role].userId}`)[0]!.role).toBe(role);
    expect(await sql`select 1 from public.tasks where title = 'rogue'`).toHaveLength(0);
    expect(await sql`select 1 from public.task_assignments where task_id = ${task.id}`).toHaveLength(0);
    expect(await logOf(`subjectUserId=${userId}`)).toEqual([]);
  });

  it('the database refuses the same calls made straight to the gateway functions by a non-admin', async () => {
    const { userId } = await signUp();
    const task = await newTask();
    const outcomes = await sql.begin(async (tx) => {
      await tx`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${JSON.stringify({ sub: demoUsers.validator.userId, role: 'authenticated' })}, true)`;
      return tx`select
        gateway.admin_set_role(${userId}, 'admin', null, null, null) as role,
        gateway.admin_create_company('Rogue', null, null) as company,
        gateway.admin_create_task('rogue', null, array['*/*'], 1, null, null) as task,
        gateway.admin_update_task(${task.id}, null, null, null, 99, null, null, null) as task_update,
        gateway.admin_assign(${task.id}, ${userId}, null, null) as assign,
        gateway.admin_unassign(${task.id}, ${userId}, null, null) as unassign,
        (select count(*)::int from gateway.admin_list_users(null, null, null, null, null, 10)) as listed`;
    });
    expect(outcomes[0]).toEqual({
      role: 'forbidden',
      company: null,
      task: null,
      task_update: 'forbidden',
      assign: 'forbidden',
      unassign: 'forbidden',
      listed: 0,
    });
  });
});
