/**
 * postgres.js's socket polyfill for workerd (postgres/cf/polyfills.js) leaves two promise
 * rejections nobody can catch:
 *  - after `sql.end()` the connection drops its socket listeners while the socket's read loop is
 *    still pending, so "Stream was cancelled." surfaces on every close (porsager/postgres#1202);
 *  - when the TCP connect itself fails, the writer's `ready` promise rejects unobserved, with
 *    workerd's connect error (the query that needed the connection fails properly on its own).
 * Exactly these two are recognised, so the Worker and the test runner can ignore them and still
 * see every other unhandled rejection.
 */
export function isPostgresSocketLeftover(reason: unknown): boolean {
  if (!(reason instanceof Error) && !(typeof reason === 'object' && reason !== null && 'message' in reason))
    return false;
  const { message, stack = '' } = reason as { message: unknown; stack?: string };
  if (message === 'Stream was cancelled.') return /postgres[\\/]cf[\\/]polyfills/.test(stack);
  return message === 'proxy request failed, cannot connect to the specified address' && !/\n\s+at /.test(stack);
}
