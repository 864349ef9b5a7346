import type { DatasetMemberRecord } from '../db/archive-members';
import { planTar, tarEtag, type TarMember } from '../tar';
import { memberMetadata } from './member-metadata';
import { sampleMediaName } from './member-names';
import type { PackageLayout } from './package-layout';

const utf8 = new TextEncoder();

/**
 * A WebDataset shard: a POSIX tar in which each sample is `<key>.<ext>` (the media, untouched)
 * followed by `<key>.json` (the same fields as a Parquet row), in dataset order. WebDataset
 * groups consecutive files by the key, the basename up to its first dot, so the key is the
 * submission id (a UUID, no dot) and the extension names the decoder (`.wav`, `.jpg`, ...).
 * There is no manifest member: it would read as a sample of its own.
 */
export function layOutWebDataset(records: readonly DatasetMemberRecord[]): PackageLayout {
  const members = records.flatMap((record, position): TarMember[] => [
    {
      name: sampleMediaName(record),
      modifiedAt: record.uploadedAt,
      body: { kind: 'stored', index: position, size: record.size },
    },
    {
      name: `${record.submissionId}.json`,
      modifiedAt: record.uploadedAt,
      body: { kind: 'inline', bytes: utf8.encode(JSON.stringify(memberMetadata(record))) },
    },
  ]);
  return {
    format: 'webdataset',
    container: planTar(members),
    objectKeys: records.map((record) => record.objectKey),
    entries: members.length,
    zipPlan: null,
    etag: () => tarEtag(members),
  };
}
