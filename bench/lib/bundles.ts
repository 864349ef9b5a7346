// Large approved submissions and bundles of them, for the benchmarks that download bundles
// (bench:zip, bench:load). Bodies are generated, never held whole: one random block shared by all.
import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type postgres from 'postgres';
import { type SeedBody, type SeedS3, type Seeded, seedApproved } from '../../test/support/seed';

/**
 * `count` bodies of `size` bytes: one random block shared by all, each made distinct (and its CRC
 * different) by an 8-byte prefix. CRC-32 is computed natively, as completing an upload records it.
 */
export function syntheticObjects(count: number, size: number, tag: number): SeedBody[] {
  const block = randomBytes(size);
  const tail = block.subarray(8);
  const tailCrc = (prefix: Buffer) => crc32(tail, crc32(prefix));
  return Array.from({ length: count }, (_, index) => {
    const prefix = Buffer.alloc(8);
    prefix.writeUInt32BE(tag);
    prefix.writeUInt32BE(index, 4);
    return { size, chunks: () => [prefix, tail], crc32: tailCrc(prefix), sha256: null };
  });
}

/** seedApproved over a few connections at once; the order of the result is the order of `bodies`. */
export async function seedInParallel(sql: postgres.Sql, s3: SeedS3, bodies: SeedBody[], lanes = 4): Promise<Seeded[]> {
  const results = new Array<Seeded>(bodies.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < bodies.length) {
        const index = next++;
        [results[index]] = (await seedApproved(sql, s3, [bodies[index]!])) as [Seeded];
      }
    }),
  );
  return results;
}

/** POST /v1/bundles as `token` (an admin's); resolves with the created bundle (id, url, bytes…). */
/** What POST /v1/bundles answers (201): the bundle, its link and its size. */
export interface CreatedBundle {
  id: string;
  url: string;
  bytes: number;
}

export async function createBundle(api: string, token: string, members: { id: string }[]): Promise<CreatedBundle> {
  const response = await fetch(`${api}/v1/bundles`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ submissionIds: members.map((member) => member.id) }),
  });
  if (response.status !== 201)
    throw new Error(`POST /v1/bundles answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as CreatedBundle;
}
