import { createWriteStream, existsSync, rmSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ResumableDownload {
  out: string;
  bytes: number;
  /** The URL to fetch from, asked for before every attempt, so an expiring link can be renewed. */
  url: () => Promise<string>;
  onProgress?: (progress: { uploadedBytes: number; totalBytes: number }) => void;
  /** Told why a transfer was cut before it is resumed; by default a line on stderr. */
  onInterrupted?: (message: string) => void;
  attempts?: number;
  /**
   * The object's ETag as the gateway lists it. Every response must carry it (else the download
   * fails: the object is not the one listed), and a file left by an earlier run is resumed
   * against it, or taken as done when it already has `bytes` bytes.
   */
  expectedEtag?: string;
  /** Stops the download (no further attempt); the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Downloads exactly `bytes` bytes to `out` in Node, resuming a cut transfer with Range and
 * If-Range (RFC 9110 §13.1.5): the server sends only the missing bytes when its ETag still
 * matches, or the whole object again when it does not. Throws when the file cannot be completed.
 */
export async function downloadResumable(download: ResumableDownload): Promise<void> {
  const { out, bytes, signal } = download;
  const interrupted = download.onInterrupted ?? ((message) => process.stderr.write(`${message}\n`));
  let etag: string | null = download.expectedEtag ?? null;
  let started = false;
  if (existsSync(out) && statSync(out).size > bytes) rmSync(out);
  download.onProgress?.({ uploadedBytes: existsSync(out) ? statSync(out).size : 0, totalBytes: bytes });
  for (let attempt = 0; attempt < (download.attempts ?? 10); attempt++) {
    signal?.throwIfAborted();
    const have = existsSync(out) ? statSync(out).size : 0;
    if ((started || download.expectedEtag) && have === bytes) return;
    const headers: Record<string, string> = have > 0 && etag ? { range: `bytes=${have}-`, 'if-range': etag } : {};
    try {
      const response = await fetch(await download.url(), { headers, signal });
      if (!response.ok || !response.body) throw new Error(`download answered ${response.status}`);
      etag = response.headers.get('etag');
      if (download.expectedEtag && etag !== download.expectedEtag) {
        await response.body.cancel();
        throw new EtagMismatchError(`${out}: the object's ETag is ${etag}, the gateway lists ${download.expectedEtag}`);
      }
      started = true;
      const append = response.status === 206;
      const file = createWriteStream(out, { flags: append ? 'a' : 'w' });
      let written = append ? have : 0;
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        if (!file.write(chunk)) await new Promise<void>((resolve) => file.once('drain', () => resolve()));
        written += chunk.byteLength;
        download.onProgress?.({ uploadedBytes: written, totalBytes: bytes });
      }
      await new Promise<void>((resolve, reject) =>
        file.end((error?: Error | null) => (error ? reject(error) : resolve())),
      );
    } catch (error) {
      signal?.throwIfAborted();
      if (error instanceof EtagMismatchError) throw error;
      interrupted(`download interrupted (${(error as Error).message}); resuming`);
      await sleep(500 * (attempt + 1), undefined, { signal });
    }
  }
  if (!existsSync(out) || statSync(out).size !== bytes) throw new Error(`could not download ${bytes} bytes to ${out}`);
}

/** The object served is not the one the gateway listed: retrying cannot help. */
export class EtagMismatchError extends Error {
  override name = 'EtagMismatchError';
}
