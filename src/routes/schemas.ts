import { z } from '@hono/zod-openapi';
import { errorStatus, type ErrorCode } from '../errors';
import type { Submission } from '../db/submissions';

export const errorEnvelopeSchema = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(errorStatus) as [ErrorCode, ...ErrorCode[]]),
      message: z.string(),
      requestId: z.string(),
    }),
  })
  .openapi('Error');

/** OpenAPI entries for the failures a route may answer with, all in the one envelope. */
export function errorResponses(...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: `Error (${status})`, content: { 'application/json': { schema: errorEnvelopeSchema } } },
    ]),
  );
}

/**
 * Text a person writes (a review note, a description): tabs and line breaks are text, other
 * control characters are not, and NUL cannot even be stored in a Postgres `text`, so they are a
 * 400 here rather than a database error.
 */
export function freeTextSchema(maxLength: number) {
  return z
    .string()
    .max(maxLength)
    .regex(/^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]*$/, 'must not contain control characters');
}

/**
 * An ISO 8601 time with an offset, in a year Postgres can store: the format admits year 0000,
 * which the proleptic Gregorian calendar Postgres uses does not have.
 */
export const timestampSchema = z.iso
  .datetime({ offset: true })
  .refine((value) => !value.startsWith('0000'), 'must be in year 1 or later');

export const uuidSchema = z.uuid().openapi({ example: '00000000-0000-4000-8000-0000000a0001' });

export const idParamsSchema = z.object({
  id: uuidSchema.openapi({ param: { name: 'id', in: 'path' } }),
});

export const submissionStatusSchema = z.enum(['pending', 'uploaded', 'approved', 'rejected', 'aborted']);

export const submissionSchema = z
  .object({
    id: z.uuid(),
    taskId: z.uuid(),
    contributorId: z.uuid(),
    status: submissionStatusSchema,
    contentType: z.string(),
    declaredSize: z.number().int(),
    filename: z.string().nullable(),
    size: z.number().int().nullable(),
    crc32: z.number().int().nullable().openapi({ description: 'CRC-32 of the object, as an unsigned integer' }),
    sha256: z.string().nullable(),
    createdAt: z.string(),
    uploadedAt: z.string().nullable(),
    reviewedBy: z.uuid().nullable(),
    reviewedAt: z.string().nullable(),
    reviewNote: z.string().nullable(),
  })
  .openapi('Submission');

/** The API's view of a submission: everything but the object key, which stays server-side. */
export function presentSubmission(submission: Submission): z.infer<typeof submissionSchema> {
  const { objectKey: _key, stagingKey: _stagingKey, multipart: _multipart, originalFilename, ...visible } = submission;
  return { ...visible, filename: originalFilename };
}

export const bearerSecurity = [{ bearerAuth: [] }];

export type SubmissionResponse = z.infer<typeof submissionSchema>;
export type ErrorEnvelopeResponse = z.infer<typeof errorEnvelopeSchema>;
