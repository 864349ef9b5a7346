import { afterAll, beforeAll } from 'vitest';
import { describeBuildFaults } from './faults-build';
import { describePostgresFaults } from './faults-postgres';
import { describeS3Faults, faultBindings } from './faults-s3';
import { startHarness, type Harness } from '../support/harness';

// Faults against the running stack over real HTTP: Postgres cut
// mid-request or refusing connections (test/support/pg-proxy.ts in front of the Worker's database), S3
// answering 500, hanging past S3_TIMEOUT_MS or cutting the connection on every route that touches
// it (test/support/s3-proxy.ts), and a dataset build cut mid-part. The multipart calls s3rver lacks
// (ListParts, AbortMultipartUpload) are in faults.rgw.test.ts.

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ postgresProxy: true, workerBindings: faultBindings });
}, 120_000);
afterAll(() => harness?.stop());

describePostgresFaults(() => harness);
describeS3Faults(() => harness);
describeBuildFaults(() => harness);
