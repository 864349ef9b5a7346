import { describe, expect, it } from 'vitest';
import { layOutParts, partLength } from '../../src/uploads/part-layout';

const MiB = 1024 * 1024;

describe('layOutParts', () => {
  it('uses 8 MiB parts until 10,000 parts would not hold the object', () => {
    expect(layOutParts(64 * MiB + 1)).toEqual({ partSize: 8 * MiB, partCount: 9 });
    expect(layOutParts(5 * 1024 * MiB)).toEqual({ partSize: 8 * MiB, partCount: 640 });
    expect(layOutParts(80_000 * MiB)).toEqual({ partSize: 8 * MiB, partCount: 10_000 });
    expect(layOutParts(80_000 * MiB + 1)).toEqual({ partSize: 9 * MiB, partCount: 8889 });
    const fiveTiB = 5 * 1024 ** 4;
    const layout = layOutParts(fiveTiB);
    expect(layout.partCount).toBeLessThanOrEqual(10_000);
    expect(layout.partSize % MiB).toBe(0);
    expect(layout.partSize * layout.partCount).toBeGreaterThanOrEqual(fiveTiB);
  });

  it('gives every part its exact length, the last one the rest', () => {
    const size = 64 * MiB + 1;
    const layout = layOutParts(size);
    const lengths = Array.from({ length: layout.partCount }, (_, index) => partLength(size, layout, index + 1));
    expect(lengths.slice(0, -1).every((length) => length === 8 * MiB)).toBe(true);
    expect(lengths.at(-1)).toBe(1);
    expect(lengths.reduce((sum, length) => sum + length, 0)).toBe(size);
  });
});
