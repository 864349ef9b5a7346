// The probe: every S3 call and header the gateway makes, under a prefix of its own
// (storage-manager-probe/<random>/), in the order a submission and a dataset meet them; then
// everything it created removed. Bucket settings are only read.
import { randomBytes } from 'node:crypto';
import { abortMultipartUpload } from '../../../src/s3/multipart';
import { deleteObject } from '../../../src/s3/objects';
import { ObjectStoreError } from '../../../src/s3/send';
import type { ObjectStoreSettings } from '../../../src/s3/store';
import { desiredBucketSettings } from '../bucket-config';
import { createRecordingStore, describeFailure } from './answers';
import { checkAddressing, checkBucketSettings, checkPublicRead } from './check-buckets';
import { checkCopyObject, checkPartCopy, checkTagging } from './check-copies';
import { checkMultipartUpload } from './check-multipart';
import { checkPresignedUpload, checkReads } from './check-objects';
import { type ProbeBuckets, ProbeRun } from './probe-run';
import type { ProbeRow } from './report';

/** Where to probe: the Worker's S3 settings, its three buckets and the CORS origins buckets:apply writes. */
export interface ProbeTarget {
  /** e.g. `environment production`, `local rgw, no-copy`: printed above the table. */
  description: string;
  settings: ObjectStoreSettings;
  buckets: ProbeBuckets;
  corsOrigins: string[];
}

export const probePrefixRoot = 'storage-manager-probe/';

export async function runProbe(target: ProbeTarget): Promise<{ prefix: string; rows: ProbeRow[] }> {
  const prefix = `${probePrefixRoot}${randomBytes(8).toString('hex')}/`;
  const secrets = [target.settings.secretAccessKey, target.settings.accessKeyId];
  const run = new ProbeRun(createRecordingStore(target.settings), target.buckets, prefix, secrets);
  try {
    // A store that answers for no bucket answers nothing else either: the rest would only repeat it.
    if (!(await checkAddressing(run))) return { prefix, rows: run.rows };
    const uploaded = await checkPresignedUpload(run);
    await checkReads(run, uploaded);
    const multipart = await checkMultipartUpload(run);
    await checkCopyObject(run, uploaded);
    await checkPartCopy(run, multipart);
    await checkTagging(run, uploaded);
    await checkBucketSettings(run, desiredBucketSettings({ buckets: target.buckets, corsOrigins: target.corsOrigins }));
    await checkPublicRead(run, uploaded);
  } finally {
    await cleanUp(run, secrets);
  }
  return { prefix, rows: run.rows };
}

/**
 * Aborts the uploads left open and deletes every key the run wrote (S3 answers DeleteObject 204
 * whether or not the key exists, so keys never written cost nothing). One row: the gateway
 * deletes objects too (a build's temporary parts), so a refusal is a missing call.
 */
async function cleanUp(run: ProbeRun, secrets: readonly string[]): Promise<void> {
  if (run.objects.length === 0) return;
  const failures: string[] = [];
  for (const upload of [...run.uploads]) {
    await abortMultipartUpload(run.store, upload.bucket, upload.key, upload.uploadId).then(
      () => run.finished(upload.uploadId),
      (error: unknown) => failures.push(`abort ${upload.key}: ${describeFailure(error, secrets)}`),
    );
  }
  for (const { bucket, key } of run.objects) {
    await deleteObject(run.store, bucket, key).catch((error: unknown) => {
      // A bucket that does not exist holds nothing to delete; that failure is in its own rows.
      if (error instanceof ObjectStoreError && error.kind === 'not_found') return;
      failures.push(`${key}: ${describeFailure(error, secrets)}`);
    });
  }
  run.rows.push({
    call: `DeleteObject ×${run.objects.length} (clean-up of ${run.prefix})`,
    answer: failures.length === 0 ? run.status() : `${failures.length} failed, first ${failures[0]}`,
    gateway:
      failures.length === 0 ? 'ok' : 'required: builds cannot delete temporary objects; delete the prefix by hand',
    need: 'required',
    passed: failures.length === 0,
  });
}
