import { describe, expect, it } from 'vitest';
import { ConfigError, readConfig, type Bindings } from '../../../src/env';

// The auth settings as readConfig reads them from the bindings (src/env.ts).
function bindings(extra: Partial<Bindings> = {}): Bindings {
  return {
    HYPERDRIVE: { connectionString: 'postgres://postgres@127.0.0.1/postgres' } as Hyperdrive,
    SUPABASE_URL: 'https://project.supabase.co/',
    S3_ENDPOINT: 'https://fsn1.your-objectstorage.com',
    S3_REGION: 'fsn1',
    S3_ACCESS_KEY_ID: 'key',
    S3_SECRET_ACCESS_KEY: 'secret',
    BUCKET_RAW: 'raw-bucket',
    BUCKET_PROCESSED: 'processed-bucket',
    BUCKET_ASSETS: 'assets-bucket',
    BUNDLE_SIGNING_SECRET: 'x'.repeat(32),
    DATASET_BUILDS: {} as Bindings['DATASET_BUILDS'],
    ...extra,
  };
}

describe('auth configuration', () => {
  it('without the optional settings: JWKS from SUPABASE_URL, no legacy secret, no anonymous users', () => {
    const config = readConfig(bindings());
    expect(config.supabaseUrl).toBe('https://project.supabase.co');
    expect(config.authJwks).toBeUndefined();
    expect(config.supabaseJwtSecret).toBeUndefined();
    expect(config.allowAnonymousUsers).toBe(false);
  });

  it('reads SUPABASE_JWT_SECRET and ALLOW_ANONYMOUS_USERS', () => {
    const secret = 'a'.repeat(40);
    const config = readConfig(bindings({ SUPABASE_JWT_SECRET: secret, ALLOW_ANONYMOUS_USERS: 'true' }));
    expect(config.supabaseJwtSecret).toBe(secret);
    expect(config.allowAnonymousUsers).toBe(true);
  });

  it('refuses a legacy secret under 256 bits and a misspelt switch, naming the setting but never the value', () => {
    const short = 'short-secret-value';
    expect(() => readConfig(bindings({ SUPABASE_JWT_SECRET: short }))).toThrow(ConfigError);
    expect(() => readConfig(bindings({ SUPABASE_JWT_SECRET: short }))).toThrow(
      /^invalid configuration: supabaseJwtSecret$/,
    );
    expect(() => readConfig(bindings({ ALLOW_ANONYMOUS_USERS: 'yes' }))).toThrow(
      'invalid configuration: allowAnonymousUsers',
    );
    expect(() => readConfig(bindings({ AUTH_JWKS: '{"keys":[]}' }))).toThrow('invalid configuration: authJwks');
  });
});
