/**
 * Definition levels of a data page V1, in the RLE / bit-packing hybrid (Encodings.md, "Run Length
 * Encoding / Bit-Packing Hybrid (RLE = 3)"): the 4-byte little-endian length that data page V1
 * puts before the encoded data, then one RLE run per stretch of equal levels. Only RLE runs are
 * written (a reader must accept any mix of runs); with rows present or null in long stretches
 * they are also the shortest form.
 */

/** The hybrid's bit width for a maximum level: enough bits for 0..maxLevel. */
export function levelBitWidth(maxLevel: number): number {
  return maxLevel === 0 ? 0 : 32 - Math.clz32(maxLevel);
}

function varintLength(value: number): number {
  let length = 1;
  for (let rest = value; rest >= 0x80; rest = Math.floor(rest / 0x80)) length++;
  return length;
}

function writeVarint(target: Uint8Array, offset: number, value: number): number {
  let cursor = offset;
  let rest = value;
  while (rest >= 0x80) {
    target[cursor++] = (rest % 0x80) | 0x80;
    rest = Math.floor(rest / 0x80);
  }
  target[cursor++] = rest;
  return cursor;
}

/**
 * rle-run := varint(run length << 1), then the value in round-up-to-next-byte(bit width) bytes,
 * little-endian. Run lengths stay below 2^31 (note 3 of the grammar) because a page holds at
 * most an i32 count of values.
 */
export function encodeDefinitionLevels(levels: readonly number[], maxLevel: number): Uint8Array {
  const valueBytes = Math.ceil(levelBitWidth(maxLevel) / 8);
  const runs: { value: number; length: number }[] = [];
  for (const level of levels) {
    if (!Number.isInteger(level) || level < 0 || level > maxLevel)
      throw new RangeError(`definition level ${level} is outside 0..${maxLevel}`);
    const last = runs[runs.length - 1];
    if (last && last.value === level) last.length++;
    else runs.push({ value: level, length: 1 });
  }
  const encodedLength = runs.reduce((sum, run) => sum + varintLength(run.length * 2) + valueBytes, 0);
  const bytes = new Uint8Array(4 + encodedLength);
  new DataView(bytes.buffer).setUint32(0, encodedLength, true);
  let cursor = 4;
  for (const run of runs) {
    cursor = writeVarint(bytes, cursor, run.length * 2);
    for (let byte = 0; byte < valueBytes; byte++) bytes[cursor++] = (run.value >>> (8 * byte)) & 0xff;
  }
  return bytes;
}
