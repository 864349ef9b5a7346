import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  createContributor,
  demoUsers,
  errorOf,
  randomBytes,
  serviceDatabase,
  tokenFor,
  uploadSubmission,
} from '../support/integration-helpers';

const sql = serviceDatabase();
let admin: string;
let submissionId: string;
let startedAt: string;

beforeAll(async () => {
  admin = await tokenFor('admin');
  startedAt = new Date(Date.now() - 1000).toISOString();
  const contributor = await tokenFor(await createContributor(sql));
  submissionId = (await uploadSubmission(contributor, randomBytes(20))).id;
  const validator = await tokenFor('validator');
  for (const agent of ['first/1', 'second/2', 'third/3']) {
    expect(
      (
        await call('POST', `/v1/submissions/${submissionId}/view-url`, {
          token: validator,
          headers: { 'user-agent': agent },
        })
      ).status,
    ).toBe(200);
  }
});
afterAll(() => sql.end());

describe('GET /v1/access-log', () => {
  it('admins read who viewed what, newest first, filtered and paged', async () => {
    const query = `userId=${demoUsers.validator.userId}&action=submission.view&from=${encodeURIComponent(startedAt)}`;
    const all = await call('GET', `/v1/access-log?${query}`, { token: admin });
    expect(all.status).toBe(200);
    const mine = all.json.entries.filter((entry: { submissionId: string }) => entry.submissionId === submissionId);
    expect(mine.map((entry: { userAgent: string }) => entry.userAgent)).toEqual(['third/3', 'second/2', 'first/1']);
    expect(mine[0]).toMatchObject({
      userId: demoUsers.validator.userId,
      action: 'submission.view',
      companyId: null,
      bundleId: null,
    });

    const first = await call('GET', `/v1/access-log?${query}&limit=1`, { token: admin });
    expect(first.json.entries).toHaveLength(1);
    expect(first.json.nextCursor).toBe(first.json.entries[0].id);
    const second = await call('GET', `/v1/access-log?${query}&limit=1&cursor=${first.json.nextCursor}`, {
      token: admin,
    });
    expect(second.json.entries[0].id).toBeLessThan(first.json.entries[0].id);

    const future = encodeURIComponent(new Date(Date.now() + 3600_000).toISOString());
    expect((await call('GET', `/v1/access-log?from=${future}`, { token: admin })).json.entries).toEqual([]);
    const before = await call(
      'GET',
      `/v1/access-log?to=${encodeURIComponent(startedAt)}&userId=${demoUsers.validator.userId}`,
      { token: admin },
    );
    expect(before.json.entries.some((entry: { submissionId: string }) => entry.submissionId === submissionId)).toBe(
      false,
    );
    const bundles = await call('GET', `/v1/access-log?action=bundle.create&userId=${demoUsers.validator.userId}`, {
      token: admin,
    });
    expect(bundles.json.entries).toEqual([]);
  });

  it('is for admins only, and refuses bad filters', async () => {
    for (const role of ['validator', 'company', 'contributor'] as const) {
      expect((await call('GET', '/v1/access-log', { token: await tokenFor(role) })).status, role).toBe(403);
    }
    for (const query of [
      'limit=0',
      'limit=501',
      'action=deleted',
      'userId=x',
      'from=yesterday',
      'cursor=0',
      'extra=1',
    ]) {
      const result = await call('GET', `/v1/access-log?${query}`, { token: admin });
      expect(result.status, query).toBe(400);
      expect(errorOf(result).code).toBe('invalid_request');
    }
  });
});

describe('GET /v1/companies', () => {
  it('lists companies for admins only', async () => {
    const result = await call('GET', '/v1/companies', { token: admin });
    expect(result.status).toBe(200);
    expect(result.json.companies).toContainEqual({ id: '00000000-0000-4000-8000-0000000c0a01', name: 'Demo Company' });
    expect((await call('GET', '/v1/companies', { token: await tokenFor('company') })).status).toBe(403);
  });
});
