import { createRoute, z, type RouteHandler } from '@hono/zod-openapi';
import { authenticate } from '../../auth/authenticate';
import { asPrincipalInOneFlight } from '../../auth/principal';
import type { AppEnv } from '../../context';
import { type Company, companiesStatement } from '../../db/companies';
import { bearerSecurity, errorResponses } from '../schemas';

export const companySchema = z.object({ id: z.uuid(), name: z.string() }).openapi('Company');

export const listCompaniesRoute = createRoute({
  method: 'get',
  path: '/v1/companies',
  summary: 'Every company (admins)',
  security: bearerSecurity,
  middleware: [authenticate()] as const,
  responses: {
    200: {
      description: 'Companies',
      content: { 'application/json': { schema: z.object({ companies: z.array(companySchema) }) } },
    },
    ...errorResponses(401, 403, 503),
  },
});

export const listCompaniesHandler: RouteHandler<typeof listCompaniesRoute, AppEnv> = async (c) => {
  const { rows } = await asPrincipalInOneFlight(c, ['admin'], [companiesStatement]);
  const companies = rows[0] as unknown as Company[];
  return c.json({ companies }, 200);
};
