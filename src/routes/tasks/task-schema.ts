import { z } from '@hono/zod-openapi';
import { maximumMultipartObjectSize } from '../../uploads/part-layout';
import { isActiveContentType } from '../../uploads/media-types';
import { freeTextSchema, idParamsSchema } from '../schemas';

export const taskSchema = z
  .object({
    id: z.uuid(),
    title: z.string(),
    description: z.string().nullable(),
    status: z.enum(['open', 'closed']),
    allowedContentTypes: z.array(z.string()).openapi({ example: ['audio/*', 'application/octet-stream'] }),
    maxBytes: z.number().int(),
    createdAt: z.string(),
  })
  .openapi('Task');

export const taskParamsSchema = idParamsSchema;

// RFC 9110 §8.3.1: type "/" subtype, each a token; here without parameters, and `*` as the whole
// subtype for any subtype of the type (what gateway.content_type_allowed matches).
const token = "[A-Za-z0-9!#$%&'+.^_`|~-]+";
const pattern = new RegExp(`^${token}/(?:${token}|\\*)$`);

const contentTypePatternSchema = z
  .string()
  .max(200)
  .regex(pattern, 'must be a media type such as audio/webm, or a type with any subtype such as audio/*')
  .refine(
    (value) => !isActiveContentType(value),
    'is active content (script, markup, PDF), which uploads never accept',
  );

export const allowedContentTypesSchema = z
  .array(contentTypePatternSchema)
  .min(1)
  .max(50)
  .refine(
    (values) => new Set(values.map((value) => value.toLowerCase())).size === values.length,
    'must not repeat a type',
  );

// The largest object S3 stores (S3 API: multipart upload limits, 5 TiB).
export const maxBytesSchema = z.number().int().min(1).max(maximumMultipartObjectSize);

export const taskTitleSchema = freeTextSchema(200).refine((value) => value.trim().length > 0, 'must not be blank');
export const taskDescriptionSchema = freeTextSchema(2000);
