import { createRoute, z, type RouteHandler } from '@hono/zod-openapi';
import { authenticate } from '../../auth/authenticate';
import { asPrincipalInOneFlight } from '../../auth/principal';
import type { AppEnv } from '../../context';
import { firstSubmission, submissionStatement } from '../../db/submissions';
import { ApiError } from '../../errors';
import { presignUploadPart } from '../../sign/presign';
import { layOutParts, partLength } from '../../uploads/part-layout';
import { bearerSecurity, errorResponses, idParamsSchema, partNumberSchema } from '../schemas';
import { ownOpenMultipart } from '../../uploads/ownership';

const signPartsBody = z
  .strictObject({ partNumbers: z.array(partNumberSchema).min(1).max(100) })
  .openapi('SignPartsRequest');

const signedPart = z.object({
  partNumber: z.number().int(),
  url: z.url(),
  headers: z.record(z.string(), z.string()).openapi({ description: 'Send exactly these headers with the PUT' }),
  expiresAt: z.string(),
});

export const signPartsRoute = createRoute({
  method: 'post',
  path: '/v1/uploads/{id}/parts',
  summary: 'Presigned UploadPart URLs for parts of a multipart upload',
  description: 'At most 100 parts per call; each URL is valid 15 minutes and signs that part’s exact Content-Length.',
  security: bearerSecurity,
  middleware: [authenticate()] as const,
  request: {
    params: idParamsSchema,
    body: { required: true, content: { 'application/json': { schema: signPartsBody } } },
  },
  responses: {
    200: {
      description: 'Part URLs',
      content: { 'application/json': { schema: z.object({ parts: z.array(signedPart) }).openapi('SignedParts') } },
    },
    ...errorResponses(400, 401, 403, 404, 409, 413, 415, 503),
  },
});

export const signPartsHandler: RouteHandler<typeof signPartsRoute, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  const { partNumbers } = c.req.valid('json');
  const { config } = c.var;
  const {
    principal,
    rows: [found],
  } = await asPrincipalInOneFlight(c, ['contributor'], [submissionStatement(id)]);
  const upload = ownOpenMultipart(firstSubmission(found), principal.userId);
  const layout = layOutParts(upload.declaredSize);
  const outside = partNumbers.filter((partNumber) => partNumber > layout.partCount);
  if (outside.length > 0) throw new ApiError('invalid_request', `this upload has parts 1 to ${layout.partCount}`);
  const parts = await Promise.all(
    [...new Set(partNumbers)].map(async (partNumber) => {
      const contentLength = partLength(upload.declaredSize, layout, partNumber);
      const signed = await presignUploadPart(c.var.objectStore, {
        bucket: config.buckets.raw,
        key: upload.objectKey,
        uploadId: upload.multipart.uploadId,
        partNumber,
        contentLength,
        expiresInSeconds: config.uploadUrlTtlSeconds,
      });
      return {
        partNumber,
        url: signed.url,
        headers: { 'Content-Length': String(contentLength) },
        expiresAt: signed.expiresAt.toISOString(),
      };
    }),
  );
  return c.json({ parts }, 200);
};

export type SignPartsRequest = z.input<typeof signPartsBody>;
export type SignedPart = z.infer<typeof signedPart>;
