// What the soak's actors share: the gateway client, the ledger of what each journey was promised
// (completed uploads with their bytes' SHA-256, URLs handed out), and the problems they saw.
import type { Traffic } from './traffic';

export interface Completed {
  size: number;
  sha256: string;
  multipart: boolean;
}

export interface SoakDataset {
  id: string;
  format: 'zip' | 'parquet' | 'webdataset';
  /** Downloaded and checked by a company once. */
  checked: boolean;
}

export interface SoakBundle {
  id: string;
  url: string;
  bytes: number;
  checked: boolean;
}

/** access_log action and subject id → how many rows the answers given promise. */
export type Promised = Map<string, { action: string; subject: string; rows: number }>;

export function createWorld(api: string, traffic: Traffic) {
  let stopping = false;
  const completed = new Map<string, Completed>();
  const approved: string[] = [];
  const datasets: SoakDataset[] = [];
  const bundles: SoakBundle[] = [];
  const promised: Promised = new Map();
  /** Bytes that did not match what they should be: a failure of the run. */
  const corrupt: string[] = [];
  /** Journeys a client gave up after its retries, by step and last status: reported, not a failure. */
  const gaveUp = new Map<string, number>();
  /** A few of those journeys, with the subject and the last error message. */
  const gaveUpExamples: string[] = [];
  const verified = { views: 0, shards: 0, bundles: 0, ranges: 0 };

  /** A gateway call with a bearer token (or none) and a JSON body; the answer's JSON parsed as T. */
  async function call<T>(method: string, path: string, token: string | undefined, json?: unknown, label?: string) {
    const received = await traffic.send(
      'gateway',
      label ?? `${method} ${path.replace(/[0-9a-f-]{36}/g, '{id}')}`,
      `${api}${path}`,
      {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(json === undefined ? {} : { 'content-type': 'application/json' }),
          'user-agent': 'storage-manager-soak/1',
        },
        body: json === undefined ? undefined : JSON.stringify(json),
      },
    );
    let body: T | undefined;
    try {
      body = received.body.byteLength > 0 ? (JSON.parse(received.body.toString('utf8')) as T) : undefined;
    } catch {
      body = undefined;
    }
    const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
    return { status: received.status, body, error: error ? `${error.code}: ${error.message}` : undefined };
  }

  return {
    api,
    traffic,
    call,
    completed,
    approved,
    datasets,
    bundles,
    promised,
    corrupt,
    gaveUp,
    gaveUpExamples,
    verified,
    get stopping() {
      return stopping;
    },
    stop() {
      stopping = true;
    },
    /** An answer handed out a URL: the access log must hold `rows` more rows for it. */
    promise(action: string, subject: string, rows = 1) {
      const key = `${action} ${subject}`;
      const entry = promised.get(key) ?? { action, subject, rows: 0 };
      entry.rows += rows;
      promised.set(key, entry);
    },
    giveUp(step: string, status: number, detail?: string) {
      const key = `${step} (last ${status || 'no answer'})`;
      gaveUp.set(key, (gaveUp.get(key) ?? 0) + 1);
      if (detail && gaveUpExamples.length < 8) gaveUpExamples.push(`${key}: ${detail}`);
    },
  };
}

export type World = ReturnType<typeof createWorld>;
