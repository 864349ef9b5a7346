import type { ArchiveMemberRecord } from '../db/archive-members';
import { memberName } from './member-names';

// RFC 4180: quote every field, double any quote inside.
function csvRow(fields: (string | number)[]): string {
  return `${fields.map((field) => `"${String(field).replace(/"/g, '""')}"`).join(',')}\r\n`;
}

/** manifest.csv, the first member of a bundle: one row per submission, naming its member. */
export function manifestCsv(records: readonly ArchiveMemberRecord[]): string {
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
