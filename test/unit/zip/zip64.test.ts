import { closeSync, mkdtempSync, openSync, readSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { planArchive } from '../../../src/zip/plan';
import type { ArchiveMember, ArchivePlan } from '../../../src/zip/types';
import {
  assembleArchive,
  assembleRange,
  containsSignature,
  listWithBsdtar,
  readWithJava,
  readWithPython,
  syntheticBody,
  syntheticCrc32,
  testWithUnzip,
  writeArchiveFile,
  type BodySource,
} from './archive-fixture';
import { crc32 as zlibCrc32 } from 'node:zlib';

/**
 * Zip64 for real: a member past 4 GiB written to disk through the same segment walk a writer
 * does (synthetic bodies, never held in memory), and 70,000 entries. Python's zipfile,
 * Info-ZIP unzip and the JDK each read every byte and check every CRC.
 */
const directory = mkdtempSync(join(tmpdir(), 'zip64-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const modifiedAt = new Date('2026-02-01T12:00:00Z');
const fourGibPlusOne = 2 ** 32 + 1;
const utf8 = new TextEncoder();

function seconds(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(1)} s`;
}

function hasRoomFor(bytes: number): boolean {
  const stats = statfsSync(directory);
  return stats.bavail * stats.bsize > bytes * 2;
}

/** A big synthetic member at index 0 and small in-memory ones after it. */
function mixedSource(small: Map<number, Uint8Array>): BodySource {
  return function* (index, start, end) {
    const body = small.get(index);
    if (body === undefined) yield* syntheticBody(start, end);
    else yield body.subarray(start, end + 1);
  };
}

type JavaResult = ReturnType<typeof readWithJava>;

/** Every Java mode read every member in full and found the CRC it recorded. */
function expectJavaAgrees(results: JavaResult[], members: ArchiveMember[]): void {
  for (const java of results) {
    expect(java.errors).toBe('');
    expect(java.status).toBe(0);
    expect(java.entries.map((entry) => [entry.name, entry.size])).toEqual(
      members.map((member) => [member.name, 'body' in member ? member.size : member.uncompressedSize]),
    );
    for (const entry of java.entries) expect(entry.readCrc32).toBe(entry.recordedCrc32);
  }
}

async function writeAndRead(
  fileName: string,
  plan: ArchivePlan,
  source: BodySource,
  overrides: Map<number, number> | undefined,
  javaModes: ('file' | 'stream')[],
) {
  const rangeChecks = (path: string): void => {
    // Ranges around the 4 GiB boundary and across the later records, assembled from the plan
    // alone, must equal the same bytes of the file written in one pass.
    const file = openSync(path, 'r');
    try {
      const points = [0xffffffff, 2 ** 32, plan.centralDirectoryOffset, plan.endRecordsOffset];
      for (const entry of plan.entries)
        points.push(entry.localHeaderOffset, entry.dataOffset, entry.dataOffset + entry.dataLength - 1);
      for (const point of points) {
        const start = Math.max(0, point - 70);
        const end = Math.min(plan.totalLength - 1, point + 70);
        const expected = Buffer.alloc(end - start + 1);
        readSync(file, expected, 0, expected.length, start);
        expect(
          Buffer.from(assembleRange(plan, start, end, source, overrides)).equals(expected),
          `range ${start}-${end}`,
        ).toBe(true);
      }
    } finally {
      closeSync(file);
    }
  };
  const path = join(directory, fileName);
  const timings: string[] = [];
  let started = performance.now();
  expect(await writeArchiveFile(path, plan, source, overrides)).toBe(plan.totalLength);
  expect(statSync(path).size).toBe(plan.totalLength);
  timings.push(`write ${seconds(started)}`);
  started = performance.now();
  const python = readWithPython(path, 1 << 20);
  timings.push(`python zipfile ${seconds(started)}`);
  started = performance.now();
  const unzip = testWithUnzip(path, true);
  timings.push(`unzip -t ${seconds(started)}`);
  const bsdtar = listWithBsdtar(path);
  const java: JavaResult[] = [];
  for (const mode of javaModes) {
    started = performance.now();
    java.push(readWithJava(mode, path));
    timings.push(`java ${mode} ${seconds(started)}`);
  }
  rangeChecks(path);
  rmSync(path);
  console.info(`${fileName}: ${timings.join(', ')}`);
  return { python, unzip, bsdtar, java };
}

describe.runIf(hasRoomFor(fourGibPlusOne))('a member of 4 GiB + 1 byte', () => {
  const bigCrc = syntheticCrc32(fourGibPlusOne);
  const after = utf8.encode('after the 4 GiB boundary');
  const tail = utf8.encode('last');

  it('known CRC, then members whose local headers start past 4 GiB', async () => {
    const members: ArchiveMember[] = [
      { name: 'big/pattern.bin', size: fourGibPlusOne, crc32: bigCrc, modifiedAt, body: 'stored' },
      { name: 'after/first.txt', size: after.length, crc32: zlibCrc32(after) >>> 0, modifiedAt, body: 'stored' },
      { name: 'after/last.txt', size: tail.length, crc32: zlibCrc32(tail) >>> 0, modifiedAt, body: 'stored' },
    ];
    const plan = planArchive(members);
    expect(plan.usesZip64EndRecords).toBe(true);
    const { python, unzip, bsdtar, java } = await writeAndRead(
      'big-known.zip',
      plan,
      mixedSource(
        new Map([
          [1, after],
          [2, tail],
        ]),
      ),
      undefined,
      ['file', 'stream'],
    );

    expect(python.testzip).toBeNull();
    expect(python.entries.map((entry) => [entry.name, entry.size, entry.crc32, entry.versionNeeded])).toEqual([
      ['big/pattern.bin', fourGibPlusOne, bigCrc, 45],
      ['after/first.txt', after.length, zlibCrc32(after) >>> 0, 45],
      ['after/last.txt', tail.length, zlibCrc32(tail) >>> 0, 45],
    ]);
    expect(python.entries.map((entry) => entry.headerOffset)).toEqual(
      plan.entries.map((entry) => entry.localHeaderOffset),
    );
    expect(python.entries[1]?.headerOffset).toBeGreaterThan(0xffffffff);
    expect(unzip.output).toContain('No errors detected');
    expect(unzip.status).toBe(0);
    expect(bsdtar.status).toBe(0);
    expectJavaAgrees(java, members);
  });

  it('unknown CRCs: Zip64 local extra with zeroed sizes, 24-byte descriptor, and a descriptor past 4 GiB', async () => {
    const members: ArchiveMember[] = [
      { name: 'big/streamed.bin', size: fourGibPlusOne, crc32: null, modifiedAt, body: 'stored' },
      { name: 'after/streamed.txt', size: after.length, crc32: null, modifiedAt, body: 'stored' },
      { name: 'after/known.txt', size: tail.length, crc32: zlibCrc32(tail) >>> 0, modifiedAt, body: 'stored' },
    ];
    const plan = planArchive(members);
    expect(plan.entries.map((entry) => entry.dataDescriptorLength)).toEqual([24, 16, 0]);
    expect(plan.rangesSupported).toBe(false);
    const overrides = new Map([
      [0, bigCrc],
      [1, zlibCrc32(after) >>> 0],
    ]);
    const { python, unzip, bsdtar, java } = await writeAndRead(
      'big-unknown.zip',
      plan,
      mixedSource(
        new Map([
          [1, after],
          [2, tail],
        ]),
      ),
      overrides,
      ['file'],
    );

    expect(python.testzip).toBeNull();
    expect(python.entries.map((entry) => [entry.name, entry.size, entry.crc32, entry.flags & 0x0008])).toEqual([
      ['big/streamed.bin', fourGibPlusOne, bigCrc, 8],
      ['after/streamed.txt', after.length, zlibCrc32(after) >>> 0, 8],
      ['after/known.txt', tail.length, zlibCrc32(tail) >>> 0, 0],
    ]);
    expect(unzip.output).toContain('No errors detected');
    expect(unzip.status).toBe(0);
    expect(bsdtar.status).toBe(0);
    expectJavaAgrees(java, members);
  });
});

describe('70,000 entries', () => {
  it('forces the Zip64 end records, and both readers see all 70,000', () => {
    const count = 70_000;
    const bodies = Array.from({ length: count }, (_, index) =>
      index % 2 === 0 ? new Uint8Array(0) : Uint8Array.of(index & 0xff),
    );
    const members: ArchiveMember[] = bodies.map((body, index) => ({
      name: `task-${index % 100}/submission-${index}.bin`,
      size: body.length,
      crc32: zlibCrc32(body) >>> 0,
      modifiedAt,
      body: 'stored',
    }));
    const plan = planArchive(members);
    expect(plan.usesZip64EndRecords).toBe(true);
    // Offsets and sizes all fit in 32 bits: no entry needs Zip64 itself.
    expect(plan.entries.every((entry) => entry.versionNeeded === 20)).toBe(true);
    const bytes = assembleArchive(plan, (index, start, end) => [
      (bodies[index] ?? new Uint8Array(0)).subarray(start, end + 1),
    ]);
    expect(containsSignature(bytes, 0x06064b50)).toBe(true);
    const path = join(directory, 'seventy-thousand.zip');
    writeFileSync(path, bytes);

    let started = performance.now();
    const python = readWithPython(path);
    const pythonTime = seconds(started);
    started = performance.now();
    const unzip = testWithUnzip(path, true);
    console.info(`seventy-thousand.zip: python zipfile ${pythonTime}, unzip -t ${seconds(started)}`);

    expect(python.testzip).toBeNull();
    expect(python.entries).toHaveLength(count);
    expect(python.entries[count - 1]?.name).toBe(`task-99/submission-${count - 1}.bin`);
    expect(python.entries.filter((entry) => entry.size === 1)).toHaveLength(count / 2);
    expect(unzip.output).toContain('No errors detected');
    expect(unzip.status).toBe(0);
    const bsdtar = listWithBsdtar(path);
    expect(bsdtar.status).toBe(0);
    const java = readWithJava('file', path);
    expect(java.status).toBe(0);
    expect(java.entries).toHaveLength(count);
  });
});
