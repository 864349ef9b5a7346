import { createServer } from 'node:net';

/** A TCP port on 127.0.0.1 that nothing listens on right now (the kernel picks it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once `probe` stops throwing, or rejects with its last error after `timeoutMs`. */
export async function waitUntil(probe, { timeoutMs = 30_000, intervalMs = 100, what = 'service' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    try {
      return await probe();
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
  throw new Error(`${what} did not become ready within ${timeoutMs} ms: ${lastError?.message ?? 'no answer'}`);
}
