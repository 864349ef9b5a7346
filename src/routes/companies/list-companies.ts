import { createRoute, z, type RouteHandler } from '@hono/zod-openapi';
import { authenticate } from '../../auth/authenticate';
import { asPrincipal } from '../../auth/principal';
import type { AppEnv } from '../../context';
import { listCompanies } from '../../db/companies';
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
  const companies = await asPrincipal(c, ['admin'], (tx) => listCompanies(tx));
  return c.json({ companies }, 200);
};
