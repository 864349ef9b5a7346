import { createRoute, z, type RouteHandler } from '@hono/zod-openapi';
import { authenticate } from '../../auth/authenticate';
import { asPrincipalInOneFlight } from '../../auth/principal';
import type { AppEnv } from '../../context';
import { createCompanyStatement } from '../../db/administration';
import { ApiError } from '../../errors';
import { clientOf } from '../client';
import { bearerSecurity, errorResponses, freeTextSchema } from '../schemas';
import { companySchema } from './list-companies';

const createBody = z
  .strictObject({ name: freeTextSchema(200).refine((value) => value.trim().length > 0, 'must not be blank') })
  .openapi('CreateCompanyRequest');

export const createCompanyRoute = createRoute({
  method: 'post',
  path: '/v1/companies',
  summary: 'Create a company (admins)',
  description:
    'Its users are made company users with PUT /v1/users/{id}/role. Written to the access log (`company.create`).',
  security: bearerSecurity,
  middleware: [authenticate()] as const,
  request: { body: { required: true, content: { 'application/json': { schema: createBody } } } },
  responses: {
    201: { description: 'Created', content: { 'application/json': { schema: z.object({ company: companySchema }) } } },
    ...errorResponses(400, 401, 403, 409, 413, 415, 503),
  },
});

export const createCompanyHandler: RouteHandler<typeof createCompanyRoute, AppEnv> = async (c) => {
  const { name } = c.req.valid('json');
  const {
    rows: [[created]],
  } = await asPrincipalInOneFlight(c, ['admin'], [createCompanyStatement(name, clientOf(c))]);
  const id = (created as { id: string | null }).id;
  if (!id) throw new ApiError('conflict', 'a company with this name exists');
  return c.json({ company: { id, name } }, 201);
};
