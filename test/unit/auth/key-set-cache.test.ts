import { describe, expect, it } from 'vitest';
import { CachedKeySet, KeySetUnavailableError, supabaseKeySetPolicy } from '../../../src/auth/key-set-cache';
import { importKeySet, type KeySet } from '../../../src/auth/keys';

// The cache's timing with a clock of the test's own: what the Worker's bound (one fetch a minute
// for unknown kids) and refresh (ten minutes) look like over hours, which the integration tests
// check once against a real JWKS server.

async function ecKey(kid: string) {
  const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const { kty, crv, x, y } = (await crypto.subtle.exportKey('jwk', pair.publicKey)) as JsonWebKey;
  return { kty, crv, x, y, kid };
}

/** A key-set source whose answer the test changes, counting its loads. */
async function source() {
  const state = { keys: [await ecKey('a')] as object[], failing: false, loads: 0, time: 1_000_000 };
  const failures: unknown[] = [];
  const cache = new CachedKeySet(
    async (): Promise<KeySet> => {
      state.loads++;
      if (state.failing) throw new Error('JWKS unavailable');
      return importKeySet(state.keys);
    },
    () => state.time,
    supabaseKeySetPolicy,
    (error) => failures.push(error),
  );
  return { state, cache, failures };
}

describe('CachedKeySet', () => {
  it('loads once, then answers from memory for known kids', async () => {
    const { state, cache } = await source();
    for (let i = 0; i < 100; i++) {
      expect((await cache.find('a'))?.kid).toBe('a');
      state.time += 5_000;
    }
    // 100 lookups over 500 s: one load, and one refresh after ten minutes at most.
    expect(state.loads).toBe(1);
    state.time += 100_000;
    await cache.find('a');
    expect(state.loads).toBe(2);
  });

  it('loads for unknown kids at most once a minute, over an hour of them', async () => {
    const { state, cache } = await source();
    await cache.find('a');
    for (let second = 0; second < 3600; second++) {
      expect(await cache.find(`forged-${second}`)).toBeUndefined();
      state.time += 1_000;
    }
    // The first load, then one at seconds 60, 120, ... 3540 of the hour.
    expect(state.loads).toBe(60);
  });

  it('a key published after the last load is found by the next allowed load', async () => {
    const { state, cache } = await source();
    await cache.find('a');
    state.keys = [...state.keys, await ecKey('b')];
    state.time += 30_000;
    expect(await cache.find('b')).toBeUndefined();
    state.time += 30_000;
    expect((await cache.find('b'))?.kid).toBe('b');
    expect(state.loads).toBe(2);
  });

  it('throws KeySetUnavailableError while nothing was ever loaded, retrying after 5 s', async () => {
    const { state, cache, failures } = await source();
    state.failing = true;
    await expect(cache.find('a')).rejects.toBeInstanceOf(KeySetUnavailableError);
    state.time += 4_000;
    await expect(cache.find('a')).rejects.toBeInstanceOf(KeySetUnavailableError);
    expect(state.loads).toBe(1);
    state.failing = false;
    state.time += 1_000;
    expect((await cache.find('a'))?.kid).toBe('a');
    expect(state.loads).toBe(2);
    expect(failures).toHaveLength(1);
  });

  it('keeps the held keys when a refresh fails, and tries again a minute later', async () => {
    const { state, cache, failures } = await source();
    await cache.find('a');
    state.failing = true;
    state.time += 11 * 60_000;
    expect((await cache.find('a'))?.kid).toBe('a');
    state.time += 30_000;
    expect((await cache.find('a'))?.kid).toBe('a');
    expect(state.loads).toBe(2);
    state.failing = false;
    state.keys = [await ecKey('c')];
    state.time += 30_000;
    expect(await cache.find('a')).toBeUndefined();
    expect((await cache.find('c'))?.kid).toBe('c');
    expect(state.loads).toBe(3);
    expect(failures).toHaveLength(1);
  });

  it('lets every request of a cold isolate load for itself, since fetches are not shared across requests', async () => {
    const { state, cache } = await source();
    const found = await Promise.all([cache.find('a'), cache.find('a'), cache.find('a')]);
    expect(found.map((key) => key?.kid)).toEqual(['a', 'a', 'a']);
    expect(state.loads).toBe(3);
    await cache.find('a');
    expect(state.loads).toBe(3);
  });
});
