import type { ArchiveMemberRecord } from './archive-members';
import { toMemberRecord, type ArchiveMemberRow } from './archive-members';
import type { Transaction } from './client';

interface BundleRow extends ArchiveMemberRow {
  created_at: Date;
}

export interface BundleContents {
  createdAt: Date;
  members: ArchiveMemberRecord[];
}

/**
 * Records a bundle with its members and its access-log row (gateway.create_bundle). Null when the
 * caller may not bundle or a submission is missing or not approved.
 */
export async function recordBundle(
  tx: Transaction,
  submissionIds: string[],
  client: { ip: string | null; userAgent: string | null },
): Promise<string | null> {
  // Sent as JSON: with fetch_types off (Hyperdrive) postgres.js cannot serialise a uuid[].
  const rows = await tx<{ id: string | null }[]>`
    select gateway.create_bundle(
      array(select value::uuid from jsonb_array_elements_text(${tx.json(submissionIds)}) with ordinality as ids(value, position) order by position),
      ${client.ip}, ${client.userAgent}) as id`;
  return rows[0]?.id ?? null;
}

/** The bundle's members in order, or null when there is no such bundle. */
export async function readBundle(tx: Transaction, bundleId: string): Promise<BundleContents | null> {
  const rows = await tx<BundleRow[]>`select * from gateway.bundle_download(${bundleId})`;
  const first = rows[0];
  if (!first) return null;
  return {
    createdAt: first.created_at,
    members: rows.map(toMemberRecord),
  };
}

export type BundleDownload = { kind: 'missing' } | { kind: 'refused' } | ({ kind: 'allowed' } & BundleContents);

/**
 * What a download through a bundle link may serve (gateway.open_bundle_download): the members,
 * if the bundle's creator may still bundle every one of them; `record` writes the access-log row
 * (at most one per bundle, client address and hour) in the same statement, before any byte is sent.
 */
export async function openBundleDownload(
  tx: Transaction,
  bundleId: string,
  record: { ip: string | null; userAgent: string | null } | null,
): Promise<BundleDownload> {
  const rows = await tx<(BundleRow & { allowed: boolean })[]>`
    select * from gateway.open_bundle_download(${bundleId}, ${record !== null}, ${record?.ip ?? null}, ${record?.userAgent ?? null})`;
  const first = rows[0];
  if (!first) return { kind: 'missing' };
  if (!first.allowed) return { kind: 'refused' };
  return { kind: 'allowed', createdAt: first.created_at, members: rows.map(toMemberRecord) };
}
