import { afterAll, beforeAll } from 'vitest';
import { describeMultipartFaults } from './faults-multipart';
import { describeSinglePutCompleteFaults, faultBindings } from './faults-s3';
import { startHarness, type Harness } from '../support/harness';

// The fault cases that need a complete S3 (ListParts, AbortMultipartUpload), against Ceph RGW;
// the rest of the fault suite is faults.test.ts, whose faults the proxy injects the same way on
// either S3. A single PUT's completion too: `npm run test:rgw` runs this file behind the no-copy
// front as well, where its S3 calls are other ones (the staged object streamed to the final key).

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ s3: 'rgw', workerBindings: faultBindings });
}, 120_000);
afterAll(() => harness?.stop());

describeMultipartFaults(() => harness);
describeSinglePutCompleteFaults(() => harness);
