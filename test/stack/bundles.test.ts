import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoTaskId } from '../../scripts/lib/jwt';
import {
  listWithBsdtar,
  readWithPython,
  syntheticBody,
  syntheticCrc32,
  testWithUnzip,
} from '../unit/zip/archive-fixture';
import { run, startHarness, type Harness, type Seeded } from '../support/harness';

// The bundle path end to end, as a company's tooling meets it: the local stack over real HTTP,
// archives checked by unzip, Python's zipfile and bsdtar, downloads made and resumed by curl, and
// S3 behind a proxy that can refuse or cut connections.

let harness: Harness;
let api: string;
let adminToken: string;
const workDir = mkdtempSync(join(tmpdir(), 'storage-manager-bundles-'));
const rawPath = (member: Seeded) => `/${harness.s3.buckets.raw}/${member.objectKey}`;

beforeAll(async () => {
  harness = await startHarness();
  api = harness.api;
  adminToken = await harness.tokenFor('admin');
}, 120_000);

afterAll(async () => {
  await harness?.stop();
  rmSync(workDir, { recursive: true, force: true });
});

const seed = (bodies: Parameters<Harness['seedApproved']>[0]) => harness.seedApproved(bodies);

async function createBundle(members: Seeded[]) {
  const response = await fetch(`${api}/v1/bundles`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ submissionIds: members.map((member) => member.id) }),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as { id: string; url: string; bytes: number; entries: number };
}

function curl(args: string[]) {
  return run('curl', ['-sS', ...args]);
}

function fileSha256(path: string) {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function expectReadable(path: string, members: Seeded[]) {
  const unzip = testWithUnzip(path, true);
  expect(unzip.status, unzip.output).toBe(0);
  const python = readWithPython(path, 64 * 1024 * 1024);
  expect(python.testzip).toBeNull();
  expect(python.entries.map((entry) => entry.name)).toEqual([
    'manifest.csv',
    ...members.map((member) => `${demoTaskId}/${member.id}.bin`),
  ]);
  python.entries.slice(1).forEach((entry, index) => {
    expect(entry.size).toBe(members[index]!.size);
    if (members[index]!.sha256 && entry.sha256 !== null) expect(entry.sha256).toBe(members[index]!.sha256);
  });
  const bsdtar = listWithBsdtar(path);
  expect(bsdtar.status, bsdtar.output).toBe(0);
  expect(bsdtar.output.trim().split('\n')).toHaveLength(members.length + 1);
}

describe('bundles downloaded over HTTP', () => {
  let small: Seeded[];
  let smallBundle: { id: string; url: string; bytes: number };
  let smallFile: string;

  it('an empty member, a 1-byte member and others: read by unzip, Python zipfile and bsdtar', async () => {
    small = await seed([
      new Uint8Array(0),
      randomBytes(1),
      randomBytes(100),
      randomBytes(300_000),
      randomBytes(2_000_000),
    ]);
    smallBundle = await createBundle(small);
    smallFile = join(workDir, 'small.zip');
    const download = await curl(['-f', '-o', smallFile, smallBundle.url]);
    expect(download.status, download.stderr).toBe(0);
    expect(statSync(smallFile).size).toBe(smallBundle.bytes);
    expectReadable(smallFile, small);
    const manifest = spawnSync('unzip', ['-p', smallFile, 'manifest.csv'], { encoding: 'utf8' })
      .stdout.trim()
      .split('\r\n');
    expect(manifest[0]).toBe('"id","task","contributor","content_type","size","sha256","member"');
    expect(manifest).toHaveLength(small.length + 1);
    expect(manifest[2]).toContain(`"${small[1]!.id}","${demoTaskId}"`);
    expect(manifest[2]).toContain(`"${small[1]!.sha256}","${demoTaskId}/${small[1]!.id}.bin"`);
  });

  it('a range fetches only the members it overlaps, with ranged GETs', async () => {
    const before = harness.proxy.seen.length;
    const lastMember = small.at(-1)!;
    const response = await fetch(smallBundle.url, {
      headers: { range: `bytes=${smallBundle.bytes - 200}-${smallBundle.bytes - 100}` },
    });
    expect(response.status).toBe(206);
    await response.arrayBuffer();
    // The last 200 bytes are central directory and end records: no member at all.
    expect(harness.proxy.seen.length).toBe(before);
    const inLast = await fetch(smallBundle.url, {
      headers: { range: `bytes=${smallBundle.bytes - 1_500_000}-${smallBundle.bytes - 1_400_000}` },
    });
    expect(inLast.status).toBe(206);
    await inLast.arrayBuffer();
    const gets = harness.proxy.seen.slice(before);
    expect(gets).toHaveLength(1);
    expect(gets[0]!.path).toBe(rawPath(lastMember));
    expect(gets[0]!.range).toMatch(/^bytes=\d+-\d+$/);
  });

  it('curl -C - resumes a partial file to identical bytes', async () => {
    const partial = join(workDir, 'partial.zip');
    spawnSync('cp', [smallFile, partial]);
    truncateSync(partial, 123_457);
    const resumed = await curl(['-f', '-C', '-', '-o', partial, smallBundle.url]);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(fileSha256(partial)).toBe(fileSha256(smallFile));
  });

  it('S3 cutting a connection mid-member breaks the transfer; curl -C - then completes it identically', async () => {
    const victim = small[4]!;
    harness.proxy.inject((request) => request.method === 'GET' && request.path === rawPath(victim), {
      kind: 'drop',
      afterBytes: 500_000,
    });
    const broken = join(workDir, 'broken.zip');
    const first = await curl(['-f', '-o', broken, smallBundle.url]);
    expect(first.status).not.toBe(0);
    expect(statSync(broken).size).toBeLessThan(smallBundle.bytes);
    const resumed = await curl(['-f', '-C', '-', '-o', broken, smallBundle.url]);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(fileSha256(broken)).toBe(fileSha256(smallFile));
  });

  it('S3 refusing before the first byte is retried with backoff', async () => {
    const victim = small[3]!;
    const path = rawPath(victim);
    const before = harness.proxy.seen.filter((request) => request.path === path).length;
    harness.proxy.inject((request) => request.method === 'GET' && request.path === path, { kind: 'refuse' }, 2);
    const retried = join(workDir, 'retried.zip');
    const download = await curl(['-f', '-o', retried, smallBundle.url]);
    expect(download.status, download.stderr).toBe(0);
    expect(fileSha256(retried)).toBe(fileSha256(smallFile));
    expect(harness.proxy.seen.filter((request) => request.path === path).length - before).toBe(3);
  });

  it('a client that goes away cancels every upstream fetch', async () => {
    // Members larger than any socket buffer, so prefetched responses cannot finish unread.
    const members = await seed(Array.from({ length: 8 }, () => randomBytes(16 * 1024 * 1024)));
    const bundle = await createBundle(members);
    const before = harness.proxy.seen.length;
    const controller = new AbortController();
    const response = await fetch(bundle.url, { signal: controller.signal });
    const reader = response.body!.getReader();
    let received = 0;
    while (received < 1024 * 1024) received += (await reader.read()).value!.byteLength;
    controller.abort();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const gets = harness.proxy.seen.slice(before).filter((request) => request.method === 'GET');
    // The first members and the ones opened ahead were requested; none ran on to the end unread.
    expect(gets.length).toBeGreaterThan(0);
    expect(gets.length).toBeLessThan(members.length);
    expect(gets.filter((request) => request.abandoned).length).toBeGreaterThan(0);
    // And nothing more is asked of S3 afterwards.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(harness.proxy.seen.slice(before).filter((request) => request.method === 'GET')).toHaveLength(gets.length);
  });

  it('1,000 members', async () => {
    const members = await seed(
      Array.from({ length: 1000 }, (_, index) => randomBytes(index % 7 === 0 ? 0 : 64 + ((index * 37) % 4000))),
    );
    const bundle = await createBundle(members);
    expect(bundle.entries).toBe(1001);
    const file = join(workDir, 'thousand.zip');
    const download = await curl(['-f', '-o', file, bundle.url]);
    expect(download.status, download.stderr).toBe(0);
    expect(statSync(file).size).toBe(bundle.bytes);
    expectReadable(file, members);
  }, 180_000);

  it('a member of 4 GiB + 1 byte: ZIP64 only where needed, read by every reader', async () => {
    const size = 4 * 1024 ** 3 + 1;
    const [big] = await seed([
      { size, chunks: () => syntheticBody(0, size - 1), crc32: syntheticCrc32(size), sha256: null },
    ]);
    const [after] = await seed([randomBytes(1000)]);
    const bundle = await createBundle([big!, after!]);
    const file = join(workDir, 'big.zip');
    try {
      const download = await curl(['-f', '-o', file, bundle.url]);
      expect(download.status, download.stderr).toBe(0);
      expect(statSync(file).size).toBe(bundle.bytes);
      expectReadable(file, [big!, after!]);
    } finally {
      rmSync(file, { force: true });
    }
  }, 600_000);
});
