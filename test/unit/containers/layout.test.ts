import { describe, expect, it } from 'vitest';
import { layOutRegions, producedBytes, type Region } from '../../../src/containers/layout';
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

describe('layOutRegions', () => {
  const layout = layOutRegions(regions);

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
