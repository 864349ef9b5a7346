import type { ContainerLayout } from '../containers/layout';
import type { ArchiveMemberRecord, DatasetMemberRecord } from '../db/archive-members';
import type { DatasetFormat } from '../db/dataset-builds';
import { largestMediaBytes } from '../parquet';
import { planTar, tarEtag, type TarMember } from '../tar';
import {
  archiveEtag,
  planArchive,
  planManifestMember,
  zipContainer,
  type ArchiveMember,
  type ArchivePlan,
} from '../zip';
import { manifestCsv } from './manifest-csv';
import { memberName } from './member-names';
import { layOutParquet } from './parquet-package';
import { layOutWebDataset } from './webdataset-package';

const utf8 = new TextEncoder();

/** How a selection of submissions is packaged. Bundles are ZIP or tar; datasets ZIP, Parquet or WebDataset. */
export type PackageFormat = DatasetFormat | 'tar';

export const packageFormats: Record<PackageFormat, { extension: string; contentType: string }> = {
  zip: { extension: 'zip', contentType: 'application/zip' },
  tar: { extension: 'tar', contentType: 'application/x-tar' },
  // No registered type yet; this is the one the Parquet project and Hugging Face serve.
  parquet: { extension: 'parquet', contentType: 'application/vnd.apache.parquet' },
  webdataset: { extension: 'tar', contentType: 'application/x-tar' },
};

/**
 * The largest member body each format can hold, where it has a bound of its own (S3's 5 TiB
 * applies to all): a Parquet value lies in one page, whose size is an i32.
 */
export const largestMemberBytes: Record<PackageFormat, number | null> = {
  zip: null,
  tar: null,
  parquet: largestMediaBytes,
  webdataset: null,
};

/** A selection of submissions laid out in one format, before a byte is read. */
export interface PackageLayout {
  format: PackageFormat;
  container: ContainerLayout;
  /** Object key of each member index's body in the raw bucket; null for members the plan holds. */
  objectKeys: (string | null)[];
  /** Entries in the container: ZIP or tar entries, Parquet rows. */
  entries: number;
  /** The ZIP plan, for writing an archive front to back when a CRC is unknown; null for other formats. */
  zipPlan: ArchivePlan | null;
  /** Strong when the bytes are a function of the plan alone (RFC 9110 §8.8.1). */
  etag(): Promise<string>;
}

/**
 * The ZIP a selection of submissions is: manifest.csv first, then every submission STORED,
 * in selection order. A pure function of the records alone (the manifest is dated like its
 * newest member), so every request for a bundle produces the same bytes and ETag, and a dataset
 * packaged in the processed bucket is byte for byte the bundle of the same members.
 */
function layOutZip(records: readonly ArchiveMemberRecord[]): PackageLayout {
  const newest = records.reduce((latest, record) => Math.max(latest, record.uploadedAt.getTime()), 0);
  const members: ArchiveMember[] = [planManifestMember(manifestCsv(records), new Date(newest))];
  for (const record of records) {
    members.push({
      name: memberName(record),
      size: record.size,
      crc32: record.crc32,
      modifiedAt: record.uploadedAt,
      body: 'stored',
    });
  }
  const plan = planArchive(members);
  return {
    format: 'zip',
    container: zipContainer(plan),
    objectKeys: [null, ...records.map((record) => record.objectKey)],
    entries: plan.entries.length,
    zipPlan: plan,
    etag: () => archiveEtag(plan),
  };
}

/**
 * The same selection as the ZIP bundle, in POSIX tar: manifest.csv first, then every submission,
 * with the same names and times. Tar carries no CRC, so its bytes never depend on the bodies and
 * every tar bundle offers ranges.
 */
function layOutTarBundle(records: readonly ArchiveMemberRecord[]): PackageLayout {
  const newest = records.reduce((latest, record) => Math.max(latest, record.uploadedAt.getTime()), 0);
  const members: TarMember[] = [
    {
      name: 'manifest.csv',
      modifiedAt: new Date(newest),
      body: { kind: 'inline', bytes: utf8.encode(manifestCsv(records)) },
    },
    ...records.map(
      (record, position): TarMember => ({
        name: memberName(record),
        modifiedAt: record.uploadedAt,
        body: { kind: 'stored', index: position + 1, size: record.size },
      }),
    ),
  ];
  return {
    format: 'tar',
    container: planTar(members),
    objectKeys: [null, ...records.map((record) => record.objectKey)],
    entries: members.length,
    zipPlan: null,
    etag: () => tarEtag(members),
  };
}

export function layOutPackage(records: readonly ArchiveMemberRecord[], format: 'zip' | 'tar'): PackageLayout;
export function layOutPackage(records: readonly DatasetMemberRecord[], format: PackageFormat): PackageLayout;
export function layOutPackage(
  records: readonly ArchiveMemberRecord[] | readonly DatasetMemberRecord[],
  format: PackageFormat,
): PackageLayout {
  switch (format) {
    case 'zip':
      return layOutZip(records);
    case 'tar':
      return layOutTarBundle(records);
    case 'webdataset':
      return layOutWebDataset(records as readonly DatasetMemberRecord[]);
    case 'parquet':
      return layOutParquet(records as readonly DatasetMemberRecord[]);
  }
}
