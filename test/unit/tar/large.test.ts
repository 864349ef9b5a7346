import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planTar } from '../../../src/tar/plan';
import type { TarMember } from '../../../src/tar/types';
import { listWithBsdtar, listWithGnuTar, readWithPython, runReader, sha256Hex, writeLayoutFile } from './tar-fixture';

/**
 * A member past 8 GiB, the most 11 octal digits hold: its size goes to a pax `size` record. The
 * archive is written to disk as a writer streams it, with the big body a sparse hole (zeros,
 * never in memory), and each reader must find the member's true size and read the member after
 * it, which it can only reach by skipping exactly that many bytes.
 */
const directory = mkdtempSync(join(tmpdir(), 'tar-large-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const hugeSize = 8 ** 11 + 1;
const modifiedAt = new Date('2026-02-01T12:00:00Z');
const after = new TextEncoder().encode('the member after the 8 GiB one\n');
const tail = new TextEncoder().encode('{"inline":"after both"}\n');
const members: TarMember[] = [
  { name: 'big/huge.bin', modifiedAt, body: { kind: 'stored', index: 0, size: hugeSize } },
  { name: 'big/after.txt', modifiedAt, body: { kind: 'stored', index: 1, size: after.length } },
  { name: 'tail.json', modifiedAt, body: { kind: 'inline', bytes: tail } },
];
const layout = planTar(members);
const path = join(directory, 'large.tar');
// In a hook, so that the file is deleted by afterAll even when writing it fails.
beforeAll(() => writeLayoutFile(path, layout, new Map([[1, after]])));

/** The bytes a writer would send for a range: the big body is zeros, the small one `after`. */
function plannedRange(start: number, end: number): Uint8Array {
  const parts = layout.slice(start, end).map((segment) => {
    if (segment.kind === 'bytes') return segment.bytes;
    const length = segment.end - segment.start + 1;
    return segment.index === 0 ? new Uint8Array(length) : after.subarray(segment.start, segment.end + 1);
  });
  return Buffer.concat(parts);
}

describe('a member larger than 8 GiB', () => {
  it('is written sparsely at the exact planned length, with ranges across the big body equal to the file', () => {
    expect(statSync(path).size).toBe(layout.totalLength);
    const huge = layout.storedBodies[0]!;
    expect([huge.index, huge.length]).toEqual([0, hugeSize]);
    const file = openSync(path, 'r');
    try {
      const bigBodyEnd = huge.offset + huge.length;
      for (const start of [0, huge.offset - 1024, bigBodyEnd - 8, layout.storedBodies[1]!.offset - 600]) {
        const end = Math.min(layout.totalLength - 1, start + 1500);
        const onDisk = Buffer.alloc(end - start + 1);
        readSync(file, onDisk, 0, onDisk.length, start);
        expect(Buffer.from(plannedRange(start, end)).equals(onDisk), `${start}-${end}`).toBe(true);
      }
    } finally {
      closeSync(file);
    }
  });

  it("has Python's tarfile read the pax size and the members after it", () => {
    const python = readWithPython(path, 1 << 20);
    expect(python.map((member) => [member.name, member.size, member.mtime])).toEqual([
      ['big/huge.bin', hugeSize, modifiedAt.getTime() / 1000],
      ['big/after.txt', after.length, modifiedAt.getTime() / 1000],
      ['tail.json', tail.length, modifiedAt.getTime() / 1000],
    ]);
    expect(python[0]!.paxHeaders).toEqual({ size: String(hugeSize) });
    expect(python[1]!.sha256).toBe(sha256Hex(after));
    expect(python[2]!.sha256).toBe(sha256Hex(tail));
  });

  it('has GNU tar and bsdtar list the true size and extract the member after it', () => {
    const gnu = listWithGnuTar(path);
    expect(gnu.result.stderr).toBe('');
    expect(gnu.entries.map((entry) => [entry.name, entry.size])).toEqual([
      ['big/huge.bin', hugeSize],
      ['big/after.txt', after.length],
      ['tail.json', tail.length],
    ]);
    const bsd = listWithBsdtar(path);
    expect(bsd.result.stderr).toBe('');
    expect(bsd.entries.map((entry) => [entry.name, entry.size])).toEqual([
      ['big/huge.bin', hugeSize],
      ['big/after.txt', after.length],
      ['tail.json', tail.length],
    ]);
    for (const [reader, root] of [
      ['tar', join(directory, 'gnu')],
      ['bsdtar', join(directory, 'bsd')],
    ] as const) {
      mkdirSync(root);
      const result = runReader(reader, ['-xf', path, '-C', root, 'big/after.txt', 'tail.json']);
      expect(result.stderr, reader).toBe('');
      expect(result.status, reader).toBe(0);
      expect(Buffer.from(readFileSync(join(root, 'big/after.txt'))).equals(after), reader).toBe(true);
      expect(Buffer.from(readFileSync(join(root, 'tail.json'))).equals(tail), reader).toBe(true);
    }
  });
});
