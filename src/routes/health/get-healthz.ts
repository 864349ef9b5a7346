import { createRoute, z, type RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../../context';

export const getHealthzRoute = createRoute({
  method: 'get',
  path: '/healthz',
  summary: 'Liveness of the Worker',
  responses: {
    200: {
      description: 'The Worker answers',
      content: { 'application/json': { schema: z.object({ ok: z.literal(true) }) } },
    },
  },
});

// Liveness only: it reads no configuration and touches neither Postgres nor S3, so a probe costs
// nothing and a misconfigured Worker still answers (GET /readyz says what is wrong).
export const getHealthzHandler: RouteHandler<typeof getHealthzRoute, AppEnv> = (c) =>
  c.json({ ok: true as const }, 200);
