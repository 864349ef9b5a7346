import { createRoute, z, type RouteHandler } from '@hono/zod-openapi';
import { authenticate } from '../../auth/authenticate';
import { asPrincipalInFlights } from '../../auth/principal';
import type { AppEnv } from '../../context';
import { createDatasetStatement } from '../../db/datasets';
import { ApiError } from '../../errors';
import { largestMemberBytes } from '../../formats/package-layout';
import { bearerSecurity, errorResponses, freeTextSchema } from '../schemas';

const createDatasetBody = z
  .strictObject({
    name: z
      .string()
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/,
        'letters, digits, ".", "_" and "-", starting with a letter or digit, at most 100',
      )
      .openapi({
        description: 'Names the shards: <name>.zip for one, <name>-00000-of-00004.zip for several (.parquet, .tar)',
        example: 'swahili-speech-v1',
      }),
    description: freeTextSchema(2000).optional(),
    submissionIds: z
      .array(z.uuid())
      .min(1)
      .max(10_000)
      .optional()
      .openapi({ description: 'Approved submissions, in archive order' }),
    taskId: z
      .uuid()
      .optional()
      .openapi({ description: 'Instead of submissionIds: every approved submission of the task, oldest first' }),
    shardMaxMembers: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .optional()
      .openapi({ description: 'Most members one shard holds (default 10,000)' }),
    format: z.enum(['zip', 'parquet', 'webdataset']).optional().openapi({
      description:
        'zip (default): each shard a ZIP with manifest.csv; parquet: one row per submission with its media (Hugging Face features); webdataset: tar shards of <id>.<ext> and <id>.json samples',
    }),
    shardMaxBytes: z
      .number()
      .int()
      .min(64 * 1024 ** 2)
      .max(50 * 1024 ** 3)
      .optional()
      .openapi({ description: 'Most bytes one shard holds, 64 MiB to 50 GiB (default 4 GiB)' }),
  })
  .refine((body) => (body.submissionIds === undefined) !== (body.taskId === undefined), {
    message: 'give exactly one of submissionIds and taskId',
  })
  .openapi('CreateDatasetRequest');

export const createDatasetRoute = createRoute({
  method: 'post',
  path: '/v1/datasets',
  summary: 'Freeze approved submissions into a dataset and package it in the background (admins)',
  description:
    'Answers 202 at once; a queued job cuts the members into shards in archive order, builds each shard into the processed bucket, and the dataset turns `ready` when every shard is (or `failed` when one fails for good).',
  security: bearerSecurity,
  middleware: [authenticate()] as const,
  request: { body: { required: true, content: { 'application/json': { schema: createDatasetBody } } } },
  responses: {
    202: {
      description: 'The dataset, building',
      content: {
        'application/json': {
          schema: z.object({ id: z.uuid(), status: z.literal('building') }).openapi('DatasetAccepted'),
        },
      },
    },
    ...errorResponses(400, 401, 403, 413, 415, 503),
  },
});

export const createDatasetHandler: RouteHandler<typeof createDatasetRoute, AppEnv> = async (c) => {
  const body = c.req.valid('json');
  const format = body.format ?? 'zip';
  if (body.submissionIds && new Set(body.submissionIds).size !== body.submissionIds.length) {
    throw new ApiError('invalid_request', 'submissionIds contains duplicates');
  }
  // Two round trips of one transaction: BEGIN, the claims, the profile and the insert; then the
  // queue send; then COMMIT. Queued before the commit, so that if queuing fails nothing is
  // recorded; the send cannot go earlier, since only the first round trip's answer says the
  // caller is an admin and the dataset exists.
  const statement = createDatasetStatement({
    name: body.name,
    description: body.description ?? '',
    submissionIds: body.submissionIds,
    taskId: body.taskId,
    shardMaxMembers: body.shardMaxMembers,
    shardMaxBytes: body.shardMaxBytes,
    format,
    largestMember: largestMemberBytes[format],
  });
  const id = await asPrincipalInFlights(c, ['admin'], [statement], async (_principal, [recorded]) => {
    const row = recorded![0] as { id: string | null; oversized_member: string | null; oversized_bytes: string | null };
    if (row.oversized_member !== null) {
      throw new ApiError(
        'invalid_request',
        `submission ${row.oversized_member} has ${row.oversized_bytes} bytes; one ${format} value holds at most ${largestMemberBytes[format]}: package it as zip or webdataset`,
      );
    }
    const created = row.id;
    if (!created) {
      throw new ApiError(
        'invalid_request',
        body.taskId ? 'the task has no approved submissions' : 'every submission must exist and be approved',
      );
    }
    // Queued inside the transaction: if queuing fails nothing is recorded. The message may then
    // arrive before the commit, so the job retries a dataset it cannot find yet a few times
    // (src/datasets/queue.ts) before concluding that the commit failed.
    await c.env.DATASET_BUILDS.send({ datasetId: created });
    return created;
  });
  return c.json({ id, status: 'building' as const }, 202);
};
