/**
 * An encoder for the Thrift compact protocol (apache/thrift doc/specs/thrift-compact-protocol.md),
 * the serialisation of every Parquet page header and of the footer's FileMetaData. Only what a
 * writer needs: structs are built as plain values and encoded in one pass, so the shape written
 * is visible at the call site next to the parquet.thrift field ids it follows.
 */

/** Field types of a struct field header, "Struct encoding" in the spec. */
const fieldType = {
  booleanTrue: 1,
  booleanFalse: 2,
  i8: 3,
  i16: 4,
  i32: 5,
  i64: 6,
  binary: 8,
  list: 9,
  struct: 12,
} as const;

/** Element types of a list header, "List and Set" in the spec (bool is 2 there, not 1 or 2). */
const elementType = {
  bool: 2,
  i32: 5,
  i64: 6,
  binary: 8,
  struct: 12,
} as const;

export type ThriftValue =
  | { type: 'bool'; value: boolean }
  | { type: 'i8'; value: number }
  | { type: 'i16'; value: number }
  | { type: 'i32'; value: number }
  | { type: 'i64'; value: number }
  | { type: 'binary'; value: Uint8Array }
  | { type: 'list'; element: ThriftListElement; values: readonly ThriftValue[] }
  | { type: 'struct'; fields: ThriftStruct };

export type ThriftListElement = keyof typeof elementType;

/** A struct's fields as [field id, value]; absent optional fields are simply left out. */
export type ThriftStruct = readonly (readonly [number, ThriftValue])[];

const utf8 = new TextEncoder();

export const thrift = {
  bool: (value: boolean): ThriftValue => ({ type: 'bool', value }),
  i8: (value: number): ThriftValue => ({ type: 'i8', value }),
  i16: (value: number): ThriftValue => ({ type: 'i16', value }),
  i32: (value: number): ThriftValue => ({ type: 'i32', value }),
  i64: (value: number): ThriftValue => ({ type: 'i64', value }),
  binary: (value: Uint8Array): ThriftValue => ({ type: 'binary', value }),
  /** "String encoding": UTF-8, then sent as binary. */
  string: (value: string): ThriftValue => ({ type: 'binary', value: utf8.encode(value) }),
  list: (element: ThriftListElement, values: readonly ThriftValue[]): ThriftValue => ({
    type: 'list',
    element,
    values,
  }),
  struct: (fields: ThriftStruct): ThriftValue => ({ type: 'struct', fields }),
};

/** Largest i32: Thrift sizes (var int, "must be >= 0") and Parquet page sizes are i32. */
export const maximumI32 = 2 ** 31 - 1;

class ByteSink {
  private buffer = new Uint8Array(64);
  length = 0;

  private reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < this.length + extra) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
  }

  byte(value: number): void {
    this.reserve(1);
    this.buffer[this.length++] = value & 0xff;
  }

  bytes(value: Uint8Array): void {
    this.reserve(value.length);
    this.buffer.set(value, this.length);
    this.length += value.length;
  }

  result(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

/** Unsigned LEB128 ("var int") of a non-negative BigInt. */
function writeVarint(sink: ByteSink, value: bigint): void {
  let rest = value;
  while (rest >= 0x80n) {
    sink.byte(Number(rest & 0x7fn) | 0x80);
    rest >>= 7n;
  }
  sink.byte(Number(rest));
}

/**
 * "Integer encoding": zigzag folds n to 2n when n ≥ 0 and to -2n - 1 when n < 0, then var int.
 * BigInt keeps i64 values exact past 2^53 / 2, where 2n would no longer be a safe number.
 */
function writeZigzag(sink: ByteSink, value: number, bits: 16 | 32 | 64): void {
  if (!Number.isSafeInteger(value)) throw new RangeError(`thrift: ${value} is not an integer`);
  if (bits !== 64 && (value < -(2 ** (bits - 1)) || value >= 2 ** (bits - 1)))
    throw new RangeError(`thrift: ${value} does not fit i${bits}`);
  const wide = BigInt(value);
  writeVarint(sink, wide >= 0n ? wide << 1n : (-wide << 1n) - 1n);
}

function checkSize(size: number): void {
  if (size > maximumI32) throw new RangeError(`thrift: a size of ${size} is beyond i32`);
}

function fieldTypeOf(value: ThriftValue): number {
  if (value.type === 'bool') return value.value ? fieldType.booleanTrue : fieldType.booleanFalse;
  return fieldType[value.type];
}

function writeValue(sink: ByteSink, value: ThriftValue): void {
  switch (value.type) {
    case 'bool':
      // Only list elements get here; a bool field's value lives in its header.
      sink.byte(value.value ? 1 : 0);
      return;
    case 'i8':
      if (!Number.isInteger(value.value) || value.value < -128 || value.value > 127)
        throw new RangeError(`thrift: ${value.value} does not fit i8`);
      sink.byte(value.value);
      return;
    case 'i16':
      writeZigzag(sink, value.value, 16);
      return;
    case 'i32':
      writeZigzag(sink, value.value, 32);
      return;
    case 'i64':
      writeZigzag(sink, value.value, 64);
      return;
    case 'binary':
      checkSize(value.value.length);
      writeVarint(sink, BigInt(value.value.length));
      sink.bytes(value.value);
      return;
    case 'list':
      writeList(sink, value.element, value.values);
      return;
    case 'struct':
      writeStruct(sink, value.fields);
      return;
  }
}

/** Short header `sssstttt` for sizes 0..14, else `1111tttt` and the size as var int. */
function writeList(sink: ByteSink, element: ThriftListElement, values: readonly ThriftValue[]): void {
  checkSize(values.length);
  const type = elementType[element];
  if (values.length < 15) {
    sink.byte((values.length << 4) | type);
  } else {
    sink.byte(0xf0 | type);
    writeVarint(sink, BigInt(values.length));
  }
  for (const value of values) {
    if (value.type !== element) throw new TypeError(`thrift: a ${value.type} in a list of ${element}`);
    writeValue(sink, value);
  }
}

/**
 * Field header `ddddtttt` when the id is 1..15 above the previous one, else the long form
 * `0000tttt` then the id as zigzag i16. A struct ends with the stop byte 0.
 */
function writeStruct(sink: ByteSink, fields: ThriftStruct): void {
  let previousId = 0;
  for (const [id, value] of fields) {
    if (!Number.isInteger(id) || id < 1 || id > 32_767) throw new RangeError(`thrift: field id ${id}`);
    const delta = id - previousId;
    const type = fieldTypeOf(value);
    if (delta >= 1 && delta <= 15) {
      sink.byte((delta << 4) | type);
    } else {
      sink.byte(type);
      writeZigzag(sink, id, 16);
    }
    if (value.type !== 'bool') writeValue(sink, value);
    previousId = id;
  }
  sink.byte(0);
}

/** The compact encoding of one struct, e.g. a PageHeader or the FileMetaData. */
export function encodeStruct(fields: ThriftStruct): Uint8Array {
  const sink = new ByteSink();
  writeStruct(sink, fields);
  return sink.result();
}
