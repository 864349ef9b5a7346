import type { ArchiveMemberRecord } from './archive-members';
import { toMemberRecord, type ArchiveMemberRow } from './archive-members';
import type { Row } from './client';
import { array, flightValue, type SqlText, sql } from './sql-text';

interface BundleRow extends ArchiveMemberRow {
  created_at: Date;
}

export interface BundleContents {
  createdAt: Date;
  members: ArchiveMemberRecord[];
}

/** The id of the bundle recordBundleStatement creates, for `bundleContentsStatement` later in the flight. */
const createdBundle = flightValue('created_bundle');

/**
 * Records a bundle with its members and its access-log row (gateway.create_bundle). Null when the
 * caller may not bundle or a submission is missing or not approved.
 */
export const recordBundleStatement = (
  submissionIds: string[],
  client: { ip: string | null; userAgent: string | null },
): SqlText =>
  sql`select ${createdBundle.keep(
    sql`gateway.create_bundle(${array(submissionIds, 'uuid')}, ${client.ip}, ${client.userAgent})`,
  )} as id`;

/** The bundle's members in order (`bundleId` an expression of the flight); no row when there is no such bundle. */
export const bundleContentsStatement = (bundleId: SqlText): SqlText =>
  sql`select * from gateway.bundle_download((${bundleId})::uuid)`;

/** The members of the bundle recordBundleStatement created in this flight; no row if none. */
export const createdBundleContentsStatement: SqlText = bundleContentsStatement(createdBundle.value);

/** bundleContentsStatement's rows as the bundle, or null when there is no such bundle. */
export function toBundleContents(contents: readonly Row[]): BundleContents | null {
  const rows = contents as unknown as BundleRow[];
  return rows[0] ? { createdAt: rows[0].created_at, members: rows.map(toMemberRecord) } : null;
}

/** The bundle id and contents from the two statements above, or null when no bundle was created. */
export function toCreatedBundle(
  recorded: readonly Row[],
  contents: readonly Row[],
): { bundleId: string; bundle: BundleContents } | null {
  const bundleId = (recorded[0]?.id as string | undefined) || null;
  const bundle = toBundleContents(contents);
  return bundleId && bundle ? { bundleId, bundle } : null;
}

export type BundleDownload = { kind: 'missing' } | { kind: 'refused' } | ({ kind: 'allowed' } & BundleContents);

/**
 * What a download through a bundle link may serve (gateway.open_bundle_download): the members,
 * if the bundle's creator may still bundle every one of them; `record` writes the access-log row
 * (at most one per bundle, client address and hour) in the same statement, before any byte is sent.
 */
export const openBundleDownloadStatement = (
  bundleId: string,
  record: { ip: string | null; userAgent: string | null } | null,
): SqlText => sql`
  select * from gateway.open_bundle_download(${bundleId}::uuid, ${record !== null}, ${record?.ip ?? null}, ${record?.userAgent ?? null})`;

/** openBundleDownloadStatement's rows as what the download may serve. */
export function toBundleDownload(rows: readonly Row[]): BundleDownload {
  const typed = rows as unknown as (BundleRow & { allowed: boolean })[];
  const first = typed[0];
  if (!first) return { kind: 'missing' };
  if (!first.allowed) return { kind: 'refused' };
  return { kind: 'allowed', createdAt: first.created_at, members: typed.map(toMemberRecord) };
}
