import { idParamsSchema } from '../schemas';
import { z } from '@hono/zod-openapi';

export const datasetSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    description: z.string(),
    status: z.enum(['building', 'ready', 'failed']),
    createdAt: z.string(),
    members: z.number().int().openapi({ description: 'Submissions in the dataset, frozen at creation' }),
    bytes: z.number().int().nullable().openapi({ description: 'Size of the packaged archive, once ready' }),
    entries: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'Entries in the archive, manifest.csv included, once ready' }),
    etag: z.string().nullable().openapi({ description: "The archive object's ETag in the processed bucket" }),
    failureReason: z.string().nullable(),
    finishedAt: z.string().nullable(),
    grantedTo: z
      .array(z.uuid())
      .openapi({ description: 'Companies granted the dataset (admins see all, companies their own)' }),
  })
  .openapi('Dataset');

export const datasetParamsSchema = idParamsSchema;
