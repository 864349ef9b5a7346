import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness';

// A build longer than one queue invocation may run: with a slice of 0 s and one lane, every
// invocation uploads exactly one part, then queues the rest of the build as a new message. Only
// if each continuation picks up from the recorded parts does the dataset ever become ready.

const MiB = 1024 * 1024;
let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({
    workerBindings: { DATASET_BUILD_SLICE_SECONDS: '0', DATASET_BUILD_CONCURRENCY: '1' },
  });
}, 120_000);
afterAll(() => harness?.stop());

describe('a dataset build cut into slices', () => {
  it('continues in fresh invocations, one part each, without failures or repeats', async () => {
    const members = await harness.seedApproved([
      ...Array.from({ length: 25 }, () => randomBytes(250_000)),
      randomBytes(6 * MiB),
      ...Array.from({ length: 25 }, () => randomBytes(250_000)),
      randomBytes(6 * MiB),
      randomBytes(1000),
    ]);
    const admin = await harness.tokenFor('admin');
    const logFrom = harness.proxy.seen.length;
    const created = await fetch(`${harness.api}/v1/datasets`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'sliced', submissionIds: members.map((member) => member.id) }),
    });
    expect(created.status).toBe(202);
    const { id } = (await created.json()) as { id: string };
    let row: { status: string; failed_attempts: number; entries: number | null } | undefined;
    for (
      const started = Date.now();
      Date.now() - started < 60_000;
      await new Promise((resolve) => setTimeout(resolve, 200))
    ) {
      [row] = await harness.sql<
        { status: string; failed_attempts: number; entries: number | null }[]
      >`select status, failed_attempts, entries from public.datasets where id = ${id}`;
      if (row?.status !== 'building') break;
    }
    expect(row).toEqual({ status: 'ready', failed_attempts: 0, entries: members.length + 1 });
    const partPuts = harness.proxy.seen
      .slice(logFrom)
      .filter(
        (request) =>
          request.method === 'PUT' &&
          request.path.endsWith(`/datasets/${id}/sliced.zip`) &&
          request.query.has('partNumber'),
      )
      .map((request) => request.query.get('partNumber'));
    expect(partPuts.sort()).toEqual(['1', '2', '3', '4', '5']);
  });
});
