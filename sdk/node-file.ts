import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { UploadSource } from './source';

/** A file on disk as an upload source: each part is read when it is sent, never the whole file. */
export async function fromFile(path: string, type?: string): Promise<UploadSource & { modifiedMs: number }> {
  const info = await stat(path);
  return {
    size: info.size,
    type,
    name: basename(path),
    modifiedMs: info.mtimeMs,
    async slice(start, end) {
      const handle = await open(path, 'r');
      try {
        const bytes = new Uint8Array(end - start);
        let offset = 0;
        while (offset < bytes.byteLength) {
          const { bytesRead } = await handle.read(bytes, offset, bytes.byteLength - offset, start + offset);
          if (bytesRead === 0) throw new Error(`${path} changed while it was uploaded`);
          offset += bytesRead;
        }
        return bytes;
      } finally {
        await handle.close();
      }
    },
  };
}
