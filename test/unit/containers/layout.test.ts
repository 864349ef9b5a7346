import { describe, expect, it } from 'vitest';
import {
  type ContainerSegment,
  firstMemberSegment,
  layOutRegions,
  producedBytes,
  type Region,
  sliceInWindows,
} from '../../../src/containers/layout';
import { assembleContainer, assembleContainerRange } from '../../support/container-assembly';

const bytes = (...values: number[]) => new Uint8Array(values);

// Produced bytes 1-3, member 7 (4 bytes), nothing, produced 9, member 8 (0 bytes), produced 10-11.
const regions: Region[] = [
  producedBytes(bytes(1, 2, 3)),
  { kind: 'member', index: 7, name: 'seven', length: 4 },
  producedBytes(bytes()),
  producedBytes(bytes(9)),
  { kind: 'member', index: 8, name: 'eight', length: 0 },
  producedBytes(bytes(10, 11)),
];
const bodies = new Map([
  [7, bytes(70, 71, 72, 73)],
  [8, bytes()],
]);
const whole = bytes(1, 2, 3, 70, 71, 72, 73, 9, 10, 11);
const layout = layOutRegions(regions);

describe('layOutRegions', () => {
  it('sums the regions and says where each stored body lies', () => {
    expect(layout.totalLength).toBe(10);
    expect(layout.rangesSupported).toBe(true);
    expect(layout.storedBodies).toEqual([
      { index: 7, name: 'seven', offset: 3, length: 4 },
      { index: 8, name: 'eight', offset: 8, length: 0 },
    ]);
    expect(new Uint8Array(assembleContainer(layout, bodies))).toEqual(whole);
  });

  it('slices any range into joined produced bytes and body-relative member ranges', () => {
    expect(layout.slice(1, 4)).toEqual([
      { kind: 'bytes', bytes: bytes(2, 3) },
      { kind: 'member', index: 7, start: 0, end: 1 },
    ]);
    // Produced regions either side of an empty one and an empty member come as one segment.
    expect(layout.slice(7, 9)).toEqual([{ kind: 'bytes', bytes: bytes(9, 10, 11) }]);
    expect(layout.slice(5, 5)).toEqual([{ kind: 'member', index: 7, start: 2, end: 2 }]);
    for (let start = 0; start < whole.length; start++)
      for (let end = start; end < whole.length; end++)
        expect(new Uint8Array(assembleContainerRange(layout, bodies, start, end)), `${start}-${end}`).toEqual(
          whole.subarray(start, end + 1),
        );
  });

  it('produces only the regions a slice touches', () => {
    let produced = 0;
    const counting = (content: Uint8Array) => () => {
      produced++;
      return content;
    };
    const counted = layOutRegions([
      { kind: 'bytes', length: 2, bytes: counting(bytes(1, 2)) },
      { kind: 'member', index: 0, name: 'm', length: 100 },
      { kind: 'bytes', length: 2, bytes: counting(bytes(3, 4)) },
    ]);
    counted.slice(10, 20);
    expect(produced).toBe(0);
    counted.slice(101, 103);
    expect(produced).toBe(1);
    counted.slice(0, 103);
    expect(produced).toBe(3);
  });

  it('refuses ranges outside the container and regions of invalid length', () => {
    for (const [start, end] of [
      [-1, 2],
      [3, 2],
      [0, 10],
      [0.5, 2],
    ] as const)
      expect(() => layout.slice(start, end), `${start}-${end}`).toThrow(RangeError);
    expect(() => layOutRegions([{ kind: 'member', index: 0, name: 'm', length: -1 }])).toThrow(RangeError);
    expect(() => layOutRegions([{ kind: 'member', index: 0, name: 'm', length: 2 ** 53 }])).toThrow(RangeError);
  });
});

describe('sliceInWindows', () => {
  // 100 members of 0-3 bytes, each after a 2-byte header, then a 300 KiB trailer (as a ZIP's
  // central directory): more members than one window holds, and a trailer cut into pieces.
  const many: Region[] = [];
  const manyBodies = new Map<number, Uint8Array>();
  for (let index = 0; index < 100; index++) {
    many.push(producedBytes(bytes(index, index)));
    const body = Uint8Array.from({ length: index % 4 }, (_, at) => 100 + at);
    manyBodies.set(index, body);
    many.push({ kind: 'member', index, name: `m${index}`, length: body.length });
  }
  many.push(producedBytes(new Uint8Array(300 * 1024).fill(7)));
  const manyLayout = layOutRegions(many);
  const manyWhole = assembleContainer(manyLayout, manyBodies);
  const assemble = (segments: Iterable<ContainerSegment>) =>
    Buffer.concat(
      [...segments].map((segment) =>
        segment.kind === 'bytes'
          ? segment.bytes
          : manyBodies.get(segment.index)!.subarray(segment.start, segment.end + 1),
      ),
    );
  const members = (segments: Iterable<ContainerSegment>) => [...segments].filter((s) => s.kind === 'member');

  it('gives the bytes and the member ranges slice gives, for any range', () => {
    const total = manyLayout.totalLength;
    const ranges: [number, number][] = [
      [0, total - 1],
      [0, 0],
      [5, 200],
      [3, 4],
      [150, total - 1],
      [total - 300 * 1024 - 2, total - 1],
      [total - 10, total - 1],
    ];
    for (const [start, end] of ranges) {
      const windowed = [...sliceInWindows(manyLayout, start, end)];
      expect(Buffer.compare(assemble(windowed), manyWhole.subarray(start, end + 1)), `${start}-${end}`).toBe(0);
      // Windows end where a body ends, so no member is split into two requests.
      expect(members(windowed), `${start}-${end}`).toEqual(members(manyLayout.slice(start, end)));
    }
    for (let start = 0; start < whole.length; start++)
      for (let end = start; end < whole.length; end++)
        expect(
          Buffer.compare(
            Buffer.concat(
              [...sliceInWindows(layout, start, end)].map((segment) =>
                segment.kind === 'bytes'
                  ? segment.bytes
                  : bodies.get(segment.index)!.subarray(segment.start, segment.end + 1),
              ),
            ),
            whole.subarray(start, end + 1),
          ),
          `${start}-${end}`,
        ).toBe(0);
  });

  it('slices a window only when the one before it is consumed', () => {
    const sliced: [number, number][] = [];
    const counting = {
      ...manyLayout,
      slice(start: number, end: number) {
        sliced.push([start, end]);
        return manyLayout.slice(start, end);
      },
    };
    const windows = sliceInWindows(counting, 0, manyLayout.totalLength - 1);
    windows.next();
    expect(sliced).toHaveLength(1);
    // The first window holds 32 stored bodies (of which 24 are non-empty) and their headers.
    expect(manyLayout.slice(sliced[0]![0], sliced[0]![1]).filter((s) => s.kind === 'member')).toHaveLength(24);
    [...windows];
    // 100 bodies in windows of 32, then the 300 KiB trailer in pieces of at most 256 KiB.
    expect(sliced).toHaveLength(6);
  });

  it('finds the first member of a range', () => {
    expect(firstMemberSegment(layout, 0, 9)).toEqual({ kind: 'member', index: 7, start: 0, end: 3 });
    expect(firstMemberSegment(layout, 5, 9)).toEqual({ kind: 'member', index: 7, start: 2, end: 3 });
    expect(firstMemberSegment(layout, 7, 9)).toBeNull();
  });
});
