import { createRoute, z, type RouteHandler } from '@hono/zod-openapi';
import { authenticate } from '../../auth/authenticate';
import { asPrincipalInOneFlight } from '../../auth/principal';
import type { AppEnv } from '../../context';
import { toUsers, usersStatement } from '../../db/users';
import { decodeCursor, encodeCursor, keysetPage } from '../paging';
import { bearerSecurity, errorResponses } from '../schemas';
import { appRoleSchema, userSchema } from './user-schema';

const listQuery = z.strictObject({
  email: z.email().max(320).optional().openapi({ description: 'Exactly this address (case-insensitive)' }),
  role: appRoleSchema.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(200).optional().openapi({ description: 'nextCursor from the previous page' }),
});

export const listUsersRoute = createRoute({
  method: 'get',
  path: '/v1/users',
  summary: 'Users with their role and company, newest first (admins)',
  description: 'Everyone who signed up is here: signing up makes a contributor. Deleted accounts stay, anonymised.',
  security: bearerSecurity,
  middleware: [authenticate()] as const,
  request: { query: listQuery },
  responses: {
    200: {
      description: 'A page of users',
      content: {
        'application/json': { schema: z.object({ users: z.array(userSchema), nextCursor: z.string().nullable() }) },
      },
    },
    ...errorResponses(400, 401, 403, 503),
  },
});

export const listUsersHandler: RouteHandler<typeof listUsersRoute, AppEnv> = async (c) => {
  const query = c.req.valid('query');
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  const { rows } = await asPrincipalInOneFlight(
    c,
    ['admin'],
    [usersStatement({ email: query.email, role: query.role, limit: query.limit + 1, after })],
  );
  const { items: users, nextCursor } = keysetPage(toUsers(rows[0]!), query.limit, (last) =>
    encodeCursor({ createdAt: last.createdAt, id: last.id }),
  );
  return c.json({ users, nextCursor }, 200);
};
