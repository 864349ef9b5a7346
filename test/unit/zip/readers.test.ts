import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync, crc32 as zlibCrc32 } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { planManifestMember } from '../../../src/zip/manifest';
import { planArchive } from '../../../src/zip/plan';
import type { ArchiveMember } from '../../../src/zip/types';
import {
  assembleArchive,
  bodiesFromArrays,
  containsSignature,
  listWithBsdtar,
  readWithJava,
  readWithPython,
  sha256Hex,
  testWithUnzip,
} from './archive-fixture';

/**
 * Archives built from plans, checked by readers that share no code with the planner: Info-ZIP
 * unzip, Python's zipfile, libarchive's bsdtar and the JDK's java.util.zip.
 */
const directory = mkdtempSync(join(tmpdir(), 'zip-readers-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const modifiedAt = new Date('2026-03-14T15:09:26Z');
const utf8 = new TextEncoder();

interface Built {
  path: string;
  bytes: Uint8Array;
}

/** Plans `members` (bodies parallel, null for the inline manifest), assembles and saves it. */
function build(fileName: string, members: ArchiveMember[], bodies: Uint8Array[], crcsKnown = true): Built {
  const plan = planArchive(members);
  const overrides = crcsKnown ? undefined : new Map(bodies.map((body, index) => [index, zlibCrc32(body) >>> 0]));
  const bytes = assembleArchive(plan, bodiesFromArrays(bodies), overrides);
  expect(bytes.length).toBe(plan.totalLength);
  const path = join(directory, fileName);
  writeFileSync(path, bytes);
  return { path, bytes };
}

function stored(name: string, body: Uint8Array, crcKnown = true): ArchiveMember {
  return { name, size: body.length, crc32: crcKnown ? zlibCrc32(body) >>> 0 : null, modifiedAt, body: 'stored' };
}

/** Every reader agrees the archive is sound and holds exactly these names and bodies. */
function expectReadable(built: Built, expected: { name: string; body: Uint8Array }[]): void {
  const unzip = testWithUnzip(built.path);
  expect(unzip.output).toContain('No errors detected');
  expect(unzip.status).toBe(0);

  const python = readWithPython(built.path);
  expect(python.testzip).toBeNull();
  expect(python.entries.map((entry) => entry.name)).toEqual(expected.map((member) => member.name));
  expect(python.entries.map((entry) => entry.size)).toEqual(expected.map((member) => member.body.length));
  expect(python.entries.map((entry) => entry.sha256)).toEqual(expected.map((member) => sha256Hex(member.body)));

  const bsdtar = listWithBsdtar(built.path);
  expect(bsdtar.status).toBe(0);
  for (const member of expected) expect(bsdtar.output).toContain(member.name);

  const hasDescriptors = python.entries.some((entry) => (entry.flags & 0x0008) !== 0);
  for (const mode of hasDescriptors ? (['file'] as const) : (['file', 'stream'] as const)) {
    const java = readWithJava(mode, built.path);
    expect(java.errors).toBe('');
    expect(java.status).toBe(0);
    expect(java.entries.map((entry) => [entry.name, entry.size])).toEqual(
      expected.map((member) => [member.name, member.body.length]),
    );
    for (const entry of java.entries) expect(entry.readCrc32).toBe(entry.recordedCrc32);
  }
}

describe('archives read back by independent readers', () => {
  it('empty member, one-byte member and unicode names, with no Zip64 anywhere', () => {
    const expected = [
      { name: 'empty.bin', body: new Uint8Array(0) },
      { name: 'one.bin', body: Uint8Array.of(0x5a) },
      { name: 'データ/ü.txt', body: utf8.encode('grüße, データ\n') },
    ];
    const built = build(
      'small.zip',
      expected.map((member) => stored(member.name, member.body)),
      expected.map((member) => member.body),
    );
    expectReadable(built, expected);

    const python = readWithPython(built.path);
    for (const entry of python.entries) {
      expect(entry.versionNeeded).toBe(20);
      expect(entry.flags & 0x0800).toBe(0x0800);
      expect(entry.dateTime).toEqual([2026, 3, 14, 15, 9, 26]);
    }
    expect(containsSignature(built.bytes, 0x06064b50)).toBe(false);
    expect(containsSignature(built.bytes, 0x07064b50)).toBe(false);
  });

  it('1,000 members', () => {
    const expected = Array.from({ length: 1000 }, (_, index) => ({
      name: `task-${index % 7}/submission-${index}.bin`,
      body: utf8.encode(`body of ${index} `.repeat(index % 13)),
    }));
    const built = build(
      'thousand.zip',
      expected.map((member) => stored(member.name, member.body)),
      expected.map((member) => member.body),
    );
    expectReadable(built, expected);
    expect(containsSignature(built.bytes, 0x06064b50)).toBe(false);
  });

  it('unknown-CRC members (data descriptor) mixed with known ones', () => {
    const expected = [
      { name: 'known-1.txt', body: utf8.encode('known first') },
      { name: 'unknown-1.txt', body: utf8.encode('streamed with a descriptor') },
      { name: 'unknown-empty.txt', body: new Uint8Array(0) },
      { name: 'known-2.txt', body: utf8.encode('known last') },
    ];
    const members = expected.map((member) => stored(member.name, member.body, member.name.startsWith('known')));
    const built = build(
      'descriptors.zip',
      members,
      expected.map((member) => member.body),
      false,
    );
    expectReadable(built, expected);
    const python = readWithPython(built.path);
    expect(python.entries.map((entry) => (entry.flags & 0x0008) !== 0)).toEqual([false, true, true, false]);
    expect(containsSignature(built.bytes, 0x08074b50)).toBe(true);
  });

  it('the DEFLATE manifest.csv first, then stored members', () => {
    const rows = ['task_id,submission_id,file,crc32'];
    for (let index = 0; index < 200; index += 1)
      rows.push(`task-1,sub-${index},task-1/sub-${index}.wav,${index * 7919}`);
    const csv = `${rows.join('\n')}\n`;
    const manifest = planManifestMember(csv, modifiedAt);
    expect(inflateRawSync(manifest.compressed).toString('utf8')).toBe(csv);
    expect(manifest.compressed.length).toBeLessThan(manifest.uncompressedSize);

    const audio = utf8.encode('RIFF....WAVEfmt ');
    const built = build('manifest.zip', [manifest, stored('task-1/sub-0.wav', audio)], [new Uint8Array(0), audio]);
    expectReadable(built, [
      { name: 'manifest.csv', body: utf8.encode(csv) },
      { name: 'task-1/sub-0.wav', body: audio },
    ]);
    const python = readWithPython(built.path);
    expect(python.entries[0]?.method).toBe(8);
    expect(python.entries[0]?.compressedSize).toBe(manifest.compressed.length);
    expect(python.entries[0]?.versionNeeded).toBe(20);
  });

  it('an archive with no members is just the end record, and readers accept it', () => {
    const built = build('empty.zip', [], []);
    expect(built.bytes.length).toBe(22);
    expect(readWithPython(built.path).entries).toEqual([]);
    expect(readWithJava('file', built.path).status).toBe(0);
  });

  it('the readers do catch a wrong CRC (the checks above are not vacuous)', () => {
    const body = utf8.encode('these bytes do not match the recorded CRC');
    const wrong = { ...stored('wrong.txt', body), crc32: (zlibCrc32(body) ^ 1) >>> 0 };
    const built = build('wrong-crc.zip', [wrong], [body]);
    expect(readWithPython(built.path).testzip).toBe('wrong.txt');
    const unzip = testWithUnzip(built.path);
    expect(unzip.status).not.toBe(0);
    expect(unzip.output).toMatch(/bad CRC/);
  });
});
