import { describe, expect, it } from 'vitest';
import { encodeDefinitionLevels, levelBitWidth } from '../../../src/parquet/levels';
import { encodeDataPageHeader, encodeMediaPagePrefix } from '../../../src/parquet/pages';
import { encodeStruct, thrift } from '../../../src/parquet/thrift-compact';

// Expected bytes are worked out by hand from apache/thrift doc/specs/thrift-compact-protocol.md
// and parquet-format Encodings.md, not produced by the encoder under test.

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('Thrift compact protocol encoder', () => {
  it('writes i32 fields as short headers (delta 1, type 5) with zigzag var ints', () => {
    // 0 → 0, -1 → 1, 1 → 2, -2 → 3.
    expect(hex(encodeStruct([[1, thrift.i32(0)]]))).toBe('150000');
    expect(hex(encodeStruct([[1, thrift.i32(-1)]]))).toBe('150100');
    expect(hex(encodeStruct([[1, thrift.i32(1)]]))).toBe('150200');
    expect(hex(encodeStruct([[1, thrift.i32(-2)]]))).toBe('150300');
    // 50399 zigzags to 100798 = 6·128² + 19·128 + 62: groups 62, 19, 6 low first, high bits set.
    expect(hex(encodeStruct([[1, thrift.i32(50_399)]]))).toBe('15be930600');
  });

  it('writes the spec var int example: i64 -25200 zigzags to 50399 = DF 89 03', () => {
    expect(hex(encodeStruct([[1, thrift.i64(-25_200)]]))).toBe('16df890300');
  });

  it('writes i64 values past 2^32 exactly', () => {
    // 2^40 zigzags to 2^41: five empty 7-bit groups, then bit 6 of the sixth.
    expect(hex(encodeStruct([[1, thrift.i64(2 ** 40)]]))).toBe('16808080808040' + '00');
  });

  it('encodes field ids as deltas from the previous field', () => {
    // Field 1 then field 3: deltas 1 and 2.
    expect(
      hex(
        encodeStruct([
          [1, thrift.i32(1)],
          [3, thrift.i32(1)],
        ]),
      ),
    ).toBe('1502' + '2502' + '00');
  });

  it('switches to the long form (type byte, zigzag i16 id) for a jump above 15', () => {
    // Field 1, then field 20 (delta 19): 0x05 then zigzag(20) = 40 = 0x28.
    expect(
      hex(
        encodeStruct([
          [1, thrift.i32(0)],
          [20, thrift.i32(0)],
        ]),
      ),
    ).toBe('1500' + '052800' + '00');
    // A first field above 15 also takes the long form.
    expect(hex(encodeStruct([[16, thrift.i32(0)]]))).toBe('05200000');
  });

  it('carries a bool field in its header: 1 for true, 2 for false, no value byte', () => {
    expect(
      hex(
        encodeStruct([
          [1, thrift.bool(true)],
          [2, thrift.bool(false)],
        ]),
      ),
    ).toBe('11' + '12' + '00');
  });

  it('writes binary as var int length then bytes', () => {
    expect(hex(encodeStruct([[4, thrift.string('ab')]]))).toBe('48026162' + '00');
  });

  it('writes list headers short (size 0..14 in the high nibble) and long (0xF, var int size)', () => {
    expect(hex(encodeStruct([[1, thrift.list('i32', [1, 2, 3].map(thrift.i32))]]))).toBe('19' + '35020406' + '00');
    expect(hex(encodeStruct([[1, thrift.list('i32', [])]]))).toBe('19' + '05' + '00');
    const fifteen = Array.from({ length: 15 }, () => thrift.i32(0));
    expect(hex(encodeStruct([[1, thrift.list('i32', fifteen)]]))).toBe(`19f50f${'00'.repeat(15)}00`);
    // Bool elements are one byte each, element type 2.
    expect(hex(encodeStruct([[1, thrift.list('bool', [thrift.bool(true), thrift.bool(false)])]]))).toBe(
      '19' + '22' + '0100' + '00',
    );
  });

  it('nests structs, an empty one being only its stop byte', () => {
    expect(hex(encodeStruct([[1, thrift.struct([])]]))).toBe('1c00' + '00');
    expect(hex(encodeStruct([[8, thrift.struct([[1, thrift.bool(true)]])]]))).toBe('8c' + '1100' + '00');
  });

  it('refuses values that do not fit their type', () => {
    expect(() => encodeStruct([[1, thrift.i32(2 ** 31)]])).toThrow(RangeError);
    expect(() => encodeStruct([[1, thrift.i8(128)]])).toThrow(RangeError);
    expect(() => encodeStruct([[0, thrift.i32(0)]])).toThrow(RangeError);
    expect(() => encodeStruct([[1, thrift.list('i32', [thrift.i64(1)])]])).toThrow(TypeError);
  });
});

describe('definition levels (RLE / bit-packing hybrid, data page V1)', () => {
  it('uses one bit for max level 1 and two for max level 2', () => {
    expect(levelBitWidth(1)).toBe(1);
    expect(levelBitWidth(2)).toBe(2);
  });

  it('writes a 4-byte little-endian length, then one RLE run per stretch', () => {
    // Runs (2×1), (1×0), (1×1): headers 2<<1, 1<<1, 1<<1, each value in one byte.
    expect(hex(encodeDefinitionLevels([1, 1, 0, 1], 1))).toBe('06000000' + '0401' + '0200' + '0201');
    // One present media value at level 2.
    expect(hex(encodeDefinitionLevels([2], 2))).toBe('02000000' + '0202');
    // A run of 200: 400 = 3·128 + 16 → 0x90 0x03.
    expect(hex(encodeDefinitionLevels(new Array(200).fill(1), 1))).toBe('03000000' + '9003' + '01');
  });

  it('refuses a level above the maximum', () => {
    expect(() => encodeDefinitionLevels([2], 1)).toThrow(RangeError);
  });
});

describe('data page headers', () => {
  it('encodes PageHeader and DataPageHeader field by field', () => {
    // type DATA_PAGE 0; both sizes 10 (zigzag 20 = 0x14); field 5 is 2 above field 3 (0x2C);
    // num_values 2 (0x04), PLAIN 0, RLE 3 (0x06) twice; two stop bytes.
    expect(hex(encodeDataPageHeader(10, 2, 'test'))).toBe(
      '1500' + '1514' + '1514' + '2c' + '1504150015061506' + '00' + '00',
    );
  });

  it('ends a media page prefix with its levels and the body length', () => {
    const prefix = encodeMediaPagePrefix(0x01020304, 'test');
    expect(hex(prefix.subarray(prefix.length - 10))).toBe('020000000202' + '04030201');
  });
});
