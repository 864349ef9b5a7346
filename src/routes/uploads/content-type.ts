import { z } from '@hono/zod-openapi';

// RFC 9110 §8.3.1: type "/" subtype, each a token, then optional parameters. Quoted parameter
// values are not accepted: the value is a signed header, and simple tokens keep it unambiguous.
const token = "[A-Za-z0-9!#$%&'*+.^_`|~-]+";
const mediaType = new RegExp(`^${token}/${token}(?:\\s*;\\s*${token}=${token})*$`);

export const contentTypeSchema = z
  .string()
  .max(200)
  .regex(mediaType, 'must be a media type such as audio/webm')
  .openapi({ example: 'audio/webm' });

/** The lower-cased `type/subtype` without parameters. */
export function mediaTypeEssence(contentType: string): string {
  return contentType.split(';', 1)[0]!.trim().toLowerCase();
}

/** Whether a task's patterns (`audio/*` or exact types) admit this content type. */
export function isContentTypeAllowed(patterns: string[], contentType: string): boolean {
  const essence = mediaTypeEssence(contentType);
  const [type] = essence.split('/');
  return patterns.some((pattern) => {
    const lower = pattern.toLowerCase();
    return lower === essence || (lower.endsWith('/*') && lower.slice(0, -2) === type);
  });
}
