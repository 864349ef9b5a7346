import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SeenRequest } from '../support/s3-proxy';
import { datasetClient, sameSize } from './dataset-client';
import { MiB } from './faults-client';
import type { Harness } from '../support/harness';

// A dataset build killed in the middle of a part: the proxy forwards half of an UploadPart's body
// to S3 and cuts both connections. The attempt fails, the queue retries it, and the next attempt
// sends only the part that did not finish; the archive is byte for byte the bundle of the members.
// Then the other end cut: a member's GET breaking off after its headers, while its bytes stream
// into a part, must fail that part's UploadPart rather than leave a short part in S3.

export function describeBuildFaults(harness: () => Harness) {
  let admin: string;
  const client = datasetClient(harness, () => admin);
  const workDir = mkdtempSync(join(tmpdir(), 'storage-manager-faults-'));
  afterAll(() => rmSync(workDir, { recursive: true, force: true }));

  describe('a dataset build whose member GET is cut mid-body', () => {
    // Copies refused, the large member's range is the UploadPart's body as is
    // (src/datasets/upload-part.ts, sendMemberRange); otherwise a small member in a streamed part.
    const copyFree = process.env.STORAGE_MANAGER_S3_PROFILE === 'no-copy';
    it(`fails the part it fed, not storing it short, and the retry builds the bundle's bytes (${copyFree ? 'large member, copies refused' : 'small member'})`, async () => {
      admin = await harness().tokenFor('admin');
      const members = await harness().seedApproved([
        ...sameSize(25, 250_000),
        randomBytes(6 * MiB),
        ...sameSize(25, 250_000),
        randomBytes(1000),
      ]);
      const cutMember = copyFree ? members[25]! : members[3]!;
      const name = 'cut-member-get';
      const logFrom = harness().proxy.seen.length;
      const cutGet = (request: SeenRequest) =>
        request.method === 'GET' &&
        request.path.endsWith(`/${cutMember.objectKey}`) &&
        (request.range?.startsWith('bytes=0-') ?? false);
      harness().proxy.inject(cutGet, { kind: 'drop', afterBytes: copyFree ? MiB : 100_000 }, 1);
      const id = await client.createDataset(name, members);
      expect(await client.settled(id)).toMatchObject({ status: 'ready', members: members.length, failureReason: null });
      const [row] = await harness().sql`select failed_attempts from public.datasets where id = ${id}`;
      expect(row!.failed_attempts).toBe(1);

      const seen = harness().proxy.seen.slice(logFrom);
      const gets = seen.filter(cutGet);
      expect(gets.length).toBeGreaterThanOrEqual(2);
      expect(gets[0]!.responseBytes).toBeLessThan(cutMember.size);
      // The part the cut body fed was broken off short and sent again whole; no other was sent twice.
      const sends = new Map<string, SeenRequest[]>();
      for (const request of seen)
        if (
          request.method === 'PUT' &&
          request.path === client.archivePath(id, name) &&
          request.query.has('partNumber') &&
          request.copySource === null
        )
          sends.set(request.query.get('partNumber')!, [
            ...(sends.get(request.query.get('partNumber')!) ?? []),
            request,
          ]);
      const resent = [...sends.values()].filter((requests) => requests.length > 1);
      expect(resent).toHaveLength(1);
      const [broken, whole] = resent[0]!;
      expect(broken!.declaredBytes).toBe(whole!.declaredBytes);
      expect(broken!.requestBytes).toBeLessThan(broken!.declaredBytes!);
      expect(whole!.requestBytes).toBe(whole!.declaredBytes);

      const link = await client.api('POST', `/v1/datasets/${id}/download-url`, admin);
      const archive = await client.download(link.json.url, join(workDir, 'cut-get.zip'));
      const bundle = await client.api('POST', '/v1/bundles', admin, {
        submissionIds: members.map((member) => member.id),
      });
      expect(Buffer.compare(archive, await client.download(bundle.json.url, join(workDir, 'cut-get-bundle.zip')))).toBe(
        0,
      );
    });
  });

  describe('a dataset build whose UploadPart is cut mid-body', () => {
    it('resumes without sending its finished parts again, to an archive identical to the bundle', async () => {
      admin = await harness().tokenFor('admin');
      // Streamed small members, one member copied inside S3, streamed small members again.
      const members = await harness().seedApproved([
        ...sameSize(25, 250_000),
        randomBytes(6 * MiB),
        ...sameSize(25, 250_000),
        randomBytes(1000),
      ]);
      const name = 'cut-mid-part';
      const logFrom = harness().proxy.seen.length;
      const cutPart = (request: SeenRequest) =>
        request.method === 'PUT' &&
        request.path.endsWith(`/${name}.zip`) &&
        request.query.get('partNumber') === '3' &&
        request.copySource === null;
      harness().proxy.inject(cutPart, { kind: 'cut-request', afterBytes: 3 * MiB }, 1);
      const id = await client.createDataset(name, members);
      expect(await client.settled(id)).toMatchObject({
        status: 'ready',
        members: members.length,
        entries: members.length + 1,
        failureReason: null,
      });

      const partPuts = harness()
        .proxy.seen.slice(logFrom)
        .filter(
          (request) =>
            request.method === 'PUT' &&
            request.path === client.archivePath(id, name) &&
            request.query.has('partNumber'),
        );
      const sends = new Map<string, SeenRequest[]>();
      for (const request of partPuts)
        sends.set(request.query.get('partNumber')!, [...(sends.get(request.query.get('partNumber')!) ?? []), request]);
      expect([...sends.keys()].sort()).toEqual(['1', '2', '3']);
      // The cut part was sent twice: first broken off half way, then whole.
      const [cut, resent] = sends.get('3')!;
      expect(sends.get('3')).toHaveLength(2);
      expect(cut!.declaredBytes).toBeGreaterThan(3 * MiB);
      expect(cut!.requestBytes).toBeGreaterThanOrEqual(3 * MiB);
      expect(cut!.requestBytes).toBeLessThan(cut!.declaredBytes!);
      expect(resent!.requestBytes).toBe(resent!.declaredBytes);
      // Every part that finished in the failed attempt was kept, not sent again.
      for (const [partNumber, requests] of sends)
        if (partNumber !== '3') expect(requests, `part ${partNumber}`).toHaveLength(1);
      // One multipart upload for the archive across both attempts, and one recorded failure.
      expect(new Set(partPuts.map((request) => request.query.get('uploadId'))).size).toBe(1);
      const [row] = await harness().sql`select failed_attempts from public.datasets where id = ${id}`;
      expect(row!.failed_attempts).toBe(1);

      const link = await client.api('POST', `/v1/datasets/${id}/download-url`, admin);
      expect(link.status).toBe(200);
      const archive = await client.download(link.json.url, join(workDir, 'dataset.zip'));
      const bundle = await client.api('POST', '/v1/bundles', admin, {
        submissionIds: members.map((member) => member.id),
      });
      expect(bundle.status).toBe(201);
      expect(Buffer.compare(archive, await client.download(bundle.json.url, join(workDir, 'bundle.zip')))).toBe(0);
    });
  });
}
