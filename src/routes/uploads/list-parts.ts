import { createRoute, z, type RouteHandler } from '@hono/zod-openapi';
import { authenticate } from '../../auth/authenticate';
import { asPrincipalInOneFlight } from '../../auth/principal';
import type { AppEnv } from '../../context';
import { firstSubmission, submissionStatement } from '../../db/submissions';
import { listParts } from '../../s3/multipart';
import { bearerSecurity, errorResponses, idParamsSchema } from '../schemas';
import { ownOpenMultipart } from '../../uploads/ownership';

const uploadedPart = z.object({ partNumber: z.number().int(), etag: z.string(), size: z.number().int() });

export const listPartsRoute = createRoute({
  method: 'get',
  path: '/v1/uploads/{id}/parts',
  summary: 'The parts S3 already holds, so an interrupted upload can resume',
  security: bearerSecurity,
  middleware: [authenticate()] as const,
  request: { params: idParamsSchema },
  responses: {
    200: {
      description: 'Uploaded parts',
      content: { 'application/json': { schema: z.object({ parts: z.array(uploadedPart) }).openapi('UploadedParts') } },
    },
    ...errorResponses(400, 401, 403, 404, 409, 502, 503, 504),
  },
});

export const listPartsHandler: RouteHandler<typeof listPartsRoute, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  const {
    principal,
    rows: [found],
  } = await asPrincipalInOneFlight(c, ['contributor'], [submissionStatement(id)]);
  const upload = ownOpenMultipart(firstSubmission(found), principal.userId);
  const parts = await listParts(
    c.var.objectStore,
    c.var.config.buckets.raw,
    upload.objectKey,
    upload.multipart.uploadId,
  );
  return c.json({ parts }, 200);
};

export type UploadedPartResponse = z.infer<typeof uploadedPart>;
