// Every HTTP exchange the soak's clients make, with its answer's status and its time span: the
// requests per second, the answers by code and which 5xx fell inside a fault come from here.

export type Target = 'gateway' | 's3';

export interface Exchange {
  target: Target;
  /** Method and route, e.g. `POST /v1/uploads`. */
  label: string;
  /** 0: no answer (connection refused or cut, timeout). */
  status: number;
  started: number;
  ended: number;
}

export interface Received {
  status: number;
  headers: Headers;
  body: Buffer;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createTraffic() {
  const exchanges: Exchange[] = [];

  /** One request; a refused, cut or timed-out one answers status 0 instead of throwing. */
  async function send(target: Target, label: string, url: string, init: RequestInit = {}, timeoutMs = 60_000) {
    const started = Date.now();
    let received: Received;
    try {
      const response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
      received = {
        status: response.status,
        headers: response.headers,
        body: Buffer.from(await response.arrayBuffer()),
      };
    } catch {
      received = { status: 0, headers: new Headers(), body: Buffer.alloc(0) };
    }
    exchanges.push({ target, label, status: received.status, started, ended: Date.now() });
    return received;
  }

  return { exchanges, send };
}

export type Traffic = ReturnType<typeof createTraffic>;

/** What a client retries: no answer, a 5xx, or a 409 (a completion another request holds). */
export const transient = (status: number) => status === 0 || status >= 500 || status === 409;

/**
 * Repeats `attempt` while its answer is `retryable`, backing off from 250 ms to 3 s, for at most
 * `deadlineMs`: as an app's client would. Answers the last answer.
 */
export async function retrying<R extends { status: number }>(
  attempt: () => Promise<R>,
  retryable: (status: number) => boolean = transient,
  deadlineMs = 60_000,
): Promise<R> {
  const until = Date.now() + deadlineMs;
  for (let delay = 250; ; delay = Math.min(delay * 2, 3000)) {
    const answer = await attempt();
    if (!retryable(answer.status) || Date.now() + delay > until) return answer;
    await sleep(delay);
  }
}
