/**
 * What can be uploaded: anything that knows its size and can hand out a byte range. A browser
 * File or Blob, bytes in memory, or (in the CLI) a file on disk. Only web-standard types here, so
 * the core runs in browsers, React Native and Node alike.
 */
export interface UploadSource {
  size: number;
  /** Content type, when the source knows it (a File does). */
  type?: string;
  name?: string;
  /** Bytes [start, end) as a fetch body. */
  slice(start: number, end: number): Promise<Blob | Uint8Array>;
}

export function fromBlob(blob: Blob, name?: string): UploadSource {
  return {
    size: blob.size,
    type: blob.type || undefined,
    name: name ?? (blob as Blob & { name?: string }).name,
    slice: async (start, end) => blob.slice(start, end),
  };
}

export function fromBytes(bytes: Uint8Array, type?: string, name?: string): UploadSource {
  return { size: bytes.byteLength, type, name, slice: async (start, end) => bytes.subarray(start, end) };
}

export function toUploadSource(source: UploadSource | Blob | Uint8Array): UploadSource {
  if (source instanceof Uint8Array) return fromBytes(source);
  if (typeof Blob !== 'undefined' && source instanceof Blob) return fromBlob(source);
  return source as UploadSource;
}
