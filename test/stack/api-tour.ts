import { demoCompanyId, demoTaskId, demoUsers } from '../../scripts/lib/jwt';
import type { Harness } from '../support/harness';

// Every API route called once, in an order where each call finds what it needs (a task to assign,
// an uploaded submission to review, a dataset to grant). The round-trip test and bench/latency.ts
// both walk it; what a step needs beforehand (an object uploaded straight to S3, a dataset built)
// happens outside the measured call.

export interface TourAnswer {
  status: number;
  json: any;
}

export interface TourStep {
  /** Method and path as the API reference names the route. */
  route: string;
  status: number;
  /** Also talks to S3, or to the queue, on the request path. */
  objectStorage?: boolean;
  /** Runs before the call and is not measured. */
  setup?: () => Promise<void>;
  call: () => Promise<TourAnswer>;
}

const MiB = 1024 * 1024;

export function apiTour(harness: Harness, tokens: Record<'contributor' | 'validator' | 'admin' | 'company', string>) {
  const state: Record<string, string> = {};

  async function request(method: string, path: string, token: string | undefined, json?: unknown) {
    const response = await fetch(`${harness.api}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(json === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: json === undefined ? undefined : JSON.stringify(json),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text.length;
    }
    return { status: response.status, json: parsed as any };
  }

  /** Puts bytes through a presigned single-PUT upload: S3 directly, not the gateway. */
  async function putBytes(created: TourAnswer, bytes: Uint8Array) {
    const { 'Content-Length': _length, ...headers } = created.json.headers as Record<string, string>;
    const put = await fetch(created.json.url, { method: 'PUT', headers, body: bytes });
    if (put.status !== 200) throw new Error(`PUT to S3 answered ${put.status}: ${await put.text()}`);
  }

  const { contributor, validator, admin, company } = tokens;
  const contributorId = demoUsers.contributor.userId;
  const bytes = new Uint8Array(1000).fill(7);

  const steps: TourStep[] = [
    { route: 'GET /v1/tasks', status: 200, call: () => request('GET', '/v1/tasks', contributor) },
    { route: 'GET /v1/tasks?scope=all', status: 200, call: () => request('GET', '/v1/tasks?scope=all', admin) },
    {
      route: 'POST /v1/tasks',
      status: 201,
      call: async () => {
        const created = await request('POST', '/v1/tasks', admin, {
          title: `tour ${Date.now()}`,
          allowedContentTypes: ['audio/*'],
          maxBytes: 1000,
        });
        state.taskId = created.json?.task?.id;
        return created;
      },
    },
    {
      route: 'PATCH /v1/tasks/{id}',
      status: 200,
      call: () => request('PATCH', `/v1/tasks/${state.taskId}`, admin, { maxBytes: 2000 }),
    },
    {
      route: 'PUT /v1/tasks/{id}/assignments/{userId}',
      status: 201,
      call: () => request('PUT', `/v1/tasks/${state.taskId}/assignments/${contributorId}`, admin),
    },
    {
      route: 'GET /v1/tasks/{id}/assignments',
      status: 200,
      call: () => request('GET', `/v1/tasks/${state.taskId}/assignments`, admin),
    },
    {
      route: 'DELETE /v1/tasks/{id}/assignments/{userId}',
      status: 204,
      call: () => request('DELETE', `/v1/tasks/${state.taskId}/assignments/${contributorId}`, admin),
    },
    {
      route: 'POST /v1/uploads',
      status: 201,
      call: async () => {
        const created = await request('POST', '/v1/uploads', contributor, {
          taskId: demoTaskId,
          contentType: 'audio/webm',
          size: bytes.byteLength,
        });
        if (created.status === 201) {
          state.submissionId = created.json.submissionId;
          await putBytes(created, bytes);
        }
        return created;
      },
    },
    {
      route: 'POST /v1/uploads/{id}/complete',
      status: 200,
      objectStorage: true,
      call: () => request('POST', `/v1/uploads/${state.submissionId}/complete`, contributor),
    },
    {
      route: 'POST /v1/uploads (multipart)',
      status: 201,
      objectStorage: true,
      call: async () => {
        const created = await request('POST', '/v1/uploads', contributor, {
          taskId: demoTaskId,
          contentType: 'video/mp4',
          size: 6 * MiB,
        });
        state.multipartId = created.json?.submissionId;
        return created;
      },
    },
    {
      route: 'POST /v1/uploads/{id}/parts',
      status: 200,
      call: () => request('POST', `/v1/uploads/${state.multipartId}/parts`, contributor, { partNumbers: [1] }),
    },
    // GET /v1/uploads/{id}/parts (ListParts) and aborting a multipart upload need S3 calls s3rver
    // lacks; the abort is shown on a single-PUT upload.
    {
      route: 'DELETE /v1/uploads/{id}',
      status: 200,
      objectStorage: true,
      setup: async () => {
        const created = await request('POST', '/v1/uploads', contributor, {
          taskId: demoTaskId,
          contentType: 'audio/webm',
          size: 10,
        });
        state.abortedId = created.json?.submissionId;
      },
      call: () => request('DELETE', `/v1/uploads/${state.abortedId}`, contributor),
    },
    { route: 'GET /v1/submissions', status: 200, call: () => request('GET', '/v1/submissions', validator) },
    {
      route: 'GET /v1/submissions/{id}',
      status: 200,
      call: () => request('GET', `/v1/submissions/${state.submissionId}`, validator),
    },
    {
      route: 'POST /v1/submissions/{id}/view-url',
      status: 200,
      call: () => request('POST', `/v1/submissions/${state.submissionId}/view-url`, validator),
    },
    {
      route: 'POST /v1/submissions/{id}/review',
      status: 200,
      call: () =>
        request('POST', `/v1/submissions/${state.submissionId}/review`, validator, {
          decision: 'approve',
          note: 'fine',
        }),
    },
    {
      route: 'POST /v1/bundles',
      status: 201,
      call: async () => {
        const created = await request('POST', '/v1/bundles', admin, { submissionIds: [state.submissionId] });
        state.bundleUrl = created.json?.url;
        return created;
      },
    },
    {
      route: 'GET /v1/bundles/{id}/download',
      status: 200,
      objectStorage: true,
      call: () => request('GET', new URL(state.bundleUrl!).pathname + new URL(state.bundleUrl!).search, undefined),
    },
    {
      route: 'POST /v1/datasets',
      status: 202,
      objectStorage: true,
      call: async () => {
        const created = await request('POST', '/v1/datasets', admin, {
          name: `tour-${Date.now()}`,
          submissionIds: [state.submissionId],
        });
        state.datasetId = created.json?.id;
        return created;
      },
    },
    {
      route: 'GET /v1/datasets/{id}',
      status: 200,
      // The build runs from the queue: its queries are the job's, not an API call's.
      setup: async () => {
        for (let tries = 0; tries < 400; tries++) {
          const [row] = await harness.sql<{ status: string }[]>`
            select status from public.datasets where id = ${state.datasetId ?? null}`;
          if (row?.status !== 'building') break;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      },
      call: () => request('GET', `/v1/datasets/${state.datasetId}`, admin),
    },
    { route: 'GET /v1/datasets', status: 200, call: () => request('GET', '/v1/datasets', admin) },
    {
      route: 'POST /v1/datasets/{id}/grants',
      status: 201,
      call: () => request('POST', `/v1/datasets/${state.datasetId}/grants`, admin, { companyId: demoCompanyId }),
    },
    {
      route: 'POST /v1/datasets/{id}/download-url',
      status: 200,
      call: () => request('POST', `/v1/datasets/${state.datasetId}/download-url`, company),
    },
    {
      route: 'DELETE /v1/datasets/{id}/grants/{companyId}',
      status: 204,
      call: () => request('DELETE', `/v1/datasets/${state.datasetId}/grants/${demoCompanyId}`, admin),
    },
    {
      route: 'POST /v1/datasets/{id}/retry',
      status: 202,
      objectStorage: true,
      // Only a failed dataset is retried: fail the built one and its shards, as a build failing for good does.
      setup: async () => {
        await harness.sql`
          update public.dataset_shards set status = 'failed', failure_reason = 'tour', finished_at = now()
          where dataset_id = ${state.datasetId ?? null}`;
        await harness.sql`
          update public.datasets set status = 'failed', failure_reason = 'shard 0: tour', finished_at = now()
          where id = ${state.datasetId ?? null}`;
      },
      call: () => request('POST', `/v1/datasets/${state.datasetId}/retry`, admin),
    },
    { route: 'GET /v1/access-log', status: 200, call: () => request('GET', '/v1/access-log', admin) },
    { route: 'GET /v1/users', status: 200, call: () => request('GET', '/v1/users', admin) },
    {
      route: 'PUT /v1/users/{id}/role',
      status: 200,
      call: () => request('PUT', `/v1/users/${demoUsers.validator.userId}/role`, admin, { role: 'validator' }),
    },
    { route: 'GET /v1/companies', status: 200, call: () => request('GET', '/v1/companies', admin) },
    {
      route: 'POST /v1/companies',
      status: 201,
      call: () => request('POST', '/v1/companies', admin, { name: `tour company ${Date.now()}` }),
    },
  ];
  return steps;
}
