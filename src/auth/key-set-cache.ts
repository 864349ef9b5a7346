import { log } from '../log';
import { importKeySet, type KeySet, type VerificationKey } from './keys';

/** No key set could be had at all: the Auth server's JWKS endpoint failed and nothing is held. */
export class KeySetUnavailableError extends Error {
  override name = 'KeySetUnavailableError';
}

export interface KeySetPolicy {
  /** Held keys are refreshed once this old. */
  maxAgeMs: number;
  /** The least time between two fetches once a key set is held, whatever the tokens say. */
  minRefetchMs: number;
  /** While no key set is held, the least time between a failed fetch and the next one. */
  coldRetryMs: number;
}

/**
 * Supabase Auth serves its JWKS with a 10-minute Cache-Control, and supabase-js holds it as long,
 * so a key published ahead of its use is seen by a refresh. A kid the held set lacks (a key that
 * signs sooner, or a forgery) may re-fetch once a minute: a rotated key is seen within a minute,
 * and a stream of forged kids costs the Auth server one request a minute per isolate.
 */
export const supabaseKeySetPolicy: KeySetPolicy = { maxAgeMs: 10 * 60_000, minRefetchMs: 60_000, coldRetryMs: 5_000 };

/**
 * A project's signing keys, fetched and held per isolate. Fetches are never shared between
 * requests: workerd cancels a continuation waiting on a promise of a request that ended
 * (Cloudflare docs, "The script will never generate a response"), so each fetch belongs to the
 * request that starts it, and the others use what is held meanwhile.
 */
export class CachedKeySet {
  private keys: KeySet | null = null;
  private loadedAt = -Infinity;
  private attemptedAt = -Infinity;
  private failedAt = -Infinity;

  constructor(
    private readonly load: () => Promise<KeySet>,
    private readonly now: () => number = () => Date.now(),
    private readonly policy: KeySetPolicy = supabaseKeySetPolicy,
    private readonly onRefreshFailure: (error: unknown) => void = () => {},
  ) {}

  /**
   * The key named `kid`, or undefined when the key set does not hold it. Fetches only when nothing
   * is held yet, when what is held is old, or for an unknown kid, and then at most once per
   * `minRefetchMs`. Throws KeySetUnavailableError only when no key set has ever been loaded.
   */
  async find(kid: string): Promise<VerificationKey | undefined> {
    const now = this.now();
    if (!this.keys) {
      // A cold isolate: every request fetches until one succeeds (none can be verified without),
      // but after a failure they wait coldRetryMs rather than all asking a failing server.
      if (now - this.failedAt < this.policy.coldRetryMs)
        throw new KeySetUnavailableError('the key set could not be fetched recently');
      await this.refresh(now);
      if (!this.keys) throw new KeySetUnavailableError('the key set could not be fetched');
    } else if (
      (now - this.loadedAt >= this.policy.maxAgeMs || !this.keys.has(kid)) &&
      now - this.attemptedAt >= this.policy.minRefetchMs
    ) {
      await this.refresh(now);
    }
    return this.keys?.get(kid);
  }

  private async refresh(now: number): Promise<void> {
    this.attemptedAt = now;
    try {
      const keys = await this.load();
      this.keys = keys;
      this.loadedAt = now;
    } catch (error) {
      // With keys held, they stay in use until a refresh succeeds: the Auth server being down
      // must not sign everyone out.
      this.failedAt = now;
      this.onRefreshFailure(error);
    }
  }
}

// How long the JWKS endpoint may take; a request waits for it only when it must.
const fetchTimeoutMs = 5_000;

/**
 * Fetches a JWK Set (RFC 7517 §5) and imports its usable keys. `no-store` keeps Cloudflare's cache
 * out of it (Workers docs, Request `cache`): this cache decides how old keys may be, and a re-fetch
 * for an unknown kid must not be answered with the copy that lacked it.
 */
export async function fetchKeySet(url: string): Promise<KeySet> {
  const init = {
    headers: { accept: 'application/json' },
    signal: AbortSignal.timeout(fetchTimeoutMs),
    cache: 'no-store',
  };
  const response = await fetch(url, init as RequestInit);
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`the JWKS endpoint answered ${response.status}`);
  }
  const body: unknown = await response.json();
  const keys = typeof body === 'object' && body !== null ? (body as { keys?: unknown }).keys : undefined;
  if (!Array.isArray(keys)) throw new Error('the JWKS endpoint did not answer with a JWK Set');
  return importKeySet(keys);
}

/** Finds the verification key a token's `kid` names (RFC 7515 §4.1.4), or undefined. */
export type KeyLookup = (kid: string) => Promise<VerificationKey | undefined>;

/**
 * The project's signing keys from `SUPABASE_URL/auth/v1/.well-known/jwks.json`. One lookup per
 * isolate (src/isolate.ts), so the held keys serve every request the isolate answers.
 */
export function projectKeyLookup(supabaseUrl: string): KeyLookup {
  const url = `${supabaseUrl}/auth/v1/.well-known/jwks.json`;
  const keySet = new CachedKeySet(
    () => fetchKeySet(url),
    () => Date.now(),
    supabaseKeySetPolicy,
    (error) => log('error', 'JWKS refresh failed', { detail: (error as Error).message }),
  );
  return (kid) => keySet.find(kid);
}

/**
 * A fixed key set (AUTH_JWKS), imported on first use. A kid it lacks is refused without any
 * network call. Only the imported set is kept, never the pending import: a request must not wait
 * on a promise another request started (see CachedKeySet).
 */
export function fixedKeyLookup(jwks: { keys: readonly object[] }): KeyLookup {
  let keySet: KeySet | undefined;
  return async (kid) => {
    keySet ??= await importKeySet(jwks.keys);
    return keySet.get(kid);
  };
}
