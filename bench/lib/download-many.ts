// `count` concurrent GETs of one URL, each on its own connection, in a worker thread: hashing
// gigabytes (SHA-256 of every body) would otherwise compete on the main thread with s3rver, which
// serves the Worker's reads from this same process, and with the memory sampler.
import { createHash } from 'node:crypto';
import { get } from 'node:http';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

export interface Download {
  status: number | undefined;
  contentLength?: number;
  bytes: number;
  complete: boolean;
  sha256?: string;
  head?: string;
  tail?: string;
  seconds: number;
  error?: string;
}

// Node 20 does not apply the module hooks tsx registers (`--import`) to worker threads, so the
// worker loads this TypeScript file through tsx's own API rather than by its URL.
const thisModuleInWorker = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then(({ tsImport }) => tsImport(${JSON.stringify(import.meta.url)}, ${JSON.stringify(import.meta.url)}));`;

/**
 * Resolves with each download's status, Content-Length, bytes received, SHA-256, first 4 and
 * last 22 bytes (hex), and seconds; plus the wall time from the first request to the last byte.
 */
export function downloadMany(url: string, count: number): Promise<{ results: Download[]; seconds: number }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(thisModuleInWorker, { eval: true, workerData: { url, count } });
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`download worker exited with ${code}`))));
  });
}

function downloadOne(url: string): Promise<Download> {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    // agent: false, so every download has a connection of its own, as separate clients would.
    const request = get(url, { agent: false }, (response) => {
      const hash = createHash('sha256');
      let bytes = 0;
      let head = Buffer.alloc(0);
      let tail = Buffer.alloc(0);
      response.on('data', (chunk) => {
        hash.update(chunk);
        bytes += chunk.length;
        if (head.length < 4) head = Buffer.concat([head, chunk.subarray(0, 4 - head.length)]);
        tail = Buffer.concat([tail, chunk.subarray(-22)]).subarray(-22);
      });
      let finished = false;
      const done = (error?: string) => {
        if (finished) return;
        finished = true;
        resolve({
          status: response.statusCode,
          contentLength: Number(response.headers['content-length']),
          bytes,
          complete: response.complete,
          sha256: hash.digest('hex'),
          head: head.toString('hex'),
          tail: tail.toString('hex'),
          seconds: seconds(),
          error,
        });
      };
      response.on('end', () => done());
      response.on('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
      // A connection cut mid-body may end with 'close' alone; `complete` then says false.
      response.on('close', () => done());
    });
    request.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ status: 0, bytes: 0, complete: false, error: error.code ?? error.message, seconds: seconds() }),
    );
  });
}

if (!isMainThread) {
  const { url, count } = workerData as { url: string; count: number };
  const started = process.hrtime.bigint();
  const results = await Promise.all(Array.from({ length: count }, () => downloadOne(url)));
  parentPort!.postMessage({ results, seconds: Number(process.hrtime.bigint() - started) / 1e9 });
}
