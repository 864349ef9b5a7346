import { memberNameIn } from '../formats/member-names';
import { asService, type Database } from '../db/client';
import { readManifestPage } from '../db/dataset-shards';
import { multipartLimits } from '../s3/limits';
import { abortMultipartUpload, completeMultipartUpload, createMultipartUpload, uploadPart } from '../s3/multipart';
import type { ObjectStore } from '../s3/store';
import type { DatasetFormat } from '../db/dataset-builds';
import { manifestObjectKey, shardFileName } from './shard-names';

/** Members read per keyset page while writing the manifest: ~110 bytes of CSV each. */
export const manifestPageSize = 10_000;

// RFC 4180: quote every field, double any quote inside (ids and names hold none, but the rule is cheap).
function csvRow(fields: (string | number)[]): string {
  return `${fields.map((field) => `"${String(field).replace(/"/g, '""')}"`).join(',')}\r\n`;
}

/**
 * The dataset's manifest beside its shards, `<name>.manifest.csv`: every member in archive order
 * with the shard that holds it and its name there (`id,shard,member`). Written from keyset pages
 * as a multipart upload whose parts are S3's 5 MiB minimum, so a million members (~110 MB) never
 * sit in memory; returns the pages read and the parts sent (src/limits.ts counts them).
 */
export async function writeDatasetManifest(
  settings: { store: ObjectStore; database: Database; processedBucket: string },
  dataset: { id: string; name: string; format: DatasetFormat; shardCount: number },
): Promise<{ pages: number; parts: number }> {
  const { store, processedBucket } = settings;
  const key = manifestObjectKey(dataset.id, dataset.name);
  const uploadId = await createMultipartUpload(store, processedBucket, key, 'text/csv; charset=utf-8');
  const encoder = new TextEncoder();
  const etags: { partNumber: number; etag: string }[] = [];
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  const sendPart = async () => {
    const body = new Uint8Array(pendingBytes);
    let offset = 0;
    for (const chunk of pending) {
      body.set(chunk, offset);
      offset += chunk.byteLength;
    }
    const partNumber = etags.length + 1;
    const stream = new Blob([body]).stream();
    etags.push({
      partNumber,
      etag: await uploadPart(store, processedBucket, key, uploadId, partNumber, stream, body.byteLength),
    });
    pending = [];
    pendingBytes = 0;
  };
  const append = async (text: string) => {
    const bytes = encoder.encode(text);
    pending.push(bytes);
    pendingBytes += bytes.byteLength;
    if (pendingBytes >= multipartLimits.minimumPartSize) await sendPart();
  };
  let pages = 0;
  try {
    await append(csvRow(['id', 'shard', 'member']));
    for (let after = -1; ; ) {
      const page = await asService(settings.database, (tx) =>
        readManifestPage(tx, dataset.id, after, manifestPageSize),
      );
      pages++;
      let text = '';
      for (const member of page)
        text += csvRow([
          member.submissionId,
          shardFileName(dataset, member.shardIndex, dataset.shardCount),
          memberNameIn(dataset.format, member),
        ]);
      await append(text);
      if (page.length < manifestPageSize) break;
      after = page[page.length - 1]!.position;
    }
    // The last part may be any size (S3 API: UploadPart), the only one too.
    if (pendingBytes > 0 || etags.length === 0) await sendPart();
    await completeMultipartUpload(store, processedBucket, key, uploadId, etags);
  } catch (error) {
    await abortMultipartUpload(store, processedBucket, key, uploadId).catch(() => {});
    throw error;
  }
  return { pages, parts: etags.length };
}
