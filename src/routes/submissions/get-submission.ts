import { createRoute, z, type RouteHandler } from '@hono/zod-openapi';
import { authenticate } from '../../auth/authenticate';
import { asPrincipalInOneFlight } from '../../auth/principal';
import type { AppEnv } from '../../context';
import { firstSubmission, submissionStatement } from '../../db/submissions';
import { ApiError } from '../../errors';
import { bearerSecurity, errorResponses, idParamsSchema, presentSubmission, submissionSchema } from '../schemas';

export const getSubmissionRoute = createRoute({
  method: 'get',
  path: '/v1/submissions/{id}',
  summary: 'One submission, if the caller may see it',
  security: bearerSecurity,
  middleware: [authenticate()] as const,
  request: { params: idParamsSchema },
  responses: {
    200: {
      description: 'The submission',
      content: { 'application/json': { schema: z.object({ submission: submissionSchema }) } },
    },
    ...errorResponses(400, 401, 403, 404, 503),
  },
});

export const getSubmissionHandler: RouteHandler<typeof getSubmissionRoute, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  const { rows } = await asPrincipalInOneFlight(c, ['contributor', 'validator', 'admin'], [submissionStatement(id)]);
  const submission = firstSubmission(rows[0]);
  if (!submission) throw new ApiError('not_found', 'submission not found');
  return c.json({ submission: presentSubmission(submission) }, 200);
};
