import type { Bindings } from '../../src/env';

declare global {
  namespace Cloudflare {
    interface Env extends Bindings {
      /** Superuser connection for assertions and fixtures; the Worker never sees it as config. */
      TEST_DATABASE_URL: string;
      TEST_SIGNING_KEY: string;
      TEST_CONTROL_SERVER: string;
      /** Which S3 server the tests run against: 's3rver' or 'rgw'. */
      TEST_S3_KIND: string;
    }
  }
}
