import { encodeHex } from '../encoding/hex';
import { checkMembers } from './members';
import type { TarMember } from './types';

/**
 * Bumped whenever the planner's layout changes (a header field, the pax header's name), because
 * the same member list would then give different bytes under the same ETag.
 */
const layoutVersion = 'storage-manager-tar/1';

const utf8 = new TextEncoder();

async function sha256(bytes: Uint8Array): Promise<ArrayBuffer> {
  return crypto.subtle.digest('SHA-256', bytes);
}

/**
 * A strong ETag for the archive planTar lays out, from everything its bytes depend on besides
 * the stored bodies: layout version, then per member (in order) size, mtime as written, the
 * digest of an inline body ('-' for a stored one), name. One line per member, tab-separated:
 * names cannot hold tabs or newlines (names.ts), so the input is unambiguous. Strong because
 * nothing in a tar header depends on body bytes (no CRC), so every range is stable.
 */
export async function tarEtag(members: readonly TarMember[]): Promise<string> {
  const lines = [layoutVersion];
  for (const member of checkMembers(members)) {
    const inlineDigest = member.body.kind === 'inline' ? encodeHex(await sha256(member.body.bytes)) : '-';
    lines.push([member.size, member.mtimeSeconds, inlineDigest, member.name].join('\t'));
  }
  return `"${encodeHex(await sha256(utf8.encode(lines.join('\n'))))}"`;
}
