import { request as httpRequest } from 'node:http';

/** Who sends a case: one of the fixture's users, or nobody (no Authorization header). */
export type Caller = 'anonymous' | 'contributor' | 'contributor2' | 'validator' | 'admin' | 'company';

export type Category =
  | 'jwt'
  | 'roles'
  | 'idor'
  | 'traversal'
  | 'unicode'
  | 'size-type'
  | 'arrays'
  | 'framing'
  | 'links'
  | 'range'
  | 'methods';

export interface RawRequest {
  method: string;
  /** Sent byte for byte as the request target: no URL parser normalises `..`, `%2e` or `\`. */
  path: string;
  headers?: Record<string, string>;
  /** Serialised as the body with `Content-Type: application/json`, unless `headers` names another type. */
  json?: unknown;
  /** A body as is (takes precedence over `json`). */
  body?: string | Buffer;
  /** Send the body with Transfer-Encoding: chunked, without Content-Length, in 64 KiB pieces. */
  chunked?: boolean;
}

export interface Expected {
  status: number;
  /** The error message, exactly or by pattern (errors only). */
  message?: string | RegExp;
  /** Response headers that must have these values (null: must be absent). */
  headers?: Record<string, string | RegExp | null>;
  /** For a success: the exact number of body bytes. */
  bodyBytes?: number;
  /** For a success: the body as text. */
  bodyMatches?: RegExp;
}

/** One hostile request, as data: what to send, as whom, and the one answer the gateway must give. */
export interface HostileCase<F> {
  category: Category;
  name: string;
  as?: Caller;
  /** Needs what only a strict S3 (Ceph RGW) does; such cases run in hostile.rgw.test.ts. */
  needs?: 'rgw';
  request: (fixture: F) => RawRequest;
  expect: Expected | ((fixture: F) => Expected);
}

/** Messages the gateway must give word for word: generic, so they tell an attacker nothing. */
export const messages = {
  token: 'missing or invalid access token',
  role: 'not allowed for this account',
  link: 'this download link is invalid or has expired',
  route: 'no such route',
  submission: 'submission not found',
  dataset: 'dataset not found',
  json: 'request body is not valid JSON',
  assetKey: 'not a valid asset key',
  typeRefused: 'content type not allowed for this task',
} as const;

// Request builders, so case tables read as method, path and body.
export const get = (path: string, headers?: Record<string, string>): RawRequest => ({ method: 'GET', path, headers });
export const post = (path: string, json?: unknown, headers?: Record<string, string>): RawRequest => ({
  method: 'POST',
  path,
  json,
  headers,
});
export const del = (path: string): RawRequest => ({ method: 'DELETE', path });
/** A query string from pairs, percent-encoding the values as a browser would. */
export const query = (path: string, pairs: Record<string, string>) =>
  `${path}?${new URLSearchParams(pairs).toString()}`;

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * One request over a fresh connection with node:http, so paths, headers and framing reach the
 * gateway exactly as written. A gateway that answers before it has read the whole body (413) may
 * close the connection under us; the answer still counts.
 */
export function send(base: string, spec: RawRequest, authorization?: string): Promise<RawResponse> {
  const url = new URL(base);
  const headers: Record<string, string> = { ...(authorization ? { authorization } : {}), ...spec.headers };
  let body: Buffer | undefined;
  if (spec.body !== undefined) body = Buffer.isBuffer(spec.body) ? spec.body : Buffer.from(spec.body);
  else if (spec.json !== undefined) body = Buffer.from(JSON.stringify(spec.json));
  if (spec.json !== undefined && !Object.keys(headers).some((name) => name.toLowerCase() === 'content-type'))
    headers['content-type'] = 'application/json';
  if (body && !spec.chunked) headers['content-length'] = String(body.byteLength);

  return new Promise((resolve, reject) => {
    let answered = false;
    const request = httpRequest(
      { host: url.hostname, port: url.port, method: spec.method, path: spec.path, headers, agent: false },
      (response) => {
        answered = true;
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const flat: Record<string, string> = {};
          for (const [name, value] of Object.entries(response.headers))
            if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
          resolve({ status: response.statusCode ?? 0, headers: flat, body: Buffer.concat(chunks) });
        });
      },
    );
    request.on('error', (error) => {
      if (!answered) reject(error);
    });
    // A gateway that hangs fails its case in seconds rather than at the test timeout.
    request.setTimeout(20_000, () => request.destroy(new Error('no answer within 20 s')));
    if (!body) {
      request.end();
      return;
    }
    if (!spec.chunked) {
      request.end(body);
      return;
    }
    const piece = 64 * 1024;
    (async () => {
      for (let offset = 0; offset < body.byteLength && !request.destroyed; offset += piece) {
        if (!request.write(body.subarray(offset, offset + piece)))
          await new Promise<void>((next) => {
            const resume = () => {
              request.off('drain', resume).off('close', resume);
              next();
            };
            request.on('drain', resume).on('close', resume);
          });
      }
      request.end();
    })().catch(() => {});
  });
}
