import { connect, createServer, type Socket } from 'node:net';
import { listenInFrontOf } from './pg-proxy';

// Opening messages without a type byte (PostgreSQL manual, "Message Formats"): an SSLRequest or
// GSSENCRequest is answered by one byte, then the StartupMessage follows.
const sslRequest = 80877103;
const gssEncRequest = 80877104;

/** What one connection sent once its startup was over. */
export interface ConnectionFlights {
  /** Client flights: the client wrote after the server last answered. Terminate alone is no flight. */
  flights: number;
  /** Parse and simple Query messages, one per statement, in each flight. */
  statementsPerFlight: number[];
}

/**
 * Delays `send` calls by `delayMs` each while keeping their order: one direction of a link whose
 * round trip takes twice the delay.
 */
function delayedLine(deliver: (chunk: Buffer) => void) {
  let last = 0;
  return (chunk: Buffer, delayMs: number) => {
    if (delayMs <= 0 && last <= Date.now()) return deliver(chunk);
    const at = Math.max(Date.now() + delayMs, last);
    last = at;
    setTimeout(() => deliver(chunk), at - Date.now());
  };
}

/**
 * A TCP proxy in front of PostgreSQL that adds latency and counts round trips.
 *
 * - `delayMs` is added to each direction, so the round trip grows by twice that. With
 *   `delayStartup: false` the connection's startup (SSL negotiation, authentication, up to the first
 *   ReadyForQuery) passes undelayed, the way a Hyperdrive warm pool answers it next to the Worker.
 * - After startup it counts client flights: a burst the client sends after the server's last
 *   answer reached it. Statements the client pipelines (sends without waiting for an answer) are
 *   one flight; each time it must wait for an answer before it can go on is another. Give it a
 *   delay of a few milliseconds when counting, so that a client's pipelined writes, which may leave
 *   in several TCP segments, arrive before any answer could.
 */
export async function startPgFlightProxy(target: string, options: { delayMs?: number; delayStartup?: boolean } = {}) {
  const upstream = new URL(target);
  let delayMs = options.delayMs ?? 0;
  let delayStartup = options.delayStartup ?? true;
  const open = new Set<Socket>();
  let finished: ConnectionFlights[] = [];
  const live = new Set<ConnectionFlights>();
  let lastTraffic = Date.now();

  const server = createServer((client) => {
    open.add(client);
    client.on('error', () => {});
    const database = connect({ host: upstream.hostname, port: Number(upstream.port) });
    // Each delayed write goes out at once: with Nagle's algorithm a multi-segment answer (a
    // listing) would wait for the peer's delayed ACK, 40 ms that no real link adds.
    client.setNoDelay(true);
    database.setNoDelay(true);
    open.add(database);
    database.on('error', () => client.destroy());
    client.on('close', () => {
      open.delete(client);
      database.destroy();
    });
    database.on('close', () => {
      open.delete(database);
      client.end();
    });

    const counts: ConnectionFlights = { flights: 0, statementsPerFlight: [] };
    live.add(counts);
    client.on('close', () => {
      live.delete(counts);
      finished.push(counts);
    });

    let ready = false;
    let awaitingAnswerByte = false;
    let serverAnswered = true;
    const toDatabase = delayedLine((chunk) => database.write(chunk));
    const toClient = delayedLine((chunk) => {
      if (ready) serverAnswered = true;
      client.write(chunk);
    });
    const delay = () => (ready || delayStartup ? delayMs : 0);

    let fromClient = Buffer.alloc(0);
    let clientStartup = true;
    client.on('data', (chunk: Buffer) => {
      lastTraffic = Date.now();
      fromClient = Buffer.concat([fromClient, chunk]);
      let end = 0;
      for (;;) {
        const header = clientStartup ? 4 : 5;
        if (fromClient.byteLength - end < header) break;
        const length = clientStartup ? fromClient.readInt32BE(end) : 1 + fromClient.readInt32BE(end + 1);
        if (fromClient.byteLength - end < length) break;
        const message = fromClient.subarray(end, end + length);
        end += length;
        if (clientStartup) {
          const code = message.byteLength >= 8 ? message.readInt32BE(4) : 0;
          if (code === sslRequest || code === gssEncRequest) awaitingAnswerByte = true;
          else clientStartup = false;
          continue;
        }
        if (!ready) continue;
        const type = String.fromCharCode(message[0]!);
        if (type === 'X') continue;
        if (serverAnswered) {
          serverAnswered = false;
          counts.flights += 1;
          counts.statementsPerFlight.push(0);
        }
        if (type === 'P' || type === 'Q') counts.statementsPerFlight[counts.statementsPerFlight.length - 1]! += 1;
      }
      const whole = fromClient.subarray(0, end);
      fromClient = fromClient.subarray(end);
      if (whole.byteLength > 0) toDatabase(Buffer.from(whole), delay());
    });

    let fromServer = Buffer.alloc(0);
    database.on('data', (chunk: Buffer) => {
      lastTraffic = Date.now();
      const wasReady = ready;
      if (!ready) {
        fromServer = Buffer.concat([fromServer, chunk]);
        if (awaitingAnswerByte && fromServer.byteLength > 0) {
          awaitingAnswerByte = false;
          fromServer = fromServer.subarray(1);
        }
        // Startup ends with the first ReadyForQuery ('Z'); messages are a type byte and a length.
        while (fromServer.byteLength >= 5) {
          const length = 1 + fromServer.readInt32BE(1);
          if (fromServer.byteLength < length) break;
          const type = String.fromCharCode(fromServer[0]!);
          fromServer = fromServer.subarray(length);
          if (type === 'Z') {
            ready = true;
            break;
          }
        }
      }
      toClient(chunk, wasReady || delayStartup ? delayMs : 0);
    });
  });

  const url = await listenInFrontOf(server, target);

  return {
    /** The same database, user and password as `target`, through the proxy. */
    url: url.toString(),
    /** Set the one-way delay and whether connection startup is delayed too. */
    configure(next: { delayMs: number; delayStartup: boolean }) {
      delayMs = next.delayMs;
      delayStartup = next.delayStartup;
    },
    /** Forget the counts so far; connections still open keep counting from zero. */
    reset() {
      finished = [];
      for (const counts of live) {
        counts.flights = 0;
        counts.statementsPerFlight = [];
      }
    },
    /** Counts of every connection since the last reset, open or closed. */
    connections(): ConnectionFlights[] {
      return [...finished, ...live].filter((counts) => counts.flights > 0);
    },
    /** Resolves once nothing has crossed the proxy for `quietMs`. */
    async quiet(quietMs = 150) {
      while (Date.now() - lastTraffic < quietMs) await new Promise((resolve) => setTimeout(resolve, quietMs / 3));
    },
    async stop() {
      for (const socket of open) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export type PgFlightProxy = Awaited<ReturnType<typeof startPgFlightProxy>>;
