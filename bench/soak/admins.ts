// Admins: datasets of approved submissions in every format, with few members per shard so that
// most have several shards, granted to the demo company; and bundles of approved submissions.
import { demoCompanyId } from '../../scripts/lib/jwt';
import type { Random } from './random';
import { retrying, sleep } from './traffic';
import type { SoakDataset, World } from './world';

const formats: SoakDataset['format'][] = ['zip', 'parquet', 'webdataset'];

/** `count` distinct ids drawn from `pool`. */
function sample(random: Random, pool: readonly string[], count: number): string[] {
  const chosen = new Set<string>();
  while (chosen.size < Math.min(count, pool.length)) chosen.add(random.pick(pool));
  return [...chosen];
}

async function createDataset(world: World, random: Random, token: string, round: number, seed: number) {
  const format = formats[round % formats.length]!;
  const submissionIds = sample(random, world.approved, random.int(2, 8));
  const created = await retrying(() =>
    world.call<{ id: string }>('POST', '/v1/datasets', token, {
      name: `soak-${seed}-${round}-${format}`,
      description: 'soak',
      submissionIds,
      format,
      shardMaxMembers: random.int(1, 3),
    }),
  );
  if (created.status !== 202 || !created.body) return world.giveUp('POST /v1/datasets', created.status);
  const id = created.body.id;
  const granted = await retrying(() =>
    world.call('POST', `/v1/datasets/${id}/grants`, token, { companyId: demoCompanyId }),
  );
  if (granted.status !== 201 && granted.status !== 200) {
    return world.giveUp('POST /v1/datasets/{id}/grants', granted.status);
  }
  world.datasets.push({ id, format, checked: false });
}

async function createBundle(world: World, random: Random, token: string) {
  const submissionIds = sample(random, world.approved, random.int(2, 4));
  const created = await retrying(() =>
    world.call<{ id: string; url: string; bytes: number }>('POST', '/v1/bundles', token, { submissionIds }),
  );
  if (created.status !== 201 || !created.body) return world.giveUp('POST /v1/bundles', created.status);
  world.promise('bundle.create', created.body.id);
  world.bundles.push({ ...created.body, checked: false });
}

export async function admin(world: World, random: Random, token: string, seed: number) {
  for (let round = 0; !world.stopping; ) {
    await sleep(random.int(1500, 4000));
    if (world.stopping || world.approved.length < 2) continue;
    await createDataset(world, random, token, round++, seed);
    await createBundle(world, random, token);
  }
}
