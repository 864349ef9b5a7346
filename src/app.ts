import { OpenAPIHono } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AppEnv } from './context';
import { DatabaseUnavailableError } from './db/client';
import { ApiError, errorEnvelope, type ErrorCode } from './errors';
import { bindings } from './middleware/config';
import { jsonBodyLimit } from './middleware/body-limit';
import { apiCors } from './middleware/cors';
import { requestLog } from './middleware/request-log';
import { listAccessLog, listAccessLogHandler } from './routes/access-log/list-access-log';
import { getAsset, serveAsset } from './routes/assets/get-asset';
import { createBundle, createBundleHandler } from './routes/bundles/create-bundle';
import { downloadBundle, downloadBundleHandler } from './routes/bundles/download-bundle';
import { createCompany, createCompanyHandler } from './routes/companies/create-company';
import { listCompanies, listCompaniesHandler } from './routes/companies/list-companies';
import { createDatasetDownloadUrl, createDatasetDownloadUrlHandler } from './routes/datasets/create-download-url';
import { createDataset, createDatasetHandler } from './routes/datasets/create-dataset';
import { getDataset, getDatasetHandler } from './routes/datasets/get-dataset';
import { grantDataset, grantDatasetHandler } from './routes/datasets/grant-dataset';
import { listDatasets, listDatasetsHandler } from './routes/datasets/list-datasets';
import { revokeDatasetGrant, revokeDatasetGrantHandler } from './routes/datasets/revoke-dataset-grant';
import { getHealthz, getHealthzHandler } from './routes/health/get-healthz';
import { getReadyz, getReadyzHandler } from './routes/health/get-readyz';
import { createViewUrl, createViewUrlHandler } from './routes/submissions/create-view-url';
import { getSubmission, getSubmissionHandler } from './routes/submissions/get-submission';
import { listSubmissionsHandler, listSubmissionsRoute } from './routes/submissions/list-submissions';
import { reviewSubmission, reviewSubmissionHandler } from './routes/submissions/review-submission';
import { assignTask, assignTaskHandler } from './routes/tasks/assign-task';
import { createTask, createTaskHandler } from './routes/tasks/create-task';
import { listTasks, listTasksHandler } from './routes/tasks/list-tasks';
import { listTaskAssignments, listTaskAssignmentsHandler } from './routes/tasks/task-assignments';
import { unassignTask, unassignTaskHandler } from './routes/tasks/unassign-task';
import { updateTask, updateTaskHandler } from './routes/tasks/update-task';
import { completeUpload, completeUploadHandler } from './routes/uploads/complete-upload';
import { abortUpload, abortUploadHandler } from './routes/uploads/abort-upload';
import { createUpload, createUploadHandler } from './routes/uploads/create-upload';
import { listParts, listPartsHandler } from './routes/uploads/list-parts';
import { signParts, signPartsHandler } from './routes/uploads/sign-parts';
import { listUsers, listUsersHandler } from './routes/users/list-users';
import { setUserRole, setUserRoleHandler } from './routes/users/set-user-role';
import { ObjectStoreError } from './s3/send';
import { log } from './log';

// Hono raises HTTPException for what it rejects itself (malformed JSON, wrong media type).
const httpExceptionCodes: Partial<Record<number, ErrorCode>> = {
  400: 'invalid_request',
  401: 'unauthorized',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  416: 'range_not_satisfiable',
  415: 'unsupported_media_type',
};

/** Every error becomes an ApiError; anything unexpected is a generic 500, logged with its id. */
function toApiError(error: unknown, requestId: string): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof HTTPException) {
    const code = httpExceptionCodes[error.status];
    if (code)
      return new ApiError(code, code === 'invalid_request' ? 'request body is not valid JSON' : error.message || code);
  }
  if (error instanceof DatabaseUnavailableError) {
    log('error', 'upstream unavailable', { error: error.name, detail: error.message, requestId });
    return new ApiError('upstream_unavailable', 'a storage service is unavailable, try again shortly');
  }
  // RFC 9110 §15.6.3 and §15.6.5: the gateway's upstream answered wrongly (502) or not in time (504).
  if (error instanceof ObjectStoreError) {
    log('error', 'object store failed', {
      kind: error.kind,
      status: error.status ?? null,
      code: error.code ?? null,
      requestId,
    });
    if (error.kind === 'timeout') return new ApiError('gateway_timeout', 'object storage did not answer in time');
    return new ApiError('bad_gateway', 'object storage failed to answer');
  }
  const { name, message } = error instanceof Error ? error : { name: 'non-error', message: String(error) };
  log('error', 'unhandled error', { error: name, detail: message, requestId });
  return new ApiError('internal', 'internal error');
}

export function buildApp() {
  const app = new OpenAPIHono<AppEnv>({
    // Validation failures name the fields and what is wrong with them, in the one envelope.
    defaultHook: (result) => {
      if (!result.success) {
        const details = result.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`);
        throw new ApiError('invalid_request', details.join('; '));
      }
    },
  });

  app.use('*', requestLog());
  // The probes come before the bindings are validated: liveness must not depend on configuration,
  // and readiness reports a broken one as a failed check. Load balancers and monitors call them,
  // not browsers, so they carry no CORS headers.
  app.openapi(getHealthz, getHealthzHandler);
  app.openapi(getReadyz, getReadyzHandler);
  app.use('*', bindings());
  // Assets answer CORS themselves (any origin may read a public asset); the API only to its own.
  for (const path of ['/openapi.json', '/v1/*']) app.use(path, apiCors());
  app.use('/v1/*', jsonBodyLimit());

  app.all('/assets/*', serveAsset);
  app.openAPIRegistry.registerPath(getAsset);

  app.openapi(listTasks, listTasksHandler);
  app.openapi(createUpload, createUploadHandler);
  app.openapi(completeUpload, completeUploadHandler);
  app.openapi(signParts, signPartsHandler);
  app.openapi(listParts, listPartsHandler);
  app.openapi(abortUpload, abortUploadHandler);
  app.openapi(listSubmissionsRoute, listSubmissionsHandler);
  app.openapi(getSubmission, getSubmissionHandler);
  app.openapi(createViewUrl, createViewUrlHandler);
  app.openapi(reviewSubmission, reviewSubmissionHandler);
  app.openapi(createBundle, createBundleHandler);
  app.openapi(listCompanies, listCompaniesHandler);
  app.openapi(createDataset, createDatasetHandler);
  app.openapi(listDatasets, listDatasetsHandler);
  app.openapi(getDataset, getDatasetHandler);
  app.openapi(grantDataset, grantDatasetHandler);
  app.openapi(revokeDatasetGrant, revokeDatasetGrantHandler);
  app.openapi(createDatasetDownloadUrl, createDatasetDownloadUrlHandler);
  app.openapi(listAccessLog, listAccessLogHandler);
  app.openapi(downloadBundle, downloadBundleHandler);
  // Administration (admins): roles, companies, tasks and assignments, each change logged.
  app.openapi(listUsers, listUsersHandler);
  app.openapi(setUserRole, setUserRoleHandler);
  app.openapi(createCompany, createCompanyHandler);
  app.openapi(createTask, createTaskHandler);
  app.openapi(updateTask, updateTaskHandler);
  app.openapi(listTaskAssignments, listTaskAssignmentsHandler);
  app.openapi(assignTask, assignTaskHandler);
  app.openapi(unassignTask, unassignTaskHandler);

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'A Supabase access token',
  });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'storage-manager', version: '0.1.0', description: 'Edge gateway for uploads, review and downloads' },
  });

  app.notFound(() => {
    throw new ApiError('not_found', 'no such route');
  });
  app.onError((error, c) => {
    const requestId = c.get('requestId') ?? crypto.randomUUID();
    const apiError = toApiError(error, requestId);
    const response = c.json(errorEnvelope(apiError, requestId), apiError.status as ContentfulStatusCode);
    // RFC 6750 §3: a 401 for a bearer-protected resource names the scheme.
    if (apiError.code === 'unauthorized') response.headers.set('WWW-Authenticate', 'Bearer realm="storage-manager"');
    return response;
  });
  return app;
}
