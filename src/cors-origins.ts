/**
 * The origins the apps run on, when CORS_ORIGINS does not say: the Worker's API and the raw
 * bucket's CORS rules (npm run buckets:apply, the local stack) read this one default.
 */
export const defaultCorsOrigins = 'https://*.xum-ai.app,http://localhost:*';

/** CORS_ORIGINS as written in wrangler.toml: a comma-separated list of origin patterns. */
export function parseCorsOrigins(list: string = defaultCorsOrigins): string[] {
  return list
    .split(',')
    .map((pattern) => pattern.trim())
    .filter(Boolean);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Turns origin patterns into one matcher. `*` in the host stands for one or more DNS labels
 * (`https://*.xum-ai.app`), `*` as the port for any port (`http://localhost:*`); nothing else is
 * a wildcard, so `https://evil.example/xum-ai.app` cannot match.
 */
export function originMatcher(patterns: string[]): (origin: string) => boolean {
  const expressions = patterns.map((pattern) => {
    const [scheme, rest = ''] = pattern.split('://');
    const [host = '', port] = rest.split(/:(?=[^:]*$)/);
    const hostExpression = escapeRegExp(host).replace(/\*/g, '[a-z0-9-]+(?:\\.[a-z0-9-]+)*');
    const portExpression = port === undefined ? '' : port === '*' ? '(?::\\d{1,5})?' : `:${escapeRegExp(port)}`;
    return new RegExp(`^${escapeRegExp(scheme ?? '')}://${hostExpression}${portExpression}$`, 'i');
  });
  return (origin) => expressions.some((expression) => expression.test(origin));
}
