import { OpenAPIHono } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AppEnv } from './context';
import { UnrepresentableValueError } from './db/sql-text';
import { DatabaseUnavailableError } from './db/client';
import { ApiError, errorEnvelope, type ErrorCode } from './errors';
import { bindings } from './middleware/config';
import { jsonBodyLimit } from './middleware/body-limit';
import { apiCors } from './middleware/cors';
import { requestLog } from './middleware/request-log';
import { listAccessLogRoute, listAccessLogHandler } from './routes/access-log/list-access-log';
import { getAssetRoute, serveAsset } from './routes/assets/get-asset';
import { createBundleRoute, createBundleHandler } from './routes/bundles/create-bundle';
import { downloadBundleRoute, downloadBundleHandler } from './routes/bundles/download-bundle';
import { createCompanyRoute, createCompanyHandler } from './routes/companies/create-company';
import { listCompaniesRoute, listCompaniesHandler } from './routes/companies/list-companies';
import { createDatasetDownloadUrlRoute, createDatasetDownloadUrlHandler } from './routes/datasets/create-download-url';
import { createDatasetRoute, createDatasetHandler } from './routes/datasets/create-dataset';
import { getDatasetRoute, getDatasetHandler } from './routes/datasets/get-dataset';
import { retryDatasetRoute, retryDatasetHandler } from './routes/datasets/retry-dataset';
import { grantDatasetRoute, grantDatasetHandler } from './routes/datasets/grant-dataset';
import { listDatasetsRoute, listDatasetsHandler } from './routes/datasets/list-datasets';
import { revokeDatasetGrantRoute, revokeDatasetGrantHandler } from './routes/datasets/revoke-dataset-grant';
import { getHealthzRoute, getHealthzHandler } from './routes/health/get-healthz';
import { getReadyzRoute, getReadyzHandler } from './routes/health/get-readyz';
import { createViewUrlRoute, createViewUrlHandler } from './routes/submissions/create-view-url';
import { getSubmissionRoute, getSubmissionHandler } from './routes/submissions/get-submission';
import { listSubmissionsHandler, listSubmissionsRoute } from './routes/submissions/list-submissions';
import { reviewSubmissionRoute, reviewSubmissionHandler } from './routes/submissions/review-submission';
import { assignTaskRoute, assignTaskHandler } from './routes/tasks/assign-task';
import { createTaskRoute, createTaskHandler } from './routes/tasks/create-task';
import { listTasksRoute, listTasksHandler } from './routes/tasks/list-tasks';
import { listTaskAssignmentsRoute, listTaskAssignmentsHandler } from './routes/tasks/task-assignments';
import { unassignTaskRoute, unassignTaskHandler } from './routes/tasks/unassign-task';
import { updateTaskRoute, updateTaskHandler } from './routes/tasks/update-task';
import { completeUploadRoute, completeUploadHandler } from './routes/uploads/complete-upload';
import { abortUploadRoute, abortUploadHandler } from './routes/uploads/abort-upload';
import { createUploadRoute, createUploadHandler } from './routes/uploads/create-upload';
import { listPartsRoute, listPartsHandler } from './routes/uploads/list-parts';
import { signPartsRoute, signPartsHandler } from './routes/uploads/sign-parts';
import { listUsersRoute, listUsersHandler } from './routes/users/list-users';
import { setUserRoleRoute, setUserRoleHandler } from './routes/users/set-user-role';
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
  if (error instanceof UnrepresentableValueError)
    return new ApiError('invalid_request', 'a value contains a NUL character, which cannot be stored');
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
  app.openapi(getHealthzRoute, getHealthzHandler);
  app.openapi(getReadyzRoute, getReadyzHandler);
  app.use('*', bindings());
  // Assets answer CORS themselves (any origin may read a public asset); the API only to its own.
  for (const path of ['/openapi.json', '/v1/*']) app.use(path, apiCors());
  app.use('/v1/*', jsonBodyLimit());

  app.all('/assets/*', serveAsset);
  app.openAPIRegistry.registerPath(getAssetRoute);

  app.openapi(listTasksRoute, listTasksHandler);
  app.openapi(createUploadRoute, createUploadHandler);
  app.openapi(completeUploadRoute, completeUploadHandler);
  app.openapi(signPartsRoute, signPartsHandler);
  app.openapi(listPartsRoute, listPartsHandler);
  app.openapi(abortUploadRoute, abortUploadHandler);
  app.openapi(listSubmissionsRoute, listSubmissionsHandler);
  app.openapi(getSubmissionRoute, getSubmissionHandler);
  app.openapi(createViewUrlRoute, createViewUrlHandler);
  app.openapi(reviewSubmissionRoute, reviewSubmissionHandler);
  app.openapi(createBundleRoute, createBundleHandler);
  app.openapi(listCompaniesRoute, listCompaniesHandler);
  app.openapi(createDatasetRoute, createDatasetHandler);
  app.openapi(listDatasetsRoute, listDatasetsHandler);
  app.openapi(getDatasetRoute, getDatasetHandler);
  app.openapi(retryDatasetRoute, retryDatasetHandler);
  app.openapi(grantDatasetRoute, grantDatasetHandler);
  app.openapi(revokeDatasetGrantRoute, revokeDatasetGrantHandler);
  app.openapi(createDatasetDownloadUrlRoute, createDatasetDownloadUrlHandler);
  app.openapi(listAccessLogRoute, listAccessLogHandler);
  app.openapi(downloadBundleRoute, downloadBundleHandler);
  // Administration (admins): roles, companies, tasks and assignments, each change logged.
  app.openapi(listUsersRoute, listUsersHandler);
  app.openapi(setUserRoleRoute, setUserRoleHandler);
  app.openapi(createCompanyRoute, createCompanyHandler);
  app.openapi(createTaskRoute, createTaskHandler);
  app.openapi(updateTaskRoute, updateTaskHandler);
  app.openapi(listTaskAssignmentsRoute, listTaskAssignmentsHandler);
  app.openapi(assignTaskRoute, assignTaskHandler);
  app.openapi(unassignTaskRoute, unassignTaskHandler);

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
