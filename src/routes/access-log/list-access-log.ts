import { createRoute, z, type RouteHandler } from '@hono/zod-openapi';
import { authenticate } from '../../auth/authenticate';
import { asPrincipalInOneFlight } from '../../auth/principal';
import type { AppEnv } from '../../context';
import { accessLogStatement, toAccessLogEntries } from '../../db/access-log';
import { keysetPage } from '../paging';
import { bearerSecurity, errorResponses, timestampSchema } from '../schemas';

const accessActionSchema = z.enum([
  'submission.view',
  'bundle.create',
  'bundle.download',
  'dataset.download',
  // Administration: who changed which role, company, task or assignment.
  'user.role',
  'company.create',
  'task.create',
  'task.update',
  'task.assign',
  'task.unassign',
]);

const entrySchema = z
  .object({
    id: z.number().int(),
    occurredAt: z.string(),
    userId: z.uuid(),
    companyId: z.uuid().nullable(),
    action: accessActionSchema,
    submissionId: z.uuid().nullable(),
    bundleId: z.uuid().nullable(),
    datasetId: z.uuid().nullable(),
    subjectUserId: z.uuid().nullable().openapi({ description: 'The user whose role or assignment changed' }),
    taskId: z.uuid().nullable(),
    details: z
      .record(z.string(), z.unknown())
      .nullable()
      .openapi({ description: 'What changed ({"field": {"from", "to"}}) or what was created' }),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
  })
  .openapi('AccessLogEntry');

const accessLogQuery = z.strictObject({
  userId: z.uuid().optional(),
  companyId: z.uuid().optional(),
  action: accessActionSchema.optional(),
  datasetId: z.uuid().optional(),
  bundleId: z.uuid().optional(),
  subjectUserId: z.uuid().optional(),
  taskId: z.uuid().optional(),
  from: timestampSchema.optional().openapi({ description: 'Entries at or after this time' }),
  to: timestampSchema.optional().openapi({ description: 'Entries before this time' }),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.coerce.number().int().min(1).optional().openapi({ description: 'nextCursor from the previous page' }),
});

export const listAccessLogRoute = createRoute({
  method: 'get',
  path: '/v1/access-log',
  summary: 'Who accessed what, newest first (admins)',
  description:
    'Every view URL, bundle and dataset download, and every change an admin made to roles, companies, tasks and assignments, with who, which company, when, IP and user agent. Filters by user, company, dataset, bundle, subject user, task, action and time range; paged. A bundle download is one row per bundle, client address and hour.',
  security: bearerSecurity,
  middleware: [authenticate()] as const,
  request: { query: accessLogQuery },
  responses: {
    200: {
      description: 'A page of the access log',
      content: {
        'application/json': {
          schema: z.object({ entries: z.array(entrySchema), nextCursor: z.number().int().nullable() }),
        },
      },
    },
    ...errorResponses(400, 401, 403, 503),
  },
});

export const listAccessLogHandler: RouteHandler<typeof listAccessLogRoute, AppEnv> = async (c) => {
  const query = c.req.valid('query');
  const { rows } = await asPrincipalInOneFlight(
    c,
    ['admin'],
    [accessLogStatement({ ...query, limit: query.limit + 1, beforeId: query.cursor })],
  );
  const { items, nextCursor } = keysetPage(toAccessLogEntries(rows[0]!), query.limit, (last) => last.id);
  return c.json({ entries: items as z.infer<typeof entrySchema>[], nextCursor }, 200);
};
