// Companies: download URLs of the ready datasets granted to them, every shard fetched and checked
// against the size and ETag the answer gave; bundles fetched whole and then in Range pieces that
// must reassemble to the same bytes.
import { createHash } from 'node:crypto';
import type { Random } from './random';
import { retrying, sleep, transient } from './traffic';
import type { SoakBundle, SoakDataset, World } from './world';

interface DownloadUrls {
  shards: { index: number; url: string; bytes: number; etag: string }[];
}

const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');

async function downloadDataset(world: World, token: string, dataset: SoakDataset) {
  // 409 is "not ready yet", tried again on a later round.
  const urls = await retrying(
    () => world.call<DownloadUrls>('POST', `/v1/datasets/${dataset.id}/download-url`, token),
    (status) => status === 0 || status >= 500,
  );
  if (urls.status === 409) return;
  if (urls.status !== 200 || !urls.body) return world.giveUp('POST /v1/datasets/{id}/download-url', urls.status);
  dataset.checked = true;
  world.promise('dataset.download', dataset.id, urls.body.shards.length);
  for (const shard of urls.body.shards) {
    const got = await retrying(
      () => world.traffic.send('s3', 'GET shard (presigned)', shard.url),
      (status) => status !== 200,
      45_000,
    );
    if (got.status !== 200) {
      world.giveUp('GET shard', got.status);
      continue;
    }
    // A single-part upload's ETag is the MD5 of its bytes; a multipart one's is not (it has a dash).
    const etag = shard.etag.replaceAll('"', '');
    if (got.body.byteLength !== shard.bytes || (!etag.includes('-') && md5(got.body) !== etag)) {
      world.corrupt.push(
        `dataset ${dataset.id} shard ${shard.index}: ${got.body.byteLength} bytes, promised ${shard.bytes}`,
      );
    } else {
      world.verified.shards += 1;
    }
  }
}

async function getBundle(world: World, bundle: SoakBundle, range?: [number, number]) {
  const headers: Record<string, string> = { 'accept-encoding': 'identity' };
  if (range) headers.range = `bytes=${range[0]}-${range[1]}`;
  const expected = range ? 206 : 200;
  const got = await retrying(
    () => world.traffic.send('gateway', range ? 'GET bundle (Range)' : 'GET bundle', bundle.url, { headers }),
    (status) => status !== expected && transient(status),
  );
  // The log keeps one bundle.download row per bundle and client address an hour
  // (gateway.open_bundle_download), so the ranges after the whole GET add none.
  if (got.status === 200) world.promise('bundle.download', bundle.id);
  return got;
}

async function downloadBundle(world: World, random: Random, bundle: SoakBundle) {
  bundle.checked = true;
  const whole = await getBundle(world, bundle);
  if (whole.status !== 200) return world.giveUp('GET bundle', whole.status);
  if (whole.body.byteLength !== bundle.bytes) {
    world.corrupt.push(`bundle ${bundle.id}: ${whole.body.byteLength} bytes, promised ${bundle.bytes}`);
    return;
  }
  world.verified.bundles += 1;
  if (whole.headers.get('accept-ranges') !== 'bytes' || bundle.bytes < 3) return;
  const first = random.int(1, bundle.bytes - 2);
  const second = random.int(first + 1, bundle.bytes - 1);
  const pieces: Buffer[] = [];
  for (const range of [
    [0, first - 1],
    [first, second - 1],
    [second, bundle.bytes - 1],
  ] as [number, number][]) {
    const piece = await getBundle(world, bundle, range);
    if (piece.status !== 206) return world.giveUp('GET bundle (Range)', piece.status);
    pieces.push(piece.body);
  }
  if (!Buffer.concat(pieces).equals(whole.body)) {
    world.corrupt.push(`bundle ${bundle.id}: ranges at ${first} and ${second} do not reassemble the bundle`);
  } else {
    world.verified.ranges += 1;
  }
}

export async function company(world: World, random: Random, token: string) {
  while (!world.stopping) {
    await sleep(random.int(500, 1500));
    const datasets = world.datasets.filter((candidate) => !candidate.checked);
    if (datasets.length > 0) await downloadDataset(world, token, random.pick(datasets));
    const bundles = world.bundles.filter((candidate) => !candidate.checked);
    if (bundles.length > 0) await downloadBundle(world, random, random.pick(bundles));
  }
}
