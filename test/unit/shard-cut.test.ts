import { describe, expect, it } from 'vitest';
import { layOutPackage } from '../../src/formats/package-layout';
import type { ArchiveMemberRecord, DatasetMemberRecord } from '../../src/db/archive-members';
import { memberArchiveBytes, ShardCutter } from '../../src/datasets/shard-cut';
import { shardFileName, shardObjectKey } from '../../src/datasets/shard-names';

const cut = (sizes: number[], bounds: { maxMembers: number; maxBytes: number }) => {
  const cutter = new ShardCutter(bounds);
  for (const [position, size] of sizes.entries()) cutter.add({ position, size, textBytes: 40 });
  return cutter.finish().map((shard) => [shard.firstPosition, shard.lastPosition]);
};

describe('cutting a member list into shards', () => {
  it('closes a shard at the member bound, in order, the last one short', () => {
    expect(cut([1, 2, 3, 4, 5, 6, 7], { maxMembers: 3, maxBytes: 1e9 })).toEqual([
      [0, 2],
      [3, 5],
      [6, 6],
    ]);
  });

  it('closes a shard before one more member would pass the byte bound; a member larger than it stands alone', () => {
    const MiB = 1024 ** 2;
    expect(cut([40 * MiB, 30 * MiB, 10 * MiB, 200 * MiB, 1], { maxMembers: 100, maxBytes: 64 * MiB })).toEqual([
      [0, 0],
      [1, 2],
      [3, 3],
      [4, 4],
    ]);
  });

  it.each([
    ['parquet', 1],
    ['parquet', 100],
    ['webdataset', 1],
    ['webdataset', 100],
  ] as const)('bounds a %s shard from above, members of %d byte(s) to 64 MiB', (format, smallest) => {
    // Sizes from tiny to one per row group (64 MiB), where Parquet's per-row overhead peaks.
    const sizes = [smallest, 511, 513, 64 * 1024 ** 2 + 1, 70 * 1024 ** 2, 3, 1024];
    const records: DatasetMemberRecord[] = sizes.map((size, index) => ({
      submissionId: crypto.randomUUID(),
      taskId: crypto.randomUUID(),
      contributorPseudonym: 'p'.repeat(40),
      contentType: 'audio/webm; codecs="opus"',
      size,
      crc32: null,
      sha256: 'b'.repeat(64),
      uploadedAt: new Date('2026-11-01T12:00:00Z'),
      createdAt: new Date('2026-11-01T11:00:00.123Z'),
      reviewedAt: index % 2 ? null : new Date('2026-11-02T11:00:00Z'),
      objectKey: `raw/${index}`,
    }));
    const planned = layOutPackage(records, format).container.totalLength;
    const textBytes = records[0]!.contentType.length + records[0]!.contributorPseudonym.length;
    const cutter = new ShardCutter({ maxMembers: 1000, maxBytes: 1e12, format });
    for (const [position, record] of records.entries()) cutter.add({ position, size: record.size, textBytes });
    const [shard] = cutter.finish();
    expect(shard!.estimatedBytes).toBeGreaterThanOrEqual(planned);
    // Tight enough to be useful: within 4 KiB per member of the truth.
    expect(shard!.estimatedBytes - planned).toBeLessThan(4096 * (records.length + 1));
  });

  it('bounds the shard archive from above: the estimate covers what layOutPackage plans', () => {
    const records: ArchiveMemberRecord[] = Array.from({ length: 200 }, (_, index) => ({
      submissionId: crypto.randomUUID(),
      taskId: crypto.randomUUID(),
      contributorPseudonym: '"q"'.repeat(20),
      contentType: 'audio/webm; codecs="opus"',
      size: index * 977,
      crc32: index,
      sha256: 'a'.repeat(64),
      uploadedAt: new Date('2026-11-01T12:00:00Z'),
      objectKey: `raw/${index}`,
    }));
    const planned = layOutPackage(records, 'zip').container.totalLength;
    const textBytes = records[0]!.contentType.length + records[0]!.contributorPseudonym.length;
    const cutter = new ShardCutter({ maxMembers: 1000, maxBytes: 1e12 });
    for (const [position, record] of records.entries()) cutter.add({ position, size: record.size, textBytes });
    const [shard] = cutter.finish();
    expect(shard!.estimatedBytes).toBeGreaterThanOrEqual(planned);
    expect(memberArchiveBytes({ size: 5, textBytes: 0 })).toBe(1029);
  });

  it('names shards as Hugging Face and WebDataset expect, and one shard as the single archive it was', () => {
    const zip = { name: 'speech', format: 'zip' } as const;
    expect(shardFileName(zip, 0, 1)).toBe('speech.zip');
    expect(shardFileName(zip, 3, 42)).toBe('speech-00003-of-00042.zip');
    expect(shardObjectKey('id', zip, 41, 42)).toBe('datasets/id/speech-00041-of-00042.zip');
    expect(shardFileName({ name: 'speech', format: 'parquet' }, 3, 42)).toBe('speech-00003-of-00042.parquet');
    expect(shardFileName({ name: 'speech', format: 'webdataset' }, 0, 1)).toBe('speech.tar');
  });
});
