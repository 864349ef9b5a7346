import type { ErrorEnvelopeResponse } from './types';

/** A failed gateway call, carrying the envelope's code and request id. */
export class GatewayError extends Error {
  override name = 'GatewayError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId: string | null,
  ) {
    super(message);
  }
}

export interface GatewayOptions {
  /** Base URL of the gateway, e.g. https://api.xum-ai.app */
  api: string;
  /** A Supabase access token, or a function returning a fresh one (called per request). */
  token?: string;
  getToken?: () => string | Promise<string>;
  fetch?: typeof fetch;
}

/** JSON calls to the gateway with the bearer token, failures as GatewayError. */
export function gatewayClient(options: GatewayOptions) {
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  const api = options.api.replace(/\/+$/, '');
  return async function request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const token = options.getToken ? await options.getToken() : options.token;
    if (!token) throw new TypeError('a token or getToken is required');
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetchImpl(`${api}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
    const text = await response.text();
    const json: unknown = text ? JSON.parse(text) : undefined;
    if (!response.ok) {
      const envelope = json as Partial<ErrorEnvelopeResponse> | undefined;
      throw new GatewayError(
        response.status,
        envelope?.error?.code ?? 'unknown',
        envelope?.error?.message ?? `gateway answered ${response.status}`,
        envelope?.error?.requestId ?? null,
      );
    }
    return json as T;
  };
}

export type GatewayRequest = ReturnType<typeof gatewayClient>;
