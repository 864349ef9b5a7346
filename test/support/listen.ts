import type { Server } from 'node:http';
import { freePort } from '../../scripts/lib/ports';

/** Listens on a free loopback port; resolves with its URL and a stop() that closes it, idle connections included. */
export async function listenOnLoopback(server: Server): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
