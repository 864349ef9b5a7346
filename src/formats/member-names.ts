import type { ArchiveMemberRecord } from '../db/archive-members';
import { mediaTypeEssence } from '../uploads/media-types';
import type { PackageFormat } from './package-layout';

// Extensions for the types tasks accept; anything else is `.bin`. Names are built from ids and
// this table only, so no client string becomes a path in a container. Decoders (soundfile,
// Pillow, WebDataset's handlers) pick the format from the extension.
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

export function mediaExtension(contentType: string): string {
  return extensions[mediaTypeEssence(contentType)] ?? 'bin';
}

type NamedRecord = Pick<ArchiveMemberRecord, 'taskId' | 'submissionId' | 'contentType'>;

/** `<task>/<submission>.<ext>`: a bundle's (and a ZIP dataset's) member path. */
export function memberName(record: NamedRecord): string {
  return `${record.taskId}/${record.submissionId}.${mediaExtension(record.contentType)}`;
}

/**
 * `<submission>.<ext>`: a WebDataset sample's media file (its key is the submission id, which has
 * no dot) and the `path` of a Parquet row's media.
 */
export function sampleMediaName(record: Pick<NamedRecord, 'submissionId' | 'contentType'>): string {
  return `${record.submissionId}.${mediaExtension(record.contentType)}`;
}

/** A member's name in a shard of the given format, as the dataset manifest lists it. */
export function memberNameIn(format: PackageFormat, record: NamedRecord): string {
  return format === 'zip' || format === 'tar' ? memberName(record) : sampleMediaName(record);
}
