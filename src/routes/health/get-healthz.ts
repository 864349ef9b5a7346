import { createRoute, z, type RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../../context';

export const getHealthz = createRoute({
  method: 'get',
  path: '/healthz',
  summary: 'Liveness of the Worker',
  responses: {
    200: { description: 'The Worker answers', content: { 'application/json': { schema: z.object({ ok: z.literal(true) }) } } },
  },
});

// Liveness only: it touches neither Postgres nor S3, so a load balancer probe costs nothing.
export const getHealthzHandler: RouteHandler<typeof getHealthz, AppEnv> = (c) => c.json({ ok: true as const }, 200);
