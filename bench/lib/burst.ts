// A burst: `count` identical requests written at once, each on a connection of its own, as that
// many clients arriving together would (autocannon measures a steady state instead: each of its
// connections sends the next request only when the previous one is answered).
import { Agent, request } from 'node:http';

export type BurstResult = { status: number | undefined; ms: number; body: string } | { error: string; ms: number };

/**
 * Sends the requests and resolves when every one is answered or failed. Besides each request's
 * outcome it reports how many requests were fully written and still unanswered when the first
 * answer arrived: equal to `count` when all of them were really in flight together.
 */
export async function burst({
  url,
  method = 'POST',
  headers = {},
  body = '',
  count,
  timeoutMs = 60_000,
}: {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  count: number;
  timeoutMs?: number;
}): Promise<{ results: BurstResult[]; seconds: number; inFlightAtFirstAnswer: number }> {
  // A fresh agent per burst with no socket limit: new connections, none waiting for another.
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
  let written = 0;
  let answered = 0;
  let inFlightAtFirstAnswer: number | undefined;
  const payload = Buffer.from(body);
  const one = () =>
    new Promise<BurstResult>((resolve) => {
      const started = process.hrtime.bigint();
      const elapsed = () => Number(process.hrtime.bigint() - started) / 1e6;
      const outgoing = request(
        url,
        { method, agent, headers: { ...headers, 'content-length': String(payload.length) } },
        (response) => {
          if (answered++ === 0) inFlightAtFirstAnswer = written;
          const chunks: Buffer[] = [];
          response.on('data', (chunk) => chunks.push(chunk));
          response.on('end', () =>
            resolve({ status: response.statusCode, ms: elapsed(), body: Buffer.concat(chunks).toString('utf8') }),
          );
          response.on('error', (error: NodeJS.ErrnoException) =>
            resolve({ error: error.code ?? error.message, ms: elapsed() }),
          );
        },
      );
      outgoing.setTimeout(timeoutMs, () => outgoing.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      outgoing.on('finish', () => (written += 1));
      outgoing.on('error', (error: NodeJS.ErrnoException) =>
        resolve({ error: error.code ?? error.message, ms: elapsed() }),
      );
      outgoing.end(payload);
    });
  const started = process.hrtime.bigint();
  const results = await Promise.all(Array.from({ length: count }, one));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  return { results, seconds, inFlightAtFirstAnswer: inFlightAtFirstAnswer ?? written };
}

/** The value below which `fraction` of `sorted` (ascending) lies, nearest-rank. */
export function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!;
}
