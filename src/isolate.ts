import { fixedKeyLookup, type KeyLookup, projectKeyLookup } from './auth/key-set-cache';
import { type BundleLinkSigner, bundleLinkSigner } from './bundles/link-token';
import { originMatcher } from './cors-origins';
import { type Bindings, type Config, readConfig } from './env';
import type { Readiness } from './health/readiness';
import { createObjectStore, type ObjectStore } from './s3/store';

/**
 * What an isolate keeps between the requests, queue batches and cron runs it serves, built once
 * from its bindings: the validated config, the S3 handle with its SigV4 signing keys, the Auth
 * server's signing keys, the bundle link keys and the CORS matcher. Nothing else in the Worker
 * holds state across requests, so this is the one place to read what outlives a request.
 */
export interface Isolate {
  config: Config;
  objectStore: ObjectStore;
  findSigningKey: KeyLookup;
  bundleLinks: BundleLinkSigner;
  isAllowedOrigin: (origin: string) => boolean;
  /** The last /readyz answer, reused for a few seconds (src/health/readiness.ts). */
  lastReadiness?: { at: number; readiness: Readiness };
}

// workerd hands the same env object to every invocation of an isolate, so keying on it gives one
// context per isolate (and one per binding set in tests, which run several side by side).
const isolates = new WeakMap<Bindings, Isolate>();

/** The isolate's context; throws ConfigError, uncached, while the bindings do not validate. */
export function isolateFor(env: Bindings): Isolate {
  let isolate = isolates.get(env);
  if (!isolate) {
    const config = readConfig(env);
    isolate = {
      config,
      objectStore: createObjectStore(config.s3),
      findSigningKey: config.authJwks ? fixedKeyLookup(config.authJwks) : projectKeyLookup(config.supabaseUrl),
      bundleLinks: bundleLinkSigner({
        current: config.bundles.signingSecret,
        previous: config.bundles.previousSigningSecret,
      }),
      isAllowedOrigin: originMatcher(config.corsOrigins),
    };
    isolates.set(env, isolate);
  }
  return isolate;
}
