import { createRoute, z, type RouteHandler } from '@hono/zod-openapi';
import { authenticate } from '../../auth/authenticate';
import { asPrincipalInOneFlight } from '../../auth/principal';
import type { AppEnv } from '../../context';
import { setUserRoleStatement, toUsers, usersStatement, type SetRoleOutcome } from '../../db/users';
import { ApiError, type ErrorCode } from '../../errors';
import { clientOf } from '../client';
import { bearerSecurity, errorResponses, idParamsSchema } from '../schemas';
import { appRoleSchema, userSchema } from './user-schema';

const roleBody = z
  .strictObject({
    role: appRoleSchema,
    companyId: z.uuid().optional().openapi({ description: 'Required for the company role, refused for the others' }),
  })
  .refine((body) => (body.role === 'company') === (body.companyId !== undefined), {
    message: 'companyId is required for the company role and allowed for no other',
    path: ['companyId'],
  })
  .openapi('SetUserRoleRequest');

export const setUserRoleRoute = createRoute({
  method: 'put',
  path: '/v1/users/{id}/role',
  summary: "Set a user's role, and a company user's company (admins)",
  description:
    "Takes effect on the user's next request: roles are read from the database, never from the token. A change is written to the access log (`user.role`). The last admin cannot be demoted.",
  security: bearerSecurity,
  middleware: [authenticate()] as const,
  request: {
    params: idParamsSchema,
    body: { required: true, content: { 'application/json': { schema: roleBody } } },
  },
  responses: {
    200: {
      description: 'The user as they are now',
      content: { 'application/json': { schema: z.object({ user: userSchema }) } },
    },
    ...errorResponses(400, 401, 403, 404, 409, 413, 415, 503),
  },
});

const refusals: Partial<Record<SetRoleOutcome, [ErrorCode, string]>> = {
  forbidden: ['forbidden', 'not allowed for this account'],
  not_found: ['not_found', 'user not found'],
  deleted: ['conflict', 'this account was deleted'],
  company_mismatch: [
    'invalid_request',
    'companyId: companyId is required for the company role and allowed for no other',
  ],
  no_such_company: ['not_found', 'company not found'],
  last_admin: ['conflict', 'the last admin cannot be demoted; make another user an admin first'],
};

export const setUserRoleHandler: RouteHandler<typeof setUserRoleRoute, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  const { role, companyId } = c.req.valid('json');
  // The change and the user as they are after it, in one round trip. A refused change changes
  // nothing, so the user read after it is simply not used.
  const {
    rows: [[result], after],
  } = await asPrincipalInOneFlight(
    c,
    ['admin'],
    [setUserRoleStatement(id, { role, companyId: companyId ?? null }, clientOf(c)), usersStatement({ id, limit: 1 })],
  );
  const refusal = refusals[(result as { outcome: SetRoleOutcome }).outcome];
  if (refusal) throw new ApiError(...refusal);
  const user = toUsers(after!)[0]!;
  return c.json({ user }, 200);
};
