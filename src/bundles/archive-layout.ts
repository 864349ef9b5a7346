import type { ArchiveMemberRecord } from '../db/archive-members';
import { planArchive, planManifestMember, type ArchiveMember, type ArchivePlan } from '../zip';
import { mediaTypeEssence } from '../uploads/media-types';

export interface BundleLayout {
  plan: ArchivePlan;
  /** Object key of each plan entry's stored body; null for the manifest. */
  objectKeys: (string | null)[];
}

// Extensions for the types tasks accept; anything else is `.bin`. Names are built from ids and
// this table only, so no client string becomes a path in the archive.
const extensions: Record<string, string> = {
  'audio/webm': 'webm',
  'audio/ogg': 'ogg',
  'audio/mpeg': 'mp3',
  'audio/mp4': 'm4a',
  'audio/aac': 'aac',
  'audio/wav': 'wav',
  'audio/x-wav': 'wav',
  'audio/wave': 'wav',
  'audio/flac': 'flac',
  'video/mp4': 'mp4',
  'video/webm': 'webm',
  'video/quicktime': 'mov',
  'video/ogg': 'ogv',
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'image/heic': 'heic',
  'image/avif': 'avif',
  'application/octet-stream': 'bin',
};

export function memberName(record: Pick<ArchiveMemberRecord, 'taskId' | 'submissionId' | 'contentType'>): string {
  return `${record.taskId}/${record.submissionId}.${extensions[mediaTypeEssence(record.contentType)] ?? 'bin'}`;
}

// RFC 4180: quote every field, double any quote inside.
function csvRow(fields: (string | number)[]): string {
  return `${fields.map((field) => `"${String(field).replace(/"/g, '""')}"`).join(',')}\r\n`;
}

function manifestCsv(records: readonly ArchiveMemberRecord[]): string {
  let text = csvRow(['id', 'task', 'contributor', 'content_type', 'size', 'sha256', 'member']);
  for (const record of records) {
    text += csvRow([
      record.submissionId,
      record.taskId,
      record.contributorPseudonym,
      record.contentType,
      record.size,
      record.sha256 ?? '',
      memberName(record),
    ]);
  }
  return text;
}

/**
 * The archive a selection of submissions is: manifest.csv first, then every submission STORED,
 * in selection order. A pure function of the records alone (the manifest is dated like its
 * newest member), so every request for a bundle produces the same bytes and ETag, and a dataset
 * packaged in the processed bucket is byte for byte the bundle of the same members.
 */
export function layOutBundle(records: readonly ArchiveMemberRecord[]): BundleLayout {
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
  return { plan: planArchive(members), objectKeys: [null, ...records.map((record) => record.objectKey)] };
}
