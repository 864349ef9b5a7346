import { createRoute, z, type RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../../context';
import { type Isolate, isolateFor } from '../../isolate';
import { log } from '../../log';
import { ApiError, errorEnvelope } from '../../errors';
import { checkNames, checkReadiness, checkTimeoutMs, reuseFailedMs, reuseReadyMs } from '../../health/readiness';
import { errorEnvelopeSchema } from '../schemas';

const outcomeSchema = z.enum(['ok', 'failed', 'timeout', 'skipped']);
const checksSchema = z
  .object(
    Object.fromEntries(checkNames.map((name) => [name, outcomeSchema])) as Record<
      (typeof checkNames)[number],
      typeof outcomeSchema
    >,
  )
  .openapi('ReadinessChecks', {
    description: 'One outcome per dependency; `skipped` when the configuration it needs is invalid',
  });

const readySchema = z.object({ status: z.literal('ready'), checks: checksSchema }).openapi('Ready');
const notReadySchema = errorEnvelopeSchema.extend({ checks: checksSchema }).openapi('NotReady', {
  description: 'The one error envelope (upstream_unavailable, naming the failing checks), with every check beside it',
});

export const getReadyzRoute = createRoute({
  method: 'get',
  path: '/readyz',
  summary: 'Readiness: configuration, Postgres and the three buckets',
  description: `Each check is bounded by ${checkTimeoutMs / 1000} s and all run in parallel; a ready result is reused for up to ${reuseReadyMs / 1000} s, a failure for up to ${reuseFailedMs / 1000} s. Answers without a token and names no secret, endpoint or upstream error.`,
  responses: {
    200: { description: 'Every dependency answers', content: { 'application/json': { schema: readySchema } } },
    503: {
      description: 'Not ready: the message names the failing checks',
      content: { 'application/json': { schema: notReadySchema } },
    },
  },
});

/**
 * Mounted before the bindings middleware: a configuration that does not parse is a failed check
 * here, not a 500. Details go to the log with the request id; the response carries only outcomes.
 */
export const getReadyzHandler: RouteHandler<typeof getReadyzRoute, AppEnv> = async (c) => {
  const requestId = c.var.requestId;
  let isolate: Isolate | Error;
  try {
    isolate = isolateFor(c.env);
  } catch (error) {
    isolate = error instanceof Error ? error : new Error(String(error));
  }
  const readiness = await checkReadiness(isolate, (promise) => c.executionCtx.waitUntil(promise));
  if (readiness.ready) return c.json({ status: 'ready' as const, checks: readiness.checks }, 200);

  for (const failure of readiness.failures) {
    log('error', 'readiness check failed', { ...failure, requestId });
  }
  const failing = readiness.failures.map((failure) => failure.check);
  const error = new ApiError('upstream_unavailable', `not ready: ${failing.join(', ')}`);
  return c.json({ ...errorEnvelope(error, requestId), checks: readiness.checks }, 503);
};
