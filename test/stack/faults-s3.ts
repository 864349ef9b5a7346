import { randomBytes } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { demoTaskId } from '../../scripts/lib/jwt';
import type { Fault, SeenRequest } from '../support/s3-proxy';
import {
  call,
  expectError,
  MiB,
  putAsset,
  rawObject,
  rowCounts,
  sha256,
  submissionRow,
  uploadPending,
  uploadPendingMultipart,
  type Answer,
} from './faults-client';
import type { Harness } from '../support/harness';

/** The gateway's S3 timeout in these suites (S3_TIMEOUT_MS, ASSET_ORIGIN_TIMEOUT_MS). */
export const s3TimeoutMs = 1500;

export const faultBindings = {
  S3_TIMEOUT_MS: String(s3TimeoutMs),
  ASSET_ORIGIN_TIMEOUT_MS: String(s3TimeoutMs),
  // The smallest threshold S3's 5 MiB part minimum allows, so multipart cases move little data.
  MULTIPART_THRESHOLD_BYTES: String(5 * MiB),
  // A failed build attempt is retried after a second; three failures make a failure.
  DATASET_BUILD_RETRY_DELAY_SECONDS: '1',
  DATASET_BUILD_FAILED_ATTEMPTS: '3',
};

/** The three ways S3 fails, and what the gateway answers for each (spec item I). */
export const s3Faults: { name: string; fault: Fault; status: number; code: string }[] = [
  {
    name: 'S3 answering 500',
    fault: { kind: 'status', status: 500, code: 'InternalError' },
    status: 502,
    code: 'bad_gateway',
  },
  { name: 'S3 hanging past the timeout', fault: { kind: 'hang' }, status: 504, code: 'gateway_timeout' },
  { name: 'S3 cutting the connection', fault: { kind: 'refuse' }, status: 502, code: 'bad_gateway' },
];

/**
 * Injects `fault` into requests matching `matches` (`times` of them), makes the call, and checks
 * the envelope; a hang must end in the gateway's timeout, not the client's, with the hung request
 * given up by the Worker.
 */
export async function failing(
  harness: Harness,
  matches: (request: SeenRequest) => boolean,
  expected: (typeof s3Faults)[number],
  request: () => Promise<Answer>,
  times = 1,
) {
  const from = harness.proxy.seen.length;
  harness.proxy.inject(matches, expected.fault, times);
  const answer = await request();
  const hit = harness.proxy.seen.slice(from).filter(matches);
  expect(hit.length, 'the fault was injected').toBeGreaterThan(0);
  expectError(answer, expected.status, expected.code);
  if (expected.fault.kind === 'hang') {
    expect(answer.ms).toBeGreaterThanOrEqual(s3TimeoutMs - 100);
    for (let waited = 0; waited < 2000 && !hit.every((request) => request.abandoned); waited += 50)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(
      hit.every((request) => request.abandoned),
      'the Worker gave up the hung requests',
    ).toBe(true);
  }
  harness.proxy.clear();
  return answer;
}

/** A completion that succeeded: the answer, the row and the object at the final key all hold `bytes`. */
async function expectCompleted(harness: Harness, id: string, answer: Answer, bytes: Uint8Array) {
  expect(answer.status, answer.text).toBe(200);
  expect(answer.json.submission).toMatchObject({ status: 'uploaded', size: bytes.byteLength, sha256: sha256(bytes) });
  const row = await submissionRow(harness, id);
  expect(row).toMatchObject({ status: 'uploaded', sha256: sha256(bytes) });
  const stored = await rawObject(harness, row!.object_key);
  expect(stored.status).toBe(200);
  expect(sha256(stored.bytes)).toBe(sha256(bytes));
}

const involves = (id: string) => (request: SeenRequest) => request.path.includes(id);

export function describeS3Faults(harness: () => Harness) {
  let contributor: string;
  let admin: string;
  beforeAll(async () => {
    [contributor, admin] = await Promise.all([harness().tokenFor('contributor'), harness().tokenFor('admin')]);
  });
  afterEach(() => harness().proxy.clear());

  const rawBucketPath = () => `/${harness().s3.buckets.raw}/`;

  describe('POST /v1/uploads above the threshold (CreateMultipartUpload)', () => {
    for (const expected of s3Faults) {
      it(`${expected.name} → ${expected.status}; no submission row is left; the retry opens the upload`, async () => {
        const before = await rowCounts(harness(), ['submissions']);
        const open = () =>
          call(harness(), 'POST', '/v1/uploads', {
            token: contributor,
            json: { taskId: demoTaskId, contentType: 'video/mp4', size: 6 * MiB },
          });
        const creates = (request: SeenRequest) =>
          request.method === 'POST' && request.query.has('uploads') && request.path.startsWith(rawBucketPath());
        await failing(harness(), creates, expected, open);
        expect(await rowCounts(harness(), ['submissions'])).toEqual(before);
        const retried = await open();
        expect(retried.status, retried.text).toBe(201);
        expect(retried.json.method).toBe('MULTIPART');
        expect(await rowCounts(harness(), ['submissions'])).toEqual({ submissions: before.submissions! + 1 });
      });
    }
  });

  describeSinglePutCompleteFaults(harness);

  describe('POST /v1/uploads/{id}/complete, multipart (CompleteMultipartUpload)', () => {
    for (const expected of s3Faults) {
      it(`${expected.name} → ${expected.status}; the upload stays pending and open, and the retry completes it`, async () => {
        const bytes = randomBytes(5 * MiB + 1000);
        const upload = await uploadPendingMultipart(harness(), contributor, bytes);
        const complete = () =>
          call(harness(), 'POST', `/v1/uploads/${upload.id}/complete`, {
            token: contributor,
            json: { parts: upload.parts },
          });
        const assembles = (request: SeenRequest) =>
          request.method === 'POST' && request.query.get('uploadId') === upload.uploadId;
        await failing(harness(), assembles, expected, complete);
        expect(await submissionRow(harness(), upload.id)).toMatchObject({
          status: 'pending',
          size: null,
          multipart_upload_id: upload.uploadId,
        });
        await expectCompleted(harness(), upload.id, await complete(), bytes);
      });
    }
  });

  describe('GET /v1/bundles/{id}/download, S3 failing before the first byte', () => {
    let url: string;
    let memberPath: string;
    let good: string;
    // One member, so the archive's first member is the only S3 object and every GET is for it.
    beforeAll(async () => {
      const [member] = await harness().seedApproved([randomBytes(100_000)]);
      memberPath = `/${harness().s3.buckets.raw}/${member!.objectKey}`;
      const created = await call(harness(), 'POST', '/v1/bundles', {
        token: admin,
        json: { submissionIds: [member!.id] },
      });
      expect(created.status, created.text).toBe(201);
      url = created.json.url;
      const first = await fetch(url);
      expect(first.status).toBe(200);
      good = sha256(Buffer.from(await first.arrayBuffer()));
    });
    for (const expected of s3Faults) {
      it(`${expected.name} on every attempt → ${expected.status}; the link still works afterwards`, async () => {
        // A 200 whose body then breaks off (or never comes) is reported as such, not thrown.
        const download = async (): Promise<Answer> => {
          const started = Date.now();
          const response = await fetch(url, { signal: AbortSignal.timeout(30_000) }).catch(
            (error: Error) => new Response(`no answer: ${error.name}`, { status: 599 }),
          );
          const text = await response.text().catch((error: Error) => `body failed: ${error.name}`);
          return {
            status: response.status,
            headers: response.headers,
            text,
            json: safeJson(text),
            ms: Date.now() - started,
          };
        };
        // Every retry of the member's GET fails too.
        await failing(
          harness(),
          (request) => request.method === 'GET' && request.path === memberPath,
          expected,
          download,
          100,
        );
        const again = await fetch(url);
        expect(again.status).toBe(200);
        expect(sha256(Buffer.from(await again.arrayBuffer()))).toBe(good);
      });
    }
  });

  describe('GET /assets/{key}', () => {
    for (const expected of s3Faults) {
      it(`${expected.name} → ${expected.status}; the failure is not cached: the next request is a MISS with the asset`, async () => {
        const key = `faults/${expected.fault.kind}-${crypto.randomUUID()}.txt`;
        const bytes = randomBytes(2000);
        await putAsset(harness(), key, bytes);
        const get = () => call(harness(), 'GET', `/assets/${key}`);
        await failing(
          harness(),
          (request) => request.method === 'GET' && request.path === `/${harness().s3.buckets.assets}/${key}`,
          expected,
          get,
        );
        const response = await fetch(`${harness().api}/assets/${key}`);
        expect(response.status).toBe(200);
        expect(response.headers.get('x-cache')).toBe('MISS');
        expect(sha256(Buffer.from(await response.arrayBuffer()))).toBe(sha256(bytes));
      });
    }
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Where the store copies: CopyObject from the staging key to the final one, then HEAD and GET of
 * the final object. Behind the no-copy front (STORAGE_MANAGER_S3_PROFILE=no-copy): the refused copy
 * (once per isolate), then the staged object's GET and the final object's PUT, in one pass.
 */
const copySteps: { step: string; matches: (id: string) => (request: SeenRequest) => boolean }[] = [
  {
    step: 'CopyObject',
    matches: (id) => (request) => request.method === 'PUT' && request.copySource !== null && involves(id)(request),
  },
  { step: 'HeadObject', matches: (id) => (request) => request.method === 'HEAD' && involves(id)(request) },
  { step: 'GetObject', matches: (id) => (request) => request.method === 'GET' && involves(id)(request) },
];
const copyFreeSteps: typeof copySteps = [
  {
    step: 'GetObject of the staged object',
    matches: (id) => (request) =>
      request.method === 'GET' && request.path.includes('/incoming/') && involves(id)(request),
  },
  {
    step: 'PutObject of the final object',
    matches: (id) => (request) =>
      request.method === 'PUT' &&
      request.copySource === null &&
      request.path.includes('/raw/') &&
      involves(id)(request),
  },
];

/** Faults in each S3 call of a single PUT's completion, on whichever path the store's profile takes. */
export function describeSinglePutCompleteFaults(harness: () => Harness) {
  const copyFree = process.env.STORAGE_MANAGER_S3_PROFILE === 'no-copy';
  let contributor: string;
  beforeAll(async () => {
    contributor = await harness().tokenFor('contributor');
  });
  afterEach(() => harness().proxy.clear());

  describe(`POST /v1/uploads/{id}/complete, single PUT${copyFree ? ', copies refused' : ''}: every S3 call of the verification`, () => {
    const steps = copyFree ? copyFreeSteps : copySteps;
    const cases = [
      ...steps.flatMap(({ step, matches }) => s3Faults.map((expected) => ({ step, matches, expected }))),
      // Headers arrive, then the body breaks off while the Worker checksums it.
      {
        step: 'GetObject',
        matches: steps.find((step) => step.step.startsWith('GetObject'))!.matches,
        expected: {
          name: 'S3 cutting the body after 1000 bytes',
          fault: { kind: 'drop', afterBytes: 1000 } as Fault,
          status: 502,
          code: 'bad_gateway',
        },
      },
    ];
    for (const { step, matches, expected } of cases) {
      it(`${step}: ${expected.name} → ${expected.status}; the submission stays pending and the retry completes it`, async () => {
        const bytes = randomBytes(64 * 1024);
        const id = await uploadPending(harness(), contributor, bytes);
        const complete = () => call(harness(), 'POST', `/v1/uploads/${id}/complete`, { token: contributor });
        await failing(harness(), matches(id), expected, complete);
        expect(await submissionRow(harness(), id)).toMatchObject({ status: 'pending', size: null, sha256: null });
        await expectCompleted(harness(), id, await complete(), bytes);
      });
    }
  });
}
