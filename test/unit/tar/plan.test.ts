import { describe, expect, it } from 'vitest';
import { TarPlanError } from '../../../src/tar/errors';
import { tarEtag } from '../../../src/tar/etag';
import { planTar } from '../../../src/tar/plan';
import type { TarMember } from '../../../src/tar/types';
import { assembleContainer } from '../../support/container-assembly';
import { buildMemberSet, exactly100Name, splittableName, unicodeName } from './members-fixture';

/**
 * The planner's own guarantees, checked on the bytes: header fields and checksums as the ustar
 * table defines them, pax records whose length prefix counts itself, where stored bodies lie,
 * determinism and the ETag, and refused input.
 */
const latin1 = new TextDecoder('latin1');
const utf8 = new TextEncoder();

/** A header field as text up to its first NUL. */
function field(header: Uint8Array, offset: number, length: number): string {
  const text = latin1.decode(header.subarray(offset, offset + length));
  const end = text.indexOf('\0');
  return end === -1 ? text : text.slice(0, end);
}

/** The headers of an archive, walked the way a reader does (pax body and member body skipped). */
function headersOf(archive: Uint8Array): { offset: number; header: Uint8Array }[] {
  const headers: { offset: number; header: Uint8Array }[] = [];
  let offset = 0;
  while (!archive.subarray(offset, offset + 512).every((byte) => byte === 0)) {
    const header = archive.subarray(offset, offset + 512);
    headers.push({ offset, header });
    let size = Number.parseInt(field(header, 124, 12), 8);
    if (field(header, 156, 1) === '0') {
      // A size record in the preceding pax header overrides the field.
      const previous = headers.at(-2);
      const records = previous === undefined ? '' : paxBody(archive, previous.offset);
      const sizeRecord = /\d+ size=(\d+)\n/u.exec(records);
      if (sizeRecord !== null && field(previous!.header, 156, 1) === 'x') size = Number(sizeRecord[1]);
    }
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return headers;
}

function paxBody(archive: Uint8Array, headerOffset: number): string {
  const size = Number.parseInt(field(archive.subarray(headerOffset, headerOffset + 512), 124, 12), 8);
  return new TextDecoder().decode(archive.subarray(headerOffset + 512, headerOffset + 512 + size));
}

describe('header blocks', () => {
  const set = buildMemberSet();
  const archive = assembleContainer(planTar(set.members), set.bodies);
  const headers = headersOf(archive);

  it('carry a checksum equal to the byte sum with the checksum field as spaces, as six digits, NUL, space', () => {
    expect(headers.length).toBe(set.members.length + 3);
    for (const { header } of headers) {
      const copy = new Uint8Array(header);
      copy.fill(0x20, 148, 156);
      const sum = copy.reduce((total, byte) => total + byte, 0);
      expect(latin1.decode(header.subarray(148, 156))).toBe(`${sum.toString(8).padStart(6, '0')}\0 `);
    }
  });

  it('fix mode, owner, magic and version, and leave linkname, owner names and device numbers empty', () => {
    for (const { header } of headers) {
      expect(latin1.decode(header.subarray(100, 124))).toBe('0000644\0' + '0000000\0' + '0000000\0');
      expect(latin1.decode(header.subarray(257, 265))).toBe('ustar\u000000');
      for (const [offset, length] of [
        [157, 100],
        [265, 32],
        [297, 32],
        [329, 8],
        [337, 8],
        [500, 12],
      ] as const) {
        expect(header.subarray(offset, offset + length).every((byte) => byte === 0)).toBe(true);
      }
    }
  });

  it('put short names in name, split long ones at a slash into prefix and name, keep 100-byte names whole', () => {
    const regular = headers.filter(({ header }) => field(header, 156, 1) === '0');
    const byName = new Map(regular.map(({ header }) => [field(header, 0, 100), field(header, 345, 155)]));
    expect(byName.get('manifest.json')).toBe('');
    expect(byName.get(exactly100Name)).toBe('');
    const [prefix, ...rest] = [`${'d'.repeat(60)}/${'e'.repeat(60)}`, `${'f'.repeat(90)}.bin`];
    expect(byName.get(rest[0]!)).toBe(prefix);
    expect(`${prefix}/${rest[0]}`).toBe(splittableName);
  });

  it('give a non-ASCII name a pax header entry named PaxHeaders/<basename> with the UTF-8 path record', () => {
    const index = headers.findIndex(({ offset }) => paxBody(archive, offset).includes(`path=${unicodeName}\n`));
    const pax = headers[index]!;
    expect(field(pax.header, 156, 1)).toBe('x');
    expect(field(pax.header, 0, 100)).toBe('PaxHeaders/r_sum_-_-__-_.txt');
    const record = ` path=${unicodeName}\n`;
    const length = utf8.encode(record).length + 2;
    expect(paxBody(archive, pax.offset)).toBe(`${length}${record}`);
    expect(field(pax.header, 136, 12)).toBe(field(headers[index + 1]!.header, 136, 12));
    // The member's own header holds an ASCII stand-in for readers without pax support.
    expect(field(headers[index + 1]!.header, 0, 100)).toBe('donn_es/r_sum_-_-__-_.txt');
  });
});

describe('pax records', () => {
  it('start with their own byte length, across every change in its number of digits', () => {
    // The path record of a name of n + 121 bytes has a " path=...\n" part of n + 128 bytes; its
    // length prefix gains a digit at 997-999 and 9996-9999 bytes of that part, where adding the
    // prefix's own digits carries into one more.
    const lengths = new Set<number>();
    for (const n of [...range(1, 30), ...range(860, 880), ...range(9860, 9880)]) {
      const name = `${'v'.repeat(n)}/${'w'.repeat(120)}`;
      const archive = assembleContainer(
        planTar([{ name, modifiedAt: new Date(0), body: { kind: 'inline', bytes: new Uint8Array(0) } }]),
        [],
      );
      const body = paxBody(archive, 0);
      expect(body).toBe(`${utf8.encode(body).length} path=${name}\n`);
      lengths.add(utf8.encode(body).length);
    }
    for (const length of [999, 1001, 1002, 9999, 10_001, 10_002])
      expect(lengths.has(length), String(length)).toBe(true);
    for (const length of [1000, 10_000]) expect(lengths.has(length), String(length)).toBe(false);
  });
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, offset) => from + offset);
}

describe('stored bodies', () => {
  it('point exactly at each stored member’s bytes, in archive order, empty ones included', () => {
    const set = buildMemberSet();
    const layout = planTar(set.members);
    const archive = assembleContainer(layout, set.bodies);
    expect(layout.rangesSupported).toBe(true);
    expect(layout.storedBodies.map((body) => body.index)).toEqual(set.bodies.map((_, index) => index));
    for (const body of layout.storedBodies) {
      expect(body.length).toBe(set.bodies[body.index]!.length);
      expect(body.offset % 512).toBe(0);
      expect(
        Buffer.from(archive.subarray(body.offset, body.offset + body.length)).equals(set.bodies[body.index]!),
      ).toBe(true);
      const member = set.members.find(
        (candidate) => candidate.body.kind === 'stored' && candidate.body.index === body.index,
      );
      expect(body.name).toBe(member!.name);
    }
  });
});

describe('determinism and the ETag', () => {
  const base = (): TarMember[] => buildMemberSet().members;

  it('gives byte-identical archives and equal strong ETags for equal input', async () => {
    const set = buildMemberSet();
    const copy: TarMember[] = set.members.map((member) => ({
      name: `${member.name}`,
      modifiedAt: new Date(member.modifiedAt.getTime()),
      body: member.body.kind === 'inline' ? { kind: 'inline', bytes: member.body.bytes.slice() } : { ...member.body },
    }));
    const first = assembleContainer(planTar(set.members), set.bodies);
    const second = assembleContainer(planTar(copy), set.bodies);
    expect(Buffer.from(first).equals(second)).toBe(true);
    const etag = await tarEtag(set.members);
    expect(etag).toMatch(/^"[0-9a-f]{64}"$/u);
    expect(await tarEtag(copy)).toBe(etag);
  });

  it('changes the ETag when a mtime second, a size, an inline byte or a name changes, not for a millisecond', async () => {
    const set = buildMemberSet();
    const etag = await tarEtag(set.members);
    const variant = async (change: (members: TarMember[]) => void) => {
      const members = base();
      change(members);
      return tarEtag(members);
    };
    // Members built by another call of buildMemberSet have other random bodies but equal sizes.
    expect(await variant(() => {})).toBe(etag);
    expect(
      await variant((members) => {
        members[2]!.modifiedAt = new Date(members[2]!.modifiedAt.getTime() + 1000);
      }),
    ).not.toBe(etag);
    expect(
      await variant((members) => {
        members[2]!.modifiedAt = new Date(members[2]!.modifiedAt.getTime() + 999);
      }),
    ).toBe(etag);
    expect(
      await variant((members) => {
        members[1]!.body = { kind: 'stored', index: 0, size: 1 };
      }),
    ).not.toBe(etag);
    expect(
      await variant((members) => {
        members[0]!.body = {
          kind: 'inline',
          bytes: utf8.encode('{"members":7,"note":"inline, not a block multiplE"}\n'),
        };
      }),
    ).not.toBe(etag);
    expect(
      await variant((members) => {
        members[1]!.name = 'task-1/empty2.bin';
      }),
    ).not.toBe(etag);
  });
});

describe('refused input', () => {
  const modifiedAt = new Date('2026-01-01T00:00:00Z');
  const stored = (name: string, size = 1): TarMember => ({
    name,
    modifiedAt,
    body: { kind: 'stored', index: 0, size },
  });
  const cases: [string, TarMember[], TarPlanError['kind']][] = [
    ['duplicate name', [stored('a/b.txt'), stored('a/b.txt')], 'duplicate_name'],
    ['dot-dot segment', [stored('a/../b.txt')], 'invalid_name'],
    ['leading dot-dot', [stored('../b.txt')], 'invalid_name'],
    ['absolute name', [stored('/etc/passwd')], 'invalid_name'],
    ['empty name', [stored('')], 'invalid_name'],
    ['trailing slash', [stored('dir/')], 'invalid_name'],
    ['NUL', [stored('a\u0000b')], 'invalid_name'],
    ['newline', [stored('a\nb')], 'invalid_name'],
    ['backslash', [stored('a\\b')], 'invalid_name'],
    ['lone surrogate', [stored('a\ud800b')], 'invalid_name'],
    ['negative size', [stored('a', -1)], 'invalid_size'],
    ['fractional size', [stored('a', 1.5)], 'invalid_size'],
    ['size beyond 2^53', [stored('a', 2 ** 53)], 'invalid_size'],
    [
      'invalid Date',
      [{ name: 'a', modifiedAt: new Date(Number.NaN), body: { kind: 'stored', index: 0, size: 1 } }],
      'invalid_time',
    ],
  ];

  it.each(cases)('%s throws TarPlanError from planTar and tarEtag', async (_, members, kind) => {
    const thrown = (() => {
      try {
        planTar(members);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(thrown).toBeInstanceOf(TarPlanError);
    expect((thrown as TarPlanError).kind).toBe(kind);
    await expect(tarEtag(members)).rejects.toMatchObject({ name: 'TarPlanError', kind });
  });
});
