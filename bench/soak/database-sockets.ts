// A Postgres restart ends every database connection. miniflare's local Hyperdrive stand-in (in
// this process) pipes the Worker's connection into one of its own to the database, with no 'error'
// listener on it: when the Worker writes after the database side has closed (its Terminate
// message, say), Node raises "This socket has been ended by the other party" as an uncaught
// exception and the soak dies with the stack. scripts/lib/stack.ts handles the same for the
// sockets the stand-in accepts; this does it for the ones it opens to `port` (the Postgres front
// the Worker is given): the error closes the socket and the Worker's socket piped into it, as the
// stand-in would have had it handled the error, so the Worker sees its connection end.
import { subscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';

export function closeDatabaseSocketsOnError(port: number) {
  let closed = 0;
  subscribe('net.client.socket', (message) => {
    const socket = (message as { socket: Socket }).socket;
    socket.once('connect', () => {
      if (socket.remotePort !== port) return;
      const pipedIn = new Set<NodeJS.ReadableStream & { destroy(): void }>();
      socket.on('pipe', (source) => pipedIn.add(source as NodeJS.ReadableStream & { destroy(): void }));
      socket.on('error', () => {
        closed += 1;
        socket.destroy();
        for (const source of pipedIn) source.destroy();
      });
    });
  });
  return {
    /** Database connections closed on an error nobody else listened for. */
    get closed() {
      return closed;
    },
  };
}
