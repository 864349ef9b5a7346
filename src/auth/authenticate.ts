import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../context';
import { ApiError } from '../errors';
import { log } from '../log';
import { KeySetUnavailableError, TokenRejectedError, verifyAccessToken } from './verify-token';

/**
 * Requires `Authorization: Bearer <Supabase access token>` (RFC 6750 §2.1). Every failure gets the
 * same message, so a caller cannot learn which check refused the token; the reason is logged.
 */
export function authenticate() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const match = /^Bearer ([A-Za-z0-9_.-]+)$/.exec(c.req.header('authorization') ?? '');
    if (!match) throw new ApiError('unauthorized', 'missing or invalid access token');
    const { supabaseUrl, supabaseJwtSecret, allowAnonymousUsers } = c.var.config;
    try {
      c.set(
        'token',
        await verifyAccessToken(match[1]!, {
          supabaseUrl,
          findKey: c.var.isolate.findSigningKey,
          jwtSecret: supabaseJwtSecret,
          allowAnonymous: allowAnonymousUsers,
        }),
      );
    } catch (error) {
      // Not the token's fault: no signing keys could be had from the Auth server (RFC 9110 §15.6.4).
      if (error instanceof KeySetUnavailableError) {
        log('error', 'signing keys unavailable', { detail: error.message, requestId: c.var.requestId });
        throw new ApiError('upstream_unavailable', 'sign-in cannot be checked right now, try again shortly');
      }
      if (!(error instanceof TokenRejectedError)) throw error;
      log('warn', 'token rejected', { reason: error.message, requestId: c.var.requestId });
      throw new ApiError('unauthorized', 'missing or invalid access token');
    }
    await next();
  });
}
