/**
 * Little-endian field writers (APPNOTE 4.4.1.1: all values are stored little-endian). 64-bit
 * fields are written as two 32-bit halves: every size and offset here is a safe integer below
 * 2^53, so plain arithmetic is exact and the hot path needs no BigInt.
 */
export function setUint16(view: DataView, offset: number, value: number): void {
  view.setUint16(offset, value, true);
}

export function setUint32(view: DataView, offset: number, value: number): void {
  view.setUint32(offset, value, true);
}

export function setUint64(view: DataView, offset: number, value: number): void {
  view.setUint32(offset, value % 0x1_0000_0000, true);
  view.setUint32(offset + 4, Math.floor(value / 0x1_0000_0000), true);
}

export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
