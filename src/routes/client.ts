import type { AppContext } from '../context';

/** Who is asking, as the access log records it: the address Cloudflare saw and the user agent. */
export function clientOf(c: AppContext): { ip: string | null; userAgent: string | null } {
  return { ip: c.req.header('cf-connecting-ip') ?? null, userAgent: c.req.header('user-agent')?.slice(0, 512) ?? null };
}
