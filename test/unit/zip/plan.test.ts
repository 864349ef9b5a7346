import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodeCentralDirectory } from '../../../src/zip/central-directory';
import { crc32 } from '../../../src/zip/crc32';
import { toDosDateTime } from '../../../src/zip/dos-time';
import { archiveEtag } from '../../../src/zip/etag';
import { ZipPlanError } from '../../../src/zip/errors';
import { encodeDataDescriptor, encodeLocalHeader } from '../../../src/zip/headers';
import { planManifestMember } from '../../../src/zip/manifest';
import { planArchive } from '../../../src/zip/plan';
import type { ArchiveMember, StoredMember } from '../../../src/zip/types';
import { assembleArchive, bodiesFromArrays, containsSignature } from './archive-fixture';

const modifiedAt = new Date('2026-01-31T23:59:59Z');

function stored(name: string, size: number, crc: number | null = 0): StoredMember {
  return { name, size, crc32: crc, modifiedAt, body: 'stored' };
}

function planError(members: ArchiveMember[]): ZipPlanError {
  try {
    planArchive(members);
  } catch (error) {
    if (error instanceof ZipPlanError) return error;
    throw error;
  }
  throw new Error('planArchive accepted the members');
}

describe('planArchive layout', () => {
  it('places records back to back and accounts for every byte', () => {
    const plan = planArchive([stored('a.txt', 10), stored('dir/b.txt', 0), stored('c.txt', 5, null)]);
    const [a, b, c] = plan.entries;
    if (!a || !b || !c) throw new Error('three entries expected');
    expect(a.localHeaderOffset).toBe(0);
    // 30 fixed + name + 9 for the Extended Timestamp extra.
    expect(a.localHeaderLength).toBe(30 + 5 + 9);
    expect(a.dataOffset).toBe(a.localHeaderLength);
    expect(b.localHeaderOffset).toBe(a.dataOffset + 10);
    expect(c.dataDescriptorLength).toBe(16);
    expect(plan.centralDirectoryOffset).toBe(c.dataOffset + 5 + 16);
    expect(plan.centralDirectorySize).toBe(3 * (46 + 9) + 5 + 9 + 5);
    expect(plan.endRecordsOffset).toBe(plan.centralDirectoryOffset + plan.centralDirectorySize);
    expect(plan.totalLength).toBe(plan.endRecordsOffset + 22);
    expect(plan.usesZip64EndRecords).toBe(false);
    expect(plan.rangesSupported).toBe(false);
  });

  it('small archives use version 2.0 and carry no Zip64 record, extra or locator', () => {
    const body = new TextEncoder().encode('plain');
    const plan = planArchive([planManifestMember('x\n', modifiedAt), stored('a.txt', 5, zlibCrc32(body) >>> 0)]);
    const bytes = assembleArchive(plan, bodiesFromArrays([new Uint8Array(0), body]));
    for (const entry of plan.entries) {
      expect(entry.versionNeeded).toBe(20);
      expect(entry.zip64InLocalHeader).toBe(false);
      expect(Object.values(entry.zip64InCentralHeader)).toEqual([false, false, false]);
    }
    expect(containsSignature(bytes, 0x06064b50)).toBe(false);
    expect(containsSignature(bytes, 0x07064b50)).toBe(false);
    // Version needed, in the local header (offset 4) and the central header (offset 6).
    const view = Buffer.from(bytes);
    expect(view.readUInt16LE(4)).toBe(20);
    expect(view.readUInt16LE(plan.centralDirectoryOffset + 6)).toBe(20);
  });

  it('plans a 4 GiB + 1 member with a Zip64 extra holding both sizes in the local header', () => {
    const size = 2 ** 32 + 1;
    const plan = planArchive([stored('big.bin', size, 123), stored('after.bin', 1, 7)]);
    const [big, after] = plan.entries;
    if (!big || !after) throw new Error('two entries expected');
    expect(big.versionNeeded).toBe(45);
    expect(big.zip64InLocalHeader).toBe(true);
    expect(big.zip64InCentralHeader).toEqual({
      uncompressedSize: true,
      compressedSize: true,
      localHeaderOffset: false,
    });
    const local = Buffer.from(encodeLocalHeader(big));
    expect(local.readUInt32LE(18)).toBe(0xffffffff);
    expect(local.readUInt32LE(22)).toBe(0xffffffff);
    const extraStart = 30 + big.nameBytes.length;
    expect(local.readUInt16LE(extraStart)).toBe(0x0001);
    expect(local.readUInt16LE(extraStart + 2)).toBe(16);
    expect(Number(local.readBigUInt64LE(extraStart + 4))).toBe(size);
    expect(Number(local.readBigUInt64LE(extraStart + 12))).toBe(size);
    // The member after it starts beyond 4 GiB: Zip64 offset in its central header only.
    expect(after.localHeaderOffset).toBeGreaterThan(0xffffffff);
    expect(after.zip64InLocalHeader).toBe(false);
    expect(after.zip64InCentralHeader).toEqual({
      uncompressedSize: false,
      compressedSize: false,
      localHeaderOffset: true,
    });
    expect(after.versionNeeded).toBe(45);
    const central = Buffer.from(encodeCentralDirectory(plan).subarray(big.centralHeaderLength));
    expect(central.readUInt32LE(42)).toBe(0xffffffff);
    expect(central.readUInt16LE(46 + after.nameBytes.length + 2)).toBe(8);
    expect(Number(central.readBigUInt64LE(46 + after.nameBytes.length + 4))).toBe(after.localHeaderOffset);
    // The central directory starts beyond 4 GiB too, so the Zip64 end records appear.
    expect(plan.usesZip64EndRecords).toBe(true);
  });

  it('writes 64-bit sizes in the data descriptor of a Zip64 entry, 32-bit otherwise', () => {
    const plan = planArchive([stored('big.bin', 2 ** 32, null), stored('small.bin', 3, null)]);
    const [big, small] = plan.entries;
    if (!big || !small) throw new Error('two entries expected');
    const descriptor = Buffer.from(encodeDataDescriptor(big, 0xdeadbeef));
    expect(descriptor.length).toBe(24);
    expect(descriptor.readUInt32LE(0)).toBe(0x08074b50);
    expect(descriptor.readUInt32LE(4)).toBe(0xdeadbeef);
    expect(Number(descriptor.readBigUInt64LE(8))).toBe(2 ** 32);
    expect(Number(descriptor.readBigUInt64LE(16))).toBe(2 ** 32);
    expect(encodeDataDescriptor(small, 1).length).toBe(16);
    // Bit 3 set, CRC and sizes zero in the local header (0xFFFFFFFF pointing at zeroed Zip64 sizes).
    const local = Buffer.from(encodeLocalHeader(big));
    expect(local.readUInt16LE(6) & 0x0008).toBe(0x0008);
    expect(local.readUInt32LE(14)).toBe(0);
    expect(local.readUInt32LE(18)).toBe(0xffffffff);
    expect(local.readBigUInt64LE(30 + big.nameBytes.length + 4)).toBe(0n);
    const smallLocal = Buffer.from(encodeLocalHeader(small));
    expect([smallLocal.readUInt32LE(14), smallLocal.readUInt32LE(18), smallLocal.readUInt32LE(22)]).toEqual([0, 0, 0]);
  });

  it('switches to Zip64 end records at 65,535 entries, not before', () => {
    const names = (count: number): StoredMember[] =>
      Array.from({ length: count }, (_, index) => stored(`f${index}`, 0));
    expect(planArchive(names(65_534)).usesZip64EndRecords).toBe(false);
    const plan = planArchive(names(65_535));
    expect(plan.usesZip64EndRecords).toBe(true);
    const end = Buffer.from(plan.endRecords);
    expect(end.readUInt32LE(0)).toBe(0x06064b50);
    expect(Number(end.readBigUInt64LE(32))).toBe(65_535);
    expect(end.readUInt32LE(56)).toBe(0x07064b50);
    expect(Number(end.readBigUInt64LE(56 + 8))).toBe(plan.endRecordsOffset);
    expect(end.readUInt16LE(76 + 10)).toBe(0xffff);
    // The offset and size still fit, so the classic record keeps their true values.
    expect(end.readUInt32LE(76 + 16)).toBe(plan.centralDirectoryOffset);
  });
});

describe('planArchive guards', () => {
  it.each([
    ['', 'empty'],
    ['a\\b.txt', 'backslash'],
    ['/etc/passwd', 'leading slash'],
    ['../escape.txt', 'dot-dot'],
    ['a/../../b.txt', 'dot-dot inside'],
    ['a/./b.txt', 'dot segment'],
    ['a//b.txt', 'empty segment'],
    ['dir/', 'trailing slash'],
    ['line\nbreak.txt', 'newline'],
    ['tab\there.txt', 'tab'],
    ['nul\u0000.txt', 'NUL'],
    ['c1\u0085.txt', 'C1 control'],
    ['lone\ud800.txt', 'lone surrogate'],
  ])('rejects the name %j (%s)', (name) => {
    const error = planError([stored(name, 1)]);
    expect(error.kind).toBe('invalid_name');
  });

  it('accepts ordinary and unicode names, including astral characters', () => {
    expect(() =>
      planArchive([
        stored('task-1/sub-2.wav', 1),
        stored('データ/ü.txt', 1),
        stored('emoji/🎧.mp3', 1),
        stored('..dots../x..y', 1),
      ]),
    ).not.toThrow();
  });

  it('rejects duplicate names', () => {
    expect(planError([stored('same.txt', 1), stored('other.txt', 1), stored('same.txt', 2)]).kind).toBe(
      'duplicate_name',
    );
  });

  it('rejects bad sizes, CRCs and times', () => {
    expect(planError([stored('a', -1)]).kind).toBe('invalid_size');
    expect(planError([stored('a', 1.5)]).kind).toBe('invalid_size');
    expect(planError([stored('a', 2 ** 53)]).kind).toBe('invalid_size');
    expect(planError([stored('a', 1, 2 ** 32)]).kind).toBe('invalid_crc32');
    expect(planError([stored('a', 1, -1)]).kind).toBe('invalid_crc32');
    expect(planError([{ ...stored('a', 1), modifiedAt: new Date(Number.NaN) }]).kind).toBe('invalid_time');
  });
});

describe('times, CRC and determinism', () => {
  it('encodes MS-DOS time in UTC with 2-second resolution, clamped to 1980–2107', () => {
    expect(toDosDateTime(new Date('2026-01-31T23:59:59Z'))).toEqual({
      time: (23 << 11) | (59 << 5) | 29,
      date: (46 << 9) | (1 << 5) | 31,
    });
    expect(toDosDateTime(new Date('1970-01-01T00:00:00Z'))).toEqual({ time: 0, date: (1 << 5) | 1 });
    expect(toDosDateTime(new Date('2200-01-01T00:00:00Z')).date).toBe((127 << 9) | (12 << 5) | 31);
  });

  it('computes the CRC-32 zlib computes', () => {
    const text = new TextEncoder().encode('The quick brown fox jumps over the lazy dog');
    expect(crc32(text)).toBe(0x414fa339);
    expect(crc32(text.subarray(10), crc32(text.subarray(0, 10)))).toBe(zlibCrc32(text) >>> 0);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  const bodies = [new TextEncoder().encode('one'), new TextEncoder().encode('two')];
  const members = (when: Date): ArchiveMember[] => [
    planManifestMember('id\n1\n2\n', when),
    ...bodies.map((body, index) => ({
      name: `m${index}.txt`,
      size: body.length,
      crc32: zlibCrc32(body) >>> 0,
      modifiedAt: when,
      body: 'stored' as const,
    })),
  ];
  const build = (when: Date): Uint8Array =>
    assembleArchive(planArchive(members(when)), bodiesFromArrays([new Uint8Array(0), ...bodies]));

  it('gives byte-identical archives and the same strong ETag for the same members', async () => {
    const first = build(modifiedAt);
    const second = build(new Date(modifiedAt.getTime()));
    expect(Buffer.from(first).equals(second)).toBe(true);
    const etag = await archiveEtag(planArchive(members(modifiedAt)));
    expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
    expect(await archiveEtag(planArchive(members(modifiedAt)))).toBe(etag);
  });

  it('changes bytes and ETag when a time, a name or a CRC changes', async () => {
    const later = new Date(modifiedAt.getTime() + 2000);
    expect(Buffer.from(build(modifiedAt)).equals(build(later))).toBe(false);
    const base = await archiveEtag(planArchive(members(modifiedAt)));
    expect(await archiveEtag(planArchive(members(later)))).not.toBe(base);
    const renamed = members(modifiedAt).map((member, index) =>
      index === 1 ? { ...member, name: 'renamed.txt' } : member,
    );
    expect(await archiveEtag(planArchive(renamed))).not.toBe(base);
    const otherCrc = members(modifiedAt).map((member, index) => (index === 2 ? { ...member, crc32: 1 } : member));
    expect(await archiveEtag(planArchive(otherCrc))).not.toBe(base);
  });

  it('gives a weak ETag when a CRC is unknown', async () => {
    expect(await archiveEtag(planArchive([stored('a', 1, null)]))).toMatch(/^W\/"[0-9a-f]{64}"$/);
  });
});
