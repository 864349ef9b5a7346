import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planTar } from '../../../src/tar/plan';
import type { TarMember } from '../../../src/tar/types';
import { assembleContainer } from '../../support/container-assembly';
import { buildMemberSet, prefixTooLongName, unicodeName, unsplittableName } from './members-fixture';
import { listWithBsdtar, listWithGnuTar, readWithPython, runReader, sha256Hex } from './tar-fixture';

/**
 * Archives assembled from plans and read by GNU tar, libarchive's bsdtar and Python's tarfile:
 * listed, extracted, and compared name by name, byte by byte, second by second.
 */
const directory = mkdtempSync(join(tmpdir(), 'tar-readers-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const set = buildMemberSet();
const archivePath = join(directory, 'archive.tar');
const layout = planTar(set.members);
const archive = assembleContainer(layout, set.bodies);
beforeAll(() => writeFileSync(archivePath, archive));

/** Every regular file under `root`, as '/'-separated paths relative to it. */
function filesUnder(root: string, relative = ''): string[] {
  return readdirSync(join(root, relative), { withFileTypes: true }).flatMap((entry) => {
    const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
    return entry.isDirectory() ? filesUnder(root, path) : [path];
  });
}

function expectExtracted(root: string): void {
  expect(filesUnder(root).sort()).toEqual(set.expected.map((member) => member.name).sort());
  for (const member of set.expected) {
    const path = join(root, member.name);
    expect(sha256Hex(readFileSync(path)), member.name).toBe(sha256Hex(member.bytes));
    expect(statSync(path).mtimeMs / 1000, member.name).toBe(member.mtimeSeconds);
    expect(statSync(path).mode & 0o777, member.name).toBe(0o644);
  }
}

describe('archives read back by independent readers', () => {
  it('has the exact length its layout states, ending in two zero blocks after the last padded member', () => {
    expect(archive.length).toBe(layout.totalLength);
    expect(archive.length % 512).toBe(0);
    expect(archive.subarray(archive.length - 1024).every((byte) => byte === 0)).toBe(true);
    // The last member's body ends 100,003 bytes in; its padding runs to the next block, then the
    // end marker: nothing more (no padding to a 10,240-byte record).
    const last = layout.storedBodies.at(-1)!;
    expect(archive.length).toBe(Math.ceil((last.offset + last.length) / 512) * 512 + 1024);
  });

  it("Python's tarfile reads every name, size, mtime, owner and body, with pax records exactly where needed", () => {
    const members = readWithPython(archivePath);
    expect(members.map((member) => member.name)).toEqual(set.expected.map((member) => member.name));
    expect(members.map((member) => member.size)).toEqual(set.expected.map((member) => member.bytes.length));
    expect(members.map((member) => member.mtime)).toEqual(set.expected.map((member) => member.mtimeSeconds));
    expect(members.map((member) => member.sha256)).toEqual(set.expected.map((member) => sha256Hex(member.bytes)));
    for (const member of members) {
      expect([member.type, member.mode, member.uid, member.gid, member.uname, member.gname]).toEqual([
        '0',
        0o644,
        0,
        0,
        '',
        '',
      ]);
      const needsPax = [unsplittableName, prefixTooLongName, unicodeName].includes(member.name);
      expect(member.paxHeaders, member.name).toEqual(needsPax ? { path: member.name } : {});
    }
  });

  it('GNU tar lists every member with its size and full time, and warns about nothing', () => {
    const { result, entries } = listWithGnuTar(archivePath);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(entries).toEqual(
      set.expected.map((member) => ({
        mode: '-rw-r--r--',
        owner: '0/0',
        size: member.bytes.length,
        time: new Date(member.mtimeSeconds * 1000).toISOString().slice(0, 19).replace('T', ' '),
        name: member.name,
      })),
    );
  });

  it('GNU tar extracts exactly these files with these bytes and modification times', () => {
    const root = join(directory, 'gnu');
    mkdirSync(root);
    const result = runReader('tar', ['-xf', archivePath, '-C', root]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expectExtracted(root);
  });

  it('bsdtar lists every member with its size', () => {
    const { result, entries } = listWithBsdtar(archivePath);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(entries).toEqual(set.expected.map((member) => ({ size: member.bytes.length, name: member.name })));
  });

  it('bsdtar extracts exactly these files with these bytes and modification times', () => {
    const root = join(directory, 'bsd');
    mkdirSync(root);
    const result = runReader('bsdtar', ['-xf', archivePath, '-C', root]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expectExtracted(root);
  });

  it('clamps times before 1970 to 0 and beyond 11 octal digits to 8^11 - 1, flooring fractions', () => {
    const members: TarMember[] = [
      {
        name: 'before-1970',
        modifiedAt: new Date('1969-07-20T20:17:40Z'),
        body: { kind: 'inline', bytes: new Uint8Array(0) },
      },
      {
        name: 'year-2300',
        modifiedAt: new Date('2300-01-01T00:00:00Z'),
        body: { kind: 'inline', bytes: new Uint8Array(0) },
      },
      { name: 'fraction', modifiedAt: new Date(1_700_000_000_999), body: { kind: 'inline', bytes: new Uint8Array(0) } },
    ];
    const path = join(directory, 'times.tar');
    writeFileSync(path, assembleContainer(planTar(members), []));
    expect(readWithPython(path).map((member) => member.mtime)).toEqual([0, 8 ** 11 - 1, 1_700_000_000]);
  });

  it('10,000 members: every reader counts them all and Python reads the last one back', () => {
    const many: TarMember[] = [];
    const bodies: Uint8Array[] = [];
    for (let index = 0; index < 10_000; index++) {
      const body = new TextEncoder().encode(`member ${index}\n`);
      bodies.push(body);
      many.push({
        name: `shard/${String(index).padStart(5, '0')}.txt`,
        modifiedAt: new Date(1_700_000_000_000 + index * 1000),
        body: { kind: 'stored', index, size: body.length },
      });
    }
    const path = join(directory, 'many.tar');
    writeFileSync(path, assembleContainer(planTar(many), bodies));
    const python = readWithPython(path);
    expect(python.length).toBe(10_000);
    expect(python.at(-1)).toMatchObject({
      name: 'shard/09999.txt',
      mtime: 1_700_009_999,
      sha256: sha256Hex(bodies[9999]!),
    });
    expect(listWithGnuTar(path).entries.length).toBe(10_000);
    expect(listWithBsdtar(path).entries.length).toBe(10_000);
  });
});
