import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';
import { isPostgresSocketLeftover } from './src/db/socket-leftovers';

export default defineConfig({
  test: {
    projects: [
      {
        // The Worker inside workerd; Postgres, S3 (s3rver, or Ceph RGW with STORAGE_MANAGER_S3=rgw),
        // the JWKS endpoint, the S3 request log and an S3 that never answers are real servers on
        // loopback, started by test/support/global-setup.ts and handed over through provide/inject.
        plugins: [
          cloudflareTest(({ inject }) => ({
            main: './src/worker.ts',
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              hyperdrives: { HYPERDRIVE: inject('databaseUrl') },
              bindings: {
                SUPABASE_URL: inject('supabaseUrl'),
                S3_ENDPOINT: inject('s3Endpoint'),
                S3_REGION: inject('s3Region'),
                S3_ACCESS_KEY_ID: inject('s3AccessKeyId'),
                S3_SECRET_ACCESS_KEY: inject('s3SecretAccessKey'),
                S3_FORCE_PATH_STYLE: 'true',
                BUNDLE_SIGNING_SECRET: inject('bundleSigningSecret'),
                TEST_DATABASE_URL: inject('databaseUrl'),
                TEST_SIGNING_KEY: JSON.stringify(inject('signingKey')),
                TEST_AUTH_SERVER: inject('supabaseUrl'),
                TEST_S3_REQUEST_LOG: inject('s3RequestLogUrl'),
                TEST_HANGING_S3: inject('hangingS3Url'),
                TEST_S3_KIND: inject('s3Kind'),
                TEST_S3_PROFILE: inject('s3Profile'),
              },
            },
          })),
        ],
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // *.rgw.test.ts need a complete S3 (ListParts, AbortMultipartUpload; s3rver lacks them):
          // they run when the suite runs against Ceph RGW (npm run test:rgw).
          exclude: process.env.STORAGE_MANAGER_S3 === 'rgw' ? [] : ['test/integration/**/*.rgw.test.ts'],
          globalSetup: ['./test/support/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          // Test files share one database; one after another keeps counts exact.
          fileParallelism: false,
        },
      },
      {
        // Pure modules (src/sign, src/zip) in Node, where they can be checked against outside
        // readers (unzip, Python's zipfile) and published test vectors.
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node', testTimeout: 120_000 },
      },
      {
        // The README's own commands: `npm start` and the token script, as a newcomer runs them.
        test: {
          name: 'stack',
          include: ['test/stack/**/*.test.ts'],
          exclude: ['test/stack/**/*.rgw.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        // Scripts against Ceph RGW, for what s3rver does not implement (npm run test:rgw).
        test: {
          name: 'stack-rgw',
          include: ['test/stack/**/*.rgw.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
    // The Worker's request log lines are shown only for failing tests.
    silent: 'passed-only',
    // Only the two rejections postgres.js's workerd socket leaves behind are ignored.
    onUnhandledError: (error) => (isPostgresSocketLeftover(error) ? false : undefined),
  },
});
