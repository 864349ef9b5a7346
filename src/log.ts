export type LogLevel = 'info' | 'warn' | 'error';

/**
 * The one way the Worker logs: one JSON object per line, `level` and `msg` first, so Workers Logs
 * and `wrangler tail` can filter on any field. Callers pass ids and outcomes, never secrets,
 * tokens or URLs that carry a signature.
 */
export function log(level: LogLevel, msg: string, fields: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ level, msg, ...fields }));
}
