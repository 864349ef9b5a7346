// Validators: list uploaded submissions, open each through a view URL (and GET it, checking the
// bytes against the contributor's SHA-256), then approve or reject. Two validators share the demo
// validator account, so each takes the submissions of its own half of the id space: two
// different decisions on one submission would be a 409 by design, not a fault.
import { createHash } from 'node:crypto';
import type { Random } from './random';
import { retrying, sleep } from './traffic';
import type { World } from './world';

interface Listed {
  submissions: { id: string; status: string }[];
}

const mine = (id: string, lane: number, lanes: number) => Number.parseInt(id.slice(-4), 16) % lanes === lane;

async function viewAndCheck(world: World, token: string, id: string) {
  const view = await retrying(() => world.call<{ url: string }>('POST', `/v1/submissions/${id}/view-url`, token));
  if (view.status !== 200 || !view.body?.url) return world.giveUp('POST /v1/submissions/{id}/view-url', view.status);
  world.promise('submission.view', id);
  const url = view.body.url;
  const got = await retrying(
    () => world.traffic.send('s3', 'GET view URL (presigned)', url),
    (status) => status !== 200,
    45_000,
  );
  if (got.status !== 200) return world.giveUp('GET view URL', got.status);
  const expected = world.completed.get(id);
  if (!expected) return;
  const sha256 = createHash('sha256').update(got.body).digest('hex');
  if (got.body.byteLength !== expected.size || sha256 !== expected.sha256) {
    world.corrupt.push(
      `view of ${id}: ${got.body.byteLength} bytes ${sha256}, uploaded ${expected.size} ${expected.sha256}`,
    );
  } else {
    world.verified.views += 1;
  }
}

export async function validator(world: World, random: Random, token: string, lane: number, lanes: number) {
  while (!world.stopping) {
    const page = await retrying(() =>
      world.call<Listed>('GET', '/v1/submissions?status=uploaded&limit=50', token, undefined, 'GET /v1/submissions'),
    );
    const todo = (page.body?.submissions ?? []).filter((submission) => mine(submission.id, lane, lanes)).slice(0, 4);
    if (todo.length === 0) {
      await sleep(500);
      continue;
    }
    for (const { id } of todo) {
      if (world.stopping) break;
      await viewAndCheck(world, token, id);
      const decision = random.chance(0.8) ? 'approve' : 'reject';
      const reviewed = await retrying(() =>
        world.call('POST', `/v1/submissions/${id}/review`, token, { decision, note: 'soak' }),
      );
      if (reviewed.status !== 200) {
        world.giveUp('POST /v1/submissions/{id}/review', reviewed.status);
        continue;
      }
      if (decision === 'approve') world.approved.push(id);
    }
  }
}
