import { connect, createServer, type Server, type Socket } from 'node:net';
import { freePort } from '../../scripts/lib/ports';

/** A connection the proxy cut because a message carried the armed SQL text. */
export interface PgCut {
  sql: string;
  /** Parse and Query messages the connection forwarded before the cut: the request's earlier statements. */
  statementsBefore: number;
  /** The text of the message that carried `sql`: what else travelled with it (role, claims, other statements). */
  message: string;
  /** The texts of the Query messages the connection forwarded before it. */
  earlierQueries: string[];
  /** `before`: the message never reached Postgres. `answer`: Postgres ran it to its end, its answer was lost. */
  moment: CutMoment;
}

/**
 * When a cut happens: `before` the armed message reaches Postgres, or after Postgres has run it
 * and said ReadyForQuery but before any of its `answer` reaches the client, as when the network
 * fails while the answer travels back.
 */
export type CutMoment = 'before' | 'answer';

// Protocol codes of the untyped messages a client may open with (PostgreSQL manual, "Message
// Formats"): after SSLRequest or GSSENCRequest another opening message follows.
const sslRequest = 80877103;
const gssEncRequest = 80877104;
const protocolVersion3 = 196608;

/** An ErrorResponse message (PostgreSQL manual, "Message Formats") from its fields. */
function errorResponse(fields: Record<string, string>): Buffer {
  const body = Buffer.concat([
    ...Object.entries(fields).map(([type, value]) => Buffer.from(`${type}${value}\0`, 'utf8')),
    Buffer.from([0]),
  ]);
  const header = Buffer.alloc(5);
  header.write('E', 0);
  header.writeInt32BE(4 + body.byteLength, 1);
  return Buffer.concat([header, body]);
}

/**
 * What PostgreSQL answers a new connection while it shuts down: "N" to an SSL or GSS encryption
 * request, FATAL 57P03 (cannot_connect_now) to the startup message. The client closes the
 * connection; should it not, it is closed after a while.
 */
function answerShuttingDown(client: Socket) {
  let pending = Buffer.alloc(0);
  const timer = setTimeout(() => client.destroy(), 10_000);
  client.on('close', () => clearTimeout(timer));
  client.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.byteLength >= 8 && pending.byteLength >= pending.readInt32BE(0)) {
      const code = pending.readInt32BE(4);
      pending = pending.subarray(pending.readInt32BE(0));
      if (code === sslRequest || code === gssEncRequest) {
        client.write('N');
        continue;
      }
      client.write(errorResponse({ S: 'FATAL', V: 'FATAL', C: '57P03', M: 'the database system is shutting down' }));
      return;
    }
  });
}

/**
 * A TCP proxy in front of PostgreSQL that forwards the wire protocol message by message, so a test
 * can make Postgres go away at a chosen moment of a request:
 *
 * - `cutOn(sql)` cuts the client's connection (and the one to Postgres, which rolls back the open
 *   transaction) when the client sends a message whose bytes contain `sql`, before that message is
 *   forwarded: the statements before it ran, it never does.
 * - `refuse(true)` answers every new connection's startup message the way a PostgreSQL that is
 *   shutting down does (FATAL, SQLSTATE 57P03) and forwards nothing. A closed port, or a connection
 *   closed at once, would be a truer "down", but wrangler's local Hyperdrive stand-in pipes to the
 *   database without an error listener: a refused connect, or its next write after our FIN, is an
 *   uncaught exception in the test process. So the client is left to close the connection.
 */
export async function startPgProxy(target: string) {
  const upstream = new URL(target);
  const armed: { sql: Buffer; text: string; times: number; moment: CutMoment }[] = [];
  const cuts: PgCut[] = [];
  const open = new Set<Socket>();
  let refusing = false;
  let accepted = 0;
  let refused = 0;

  const server: Server = createServer((client) => {
    accepted += 1;
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => {});
    if (refusing) {
      refused += 1;
      answerShuttingDown(client);
      return;
    }
    const database = connect({ host: upstream.hostname, port: Number(upstream.port) });
    open.add(database);
    database.on('close', () => {
      open.delete(database);
      client.destroy();
    });
    database.on('error', () => client.destroy());
    client.on('close', () => database.destroy());
    // Postgres's messages are forwarded one by one, so that an answer can be withheld whole.
    let answer = Buffer.alloc(0);
    let withholding = false;
    database.on('data', (chunk: Buffer) => {
      if (!withholding) {
        client.write(chunk);
        return;
      }
      answer = Buffer.concat([answer, chunk]);
      for (let at = 0; answer.byteLength - at >= 5; ) {
        const length = 1 + answer.readInt32BE(at + 1);
        if (answer.byteLength - at < length) break;
        if (answer[at] === 0x5a) {
          // ReadyForQuery: the message ran to its end (and its implicit transaction committed).
          client.destroy();
          database.destroy();
          return;
        }
        at += length;
      }
    });

    let pending = Buffer.alloc(0);
    let startup = true;
    let statements = 0;
    const earlierQueries: string[] = [];
    client.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      let end = 0;
      for (;;) {
        const headerLength = startup ? 4 : 5;
        if (pending.byteLength - end < headerLength) break;
        const length = startup ? pending.readInt32BE(end) : 1 + pending.readInt32BE(end + 1);
        if (pending.byteLength - end < length) break;
        const message = pending.subarray(end, end + length);
        if (startup) {
          const code = message.byteLength >= 8 ? message.readInt32BE(4) : 0;
          if (code !== sslRequest && code !== gssEncRequest) startup = code !== protocolVersion3;
        } else {
          const match = armed.find((candidate) => candidate.times > 0 && message.includes(candidate.sql));
          if (match) {
            match.times -= 1;
            cuts.push({
              sql: match.text,
              statementsBefore: statements,
              message: message.toString('utf8', 5),
              earlierQueries: [...earlierQueries],
              moment: match.moment,
            });
            if (match.moment === 'answer') {
              // Everything the client sent reaches Postgres; what it answers from here on does not.
              // Answers to earlier messages already in the pipe are dropped too: the client is cut.
              withholding = true;
              database.write(pending);
              pending = Buffer.alloc(0);
              client.removeAllListeners('data');
              return;
            }
            // What came before the message reaches Postgres; the message and everything after do not.
            database.end(pending.subarray(0, end), () => database.destroy());
            client.destroy();
            return;
          }
          const type = String.fromCharCode(message[0]!);
          if (type === 'P' || type === 'Q') statements += 1;
          if (type === 'Q') earlierQueries.push(message.toString('utf8', 5));
        }
        end += length;
      }
      if (end > 0) database.write(pending.subarray(0, end));
      pending = pending.subarray(end);
    });
  });
  const url = await listenInFrontOf(server, target);

  return {
    /** The same database, user and password as `target`, through the proxy. */
    url: url.toString(),
    /** Connections accepted so far, refused ones included. */
    get connections() {
      return accepted;
    },
    /** Connections refused while refusing. */
    get refused() {
      return refused;
    },
    cuts,
    /** While on, every new connection is refused as by a PostgreSQL shutting down; open ones are left alone. */
    refuse(on: boolean) {
      refusing = on;
    },
    /** Cut the next `times` connections that send a message containing `sql`, at `moment`. */
    cutOn(sql: string, times = 1, moment: CutMoment = 'before') {
      armed.push({ sql: Buffer.from(sql, 'utf8'), text: sql, times, moment });
    },
    /** Disarm every cut and stop refusing. */
    clear() {
      armed.length = 0;
      refusing = false;
    },
    async stop() {
      for (const socket of open) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export type PgProxy = Awaited<ReturnType<typeof startPgProxy>>;

/** Listens on a free loopback port; answers `target` (a postgres:// URL) with its host and port. */
export async function listenInFrontOf(server: Server, target: string): Promise<URL> {
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const url = new URL(target);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return url;
}
