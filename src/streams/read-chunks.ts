const chunkBytes = 64 * 1024;

/**
 * Reads a byte stream once, in chunks of 64 KiB, handing each to `onChunk`. A BYOB reader with
 * `readAtLeast` (a workerd extension) gives far fewer, larger chunks than default reads of a fetch
 * body (4 KiB), so the per-chunk JavaScript stays small. Each read gets a fresh buffer, since a
 * consumer (a digest, a writable) may still hold the previous chunk.
 */
export async function forEachChunk(
  stream: ReadableStream<Uint8Array>,
  onChunk: (chunk: Uint8Array) => Promise<void> | void,
): Promise<void> {
  const reader = stream.getReader({ mode: 'byob' });
  try {
    for (;;) {
      const { value, done } = await reader.readAtLeast(chunkBytes, new Uint8Array(chunkBytes));
      if (value && value.byteLength > 0) await onChunk(value);
      if (done) return;
    }
  } finally {
    reader.releaseLock();
  }
}
