import { createRoute, z, type RouteHandler } from '@hono/zod-openapi';
import { authenticate } from '../../auth/authenticate';
import { asPrincipalInOneFlight } from '../../auth/principal';
import type { AppEnv } from '../../context';
import { submissionPageStatement, toSubmissions } from '../../db/submissions';
import { decodeCursor, encodeCursor, keysetPage } from '../paging';
import {
  bearerSecurity,
  errorResponses,
  presentSubmission,
  submissionSchema,
  submissionStatusSchema,
} from '../schemas';

const listQuery = z.strictObject({
  status: submissionStatusSchema.optional(),
  taskId: z.uuid().optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(200).optional().openapi({ description: 'nextCursor from the previous page' }),
});

export const listSubmissionsRoute = createRoute({
  method: 'get',
  path: '/v1/submissions',
  summary: 'Submissions the caller may see, newest first',
  description: 'Contributors see their own; validators and admins see all.',
  security: bearerSecurity,
  middleware: [authenticate()] as const,
  request: { query: listQuery },
  responses: {
    200: {
      description: 'A page of submissions',
      content: {
        'application/json': {
          schema: z.object({ submissions: z.array(submissionSchema), nextCursor: z.string().nullable() }),
        },
      },
    },
    ...errorResponses(400, 401, 403, 503),
  },
});

export const listSubmissionsHandler: RouteHandler<typeof listSubmissionsRoute, AppEnv> = async (c) => {
  const query = c.req.valid('query');
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  const { rows } = await asPrincipalInOneFlight(
    c,
    ['contributor', 'validator', 'admin'],
    [submissionPageStatement({ status: query.status, taskId: query.taskId, limit: query.limit + 1, after })],
  );
  const { items: submissions, nextCursor } = keysetPage(toSubmissions(rows[0]!), query.limit, (last) =>
    encodeCursor({ createdAt: last.createdAt, id: last.id }),
  );
  return c.json({ submissions: submissions.map(presentSubmission), nextCursor }, 200);
};
