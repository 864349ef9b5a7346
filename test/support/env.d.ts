import type { Bindings } from '../../src/env';

declare global {
  namespace Cloudflare {
    interface Env extends Bindings {
      /** Superuser connection for assertions and fixtures; the Worker never sees it as config. */
      TEST_DATABASE_URL: string;
      TEST_SIGNING_KEY: string;
      /** The fake Supabase Auth (SUPABASE_URL): `/__requests`, and per-test projects (test/support/fake-supabase-auth.ts). */
      TEST_AUTH_SERVER: string;
      /** Every request that reached S3 through the proxy, as JSON (test/support/s3-request-log.ts). */
      TEST_S3_REQUEST_LOG: string;
      /** An S3 whose bucket `hang-bucket` never answers (test/support/hanging-s3.ts). */
      TEST_HANGING_S3: string;
      /** Which S3 server the tests run against: 's3rver' or 'rgw'. */
      TEST_S3_KIND: string;
      TEST_S3_PROFILE: string;
    }
  }
}
