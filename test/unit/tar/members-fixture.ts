import { randomBytes } from 'node:crypto';
import type { TarMember } from '../../../src/tar/types';

/**
 * One archive's worth of members covering every path through the planner: inline and stored,
 * empty, exactly one block, a name of exactly 100 bytes, a long name that splits into prefix and
 * name, two that cannot split (pax path), a non-ASCII name (pax path, UTF-8), and a time with a
 * fraction of a second. `bodies` is indexed by stored member index, as the writer's would be.
 */
export interface MemberSet {
  members: TarMember[];
  bodies: Uint8Array[];
  /** Every member's name, bytes and the whole seconds its header carries, in archive order. */
  expected: { name: string; bytes: Uint8Array; mtimeSeconds: number }[];
}

const utf8 = new TextEncoder();

export const splittableName = `${'d'.repeat(60)}/${'e'.repeat(60)}/${'f'.repeat(90)}.bin`;
export const exactly100Name = `${'n'.repeat(96)}.bin`;
export const unsplittableName = `${'x'.repeat(146)}.dat`;
export const prefixTooLongName = `${'p'.repeat(200)}/short.txt`;
export const unicodeName = 'données/résumé-ü-日本-🎉.txt';

export function buildMemberSet(): MemberSet {
  const base = Date.parse('2026-03-14T15:09:26Z');
  const bodies: Uint8Array[] = [];
  const members: TarMember[] = [];
  const expected: MemberSet['expected'] = [];
  const add = (name: string, bytes: Uint8Array, inline: boolean, millisecondsLater: number) => {
    const modifiedAt = new Date(base + millisecondsLater);
    if (inline) {
      members.push({ name, modifiedAt, body: { kind: 'inline', bytes } });
    } else {
      members.push({ name, modifiedAt, body: { kind: 'stored', index: bodies.length, size: bytes.length } });
      bodies.push(bytes);
    }
    expected.push({ name, bytes, mtimeSeconds: Math.floor(modifiedAt.getTime() / 1000) });
  };
  add('manifest.json', utf8.encode('{"members":7,"note":"inline, not a block multiple"}\n'), true, 0);
  add('task-1/empty.bin', new Uint8Array(0), false, 1_000);
  add('task-1/block.bin', randomBytes(512), false, 2_000);
  add('task-1/inline-empty.txt', new Uint8Array(0), true, 3_000);
  add(splittableName, randomBytes(1000), false, 4_999);
  add(exactly100Name, randomBytes(1), false, 5_000);
  add(unsplittableName, randomBytes(513), false, 86_400_000);
  add(prefixTooLongName, utf8.encode('a prefix over 155 bytes\n'), true, 7_000);
  add(unicodeName, utf8.encode('UTF-8 in a pax path record\n'), true, 8_000);
  add('task-2/large.bin', randomBytes(100_003), false, -86_400_000 * 365);
  return { members, bodies, expected };
}
