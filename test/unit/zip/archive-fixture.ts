import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { sliceArchive } from '../../../src/zip/slice';
import type { ArchivePlan } from '../../../src/zip/types';
import type { Crc32Overrides } from '../../../src/zip/central-directory';

/**
 * Test-only assembly of archives from a plan, as the streaming writer (src/streams/archive-writer.ts) does: walk
 * sliceArchive's segments, write 'bytes' as they are and fill 'member' ranges from a body
 * source. Plus the outside readers the archives are checked with.
 */

/** Produces the bytes [start, end] (inclusive, body-relative) of member `index`, in chunks. */
export type BodySource = (index: number, start: number, end: number) => Iterable<Uint8Array>;

export function bodiesFromArrays(bodies: readonly Uint8Array[]): BodySource {
  return function* (index, start, end) {
    const body = bodies[index];
    if (body === undefined) throw new Error(`no body for member ${index}`);
    yield body.subarray(start, end + 1);
  };
}

export function assembleRange(
  plan: ArchivePlan,
  start: number,
  end: number,
  source: BodySource,
  overrides?: Crc32Overrides,
): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const segment of sliceArchive(plan, start, end, overrides)) {
    if (segment.kind === 'bytes') parts.push(segment.bytes);
    else parts.push(...source(segment.index, segment.start, segment.end));
  }
  return Buffer.concat(parts);
}

export function assembleArchive(plan: ArchivePlan, source: BodySource, overrides?: Crc32Overrides): Uint8Array {
  return assembleRange(plan, 0, plan.totalLength - 1, source, overrides);
}

/** Streams the whole archive to a file without ever holding a large body in memory. */
export async function writeArchiveFile(
  path: string,
  plan: ArchivePlan,
  source: BodySource,
  overrides?: Crc32Overrides,
): Promise<number> {
  const file = createWriteStream(path);
  let written = 0;
  const write = async (chunk: Uint8Array): Promise<void> => {
    written += chunk.length;
    if (!file.write(chunk)) await once(file, 'drain');
  };
  for (const segment of sliceArchive(plan, 0, plan.totalLength - 1, overrides)) {
    if (segment.kind === 'bytes') await write(segment.bytes);
    else for (const chunk of source(segment.index, segment.start, segment.end)) await write(chunk);
  }
  file.end();
  await once(file, 'finish');
  return written;
}

/**
 * A cheap synthetic body of any length: byte p is pattern[p mod a prime period], so a chunk
 * misplaced by any whole number of MiB still changes the content and its CRC.
 */
const period = 65_521;
const chunkLength = 1 << 20;
const pattern = (() => {
  const bytes = new Uint8Array(period + chunkLength);
  for (let position = 0; position < bytes.length; position += 1)
    bytes[position] = ((position % period) * 2_654_435_761) >>> 24;
  return bytes;
})();

export function* syntheticBody(start: number, end: number): Iterable<Uint8Array> {
  for (let position = start; position <= end; position += chunkLength) {
    const length = Math.min(chunkLength, end + 1 - position);
    const phase = position % period;
    yield pattern.subarray(phase, phase + length);
  }
}

export function syntheticCrc32(size: number): number {
  let crc = 0;
  if (size > 0) for (const chunk of syntheticBody(0, size - 1)) crc = zlibCrc32(chunk, crc);
  return crc >>> 0;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export interface PythonEntry {
  name: string;
  size: number;
  compressedSize: number;
  crc32: number;
  headerOffset: number;
  flags: number;
  versionNeeded: number;
  method: number;
  dateTime: number[];
  sha256: string | null;
}

export interface PythonReport {
  entries: PythonEntry[];
  testzip: string | null;
}

/**
 * Runs an outside reader found on PATH. `npm test` installs every one first
 * (scripts/test-tools.sh), so a missing reader is an error, never a check skipped.
 */
function runReader(command: string, args: string[]) {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 256 << 20 });
  if (result.error !== undefined)
    throw new Error(`cannot run ${command} (${result.error.message}); scripts/test-tools.sh installs it`);
  return result;
}

const inspectScript = fileURLToPath(new URL('./zipfile_inspect.py', import.meta.url));

export function readWithPython(path: string, hashLimit = Number.MAX_SAFE_INTEGER): PythonReport {
  const result = runReader('python3', [inspectScript, path, String(hashLimit)]);
  if (result.status !== 0) throw new Error(`python zipfile failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as PythonReport;
}

/** Info-ZIP `unzip -t`: reads every member, checks every CRC; exit status 0 means no errors. */
export function testWithUnzip(path: string, quiet = false): { status: number | null; output: string } {
  const result = runReader('unzip', [quiet ? '-tq' : '-t', path]);
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** libarchive's bsdtar: lists every entry (`-tv`). */
export function listWithBsdtar(path: string): { status: number | null; output: string } {
  const result = runReader('bsdtar', ['-tvf', path]);
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** True when `needle` (a little-endian 32-bit signature) occurs anywhere in `bytes`. */
export function containsSignature(bytes: Uint8Array, signature: number): boolean {
  const needle = Buffer.alloc(4);
  needle.writeUInt32LE(signature);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes(needle);
}

export interface JavaEntry {
  name: string;
  size: number;
  recordedCrc32: number;
  readCrc32: number;
}

const javaChecker = fileURLToPath(new URL('./ZipCheck.java', import.meta.url));

/**
 * The JDK's ZipFile ('file': central directory) or ZipInputStream ('stream': local headers
 * only), run by the single-file source launcher. ZipInputStream refuses STORED entries with a
 * data descriptor by design, so 'stream' suits only archives whose CRCs were all known.
 */
export function readWithJava(
  mode: 'file' | 'stream',
  path: string,
): { status: number | null; entries: JavaEntry[]; errors: string } {
  const result = runReader('java', [javaChecker, mode, path]);
  const entries = result.stdout
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      const [name = '', size = '', recorded = '', read = ''] = line.split('\t');
      return { name, size: Number(size), recordedCrc32: Number(recorded), readCrc32: Number(read) };
    });
  return { status: result.status, entries, errors: result.stderr };
}
