import { TarPlanError } from './errors';
import { maximumOctal11 } from './format';
import { encodeMemberName } from './names';
import type { TarMember } from './types';

/** A member once checked: what its headers and the ETag are made from. */
export interface CheckedMember {
  name: string;
  nameBytes: Uint8Array;
  size: number;
  /** The ustar mtime: whole seconds since 1970, clamped to what 11 octal digits hold. */
  mtimeSeconds: number;
  body: TarMember['body'];
}

function checkSize(name: string, size: number): number {
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new TarPlanError('invalid_size', `member ${JSON.stringify(name)} has invalid size ${size}`);
  }
  return size;
}

/**
 * "ustar Interchange Format": mtime is seconds since the Epoch in 11 octal digits. A time before
 * 1970 or after 2242 is clamped rather than refused: the data is what matters, and the floor
 * (never rounding) keeps a time from moving into the next second.
 */
function mtimeSecondsOf(name: string, modifiedAt: Date): number {
  if (!(modifiedAt instanceof Date) || Number.isNaN(modifiedAt.getTime())) {
    throw new TarPlanError('invalid_time', `member ${JSON.stringify(name)} has an invalid modification time`);
  }
  return Math.min(maximumOctal11, Math.max(0, Math.floor(modifiedAt.getTime() / 1000)));
}

/** Checks every member and that no two share a name (a reader would keep only the last). */
export function checkMembers(members: readonly TarMember[]): CheckedMember[] {
  const seen = new Set<string>();
  return members.map((member) => {
    const nameBytes = encodeMemberName(member.name);
    if (seen.has(member.name)) {
      throw new TarPlanError('duplicate_name', `member name ${JSON.stringify(member.name)} appears twice`);
    }
    seen.add(member.name);
    const size = member.body.kind === 'stored' ? checkSize(member.name, member.body.size) : member.body.bytes.length;
    return {
      name: member.name,
      nameBytes,
      size,
      mtimeSeconds: mtimeSecondsOf(member.name, member.modifiedAt),
      body: member.body,
    };
  });
}
