import { z } from '@hono/zod-openapi';
import { errorStatus, type ErrorCode } from '../errors';
import type { Submission } from '../db/submissions';
import { multipartLimits } from '../s3/limits';
import { mediaTypePattern } from '../uploads/media-types';

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
 * A string that is Unicode text: no lone surrogate. JSON can carry one (`"\ud800"`), but UTF-8
 * cannot, so encoding it for Postgres (WHATWG Encoding, "UTF-8 encode") would store U+FFFD in its
 * place: a value other than the one sent, silently. In a `u` regular expression a surrogate pair
 * is one code point, so `\p{Cs}` matches exactly the unpaired ones (what
 * `String.prototype.isWellFormed` rejects, an ES2024 API the ES2023 lib of this project lacks).
 */
export const isWellFormed = (value: string): boolean => !/\p{Cs}/u.test(value);
export const wellFormedMessage = 'must not contain a lone surrogate (it is not Unicode text)';

/**
 * Text a person writes (a review note, a description): tabs and line breaks are text, other
 * control characters are not, and NUL cannot even be stored in a Postgres `text`, so they are a
 * 400 here rather than a database error; nor a lone surrogate, which would be stored altered.
 */
export function freeTextSchema(maxLength: number) {
  return z
    .string()
    .max(maxLength)
    .regex(/^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]*$/, 'must not contain control characters')
    .refine(isWellFormed, wellFormedMessage);
}

/**
 * An ISO 8601 time with an offset, in a year Postgres can store: the format admits year 0000,
 * which the proleptic Gregorian calendar Postgres uses does not have.
 */
export const timestampSchema = z.iso
  .datetime({ offset: true })
  .refine((value) => !value.startsWith('0000'), 'must be in year 1 or later');

export const uuidSchema = z.uuid().openapi({ example: '00000000-0000-4000-8000-0000000a0001' });

/** Path parameters that are all UUIDs, e.g. `/v1/tasks/{id}/assignments/{userId}`. */
export function uuidPathParams<const Names extends readonly string[]>(...names: Names) {
  const shape = Object.fromEntries(names.map((name) => [name, uuidSchema.openapi({ param: { name, in: 'path' } })]));
  return z.object(shape as { [Name in Names[number]]: typeof uuidSchema });
}

export const idParamsSchema = uuidPathParams('id');

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

export const contentTypeSchema = z
  .string()
  .max(200)
  .regex(mediaTypePattern, 'must be a media type such as audio/webm')
  .openapi({ example: 'audio/webm' });

/** A multipart upload's part number, 1 to 10,000 (S3 API: UploadPart). */
export const partNumberSchema = z.number().int().min(1).max(multipartLimits.maximumParts);

/**
 * How a bundle is packaged: ZIP, or POSIX tar, which needs no CRC, so any tar bundle offers
 * ranges. The same selection either way; the link's token covers the selection, not the format.
 */
export const bundleFormatSchema = z
  .enum(['zip', 'tar'])
  .openapi({ description: 'zip (default) or tar', example: 'tar' });
