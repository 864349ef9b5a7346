import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { listWithBsdtar, listWithGnuTar, readWithPython, runReader } from '../unit/tar/tar-fixture';

/**
 * Reads a tar archive the server produced with GNU tar, bsdtar and Python's tarfile, and checks
 * that each lists exactly `expected`, in order, and that extracted bytes (GNU tar, bsdtar) and
 * read bytes (tarfile) hash as expected where a hash is given. Returns what GNU tar extracted,
 * by name.
 */
export function expectTarMembers(
  file: string,
  expected: { name: string; sha256: string | null }[],
  workDir: string,
): Map<string, Buffer> {
  const names = expected.map((member) => member.name);
  const gnu = listWithGnuTar(file);
  expect(gnu.result.status, gnu.result.stderr).toBe(0);
  expect(gnu.result.stderr).toBe('');
  expect(gnu.entries.map((entry) => entry.name)).toEqual(names);
  const bsd = listWithBsdtar(file);
  expect(bsd.result.status, bsd.result.stderr).toBe(0);
  expect(bsd.entries.map((entry) => entry.name)).toEqual(names);
  const python = readWithPython(file);
  expect(python.map((member) => member.name)).toEqual(names);

  const extracted = new Map<string, Buffer>();
  for (const [tool, args] of [
    ['tar', ['-xf', file]],
    ['bsdtar', ['-xf', file]],
  ] as const) {
    const directory = mkdtempSync(join(workDir, `${tool}-`));
    const result = runReader(tool, [...args], directory);
    expect(result.status, result.stderr).toBe(0);
    for (const [position, member] of expected.entries()) {
      const bytes = readFileSync(join(directory, member.name));
      if (member.sha256 !== null) {
        expect(createHash('sha256').update(bytes).digest('hex'), `${tool} ${member.name}`).toBe(member.sha256);
        expect(python[position]!.sha256, `tarfile ${member.name}`).toBe(member.sha256);
      }
      if (tool === 'tar') extracted.set(member.name, bytes);
    }
  }
  return extracted;
}
