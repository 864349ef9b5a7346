// RFC 9110 §8.3.1: type "/" subtype, each a token, then optional parameters. Quoted parameter
// values are not accepted: the value is a signed header, and simple tokens keep it unambiguous.
// The white space around `;` is OWS (RFC 9110 §5.6.3: spaces and tabs), not JavaScript's `\s`,
// which also admits line breaks and Unicode spaces that no header value may hold. The constraint
// submissions_content_type_media_type (supabase/migrations/) is this pattern.
const token = "[A-Za-z0-9!#$%&'*+.^_`|~-]+";
export const mediaTypePattern = new RegExp(`^${token}/${token}(?:[ \\t]*;[ \\t]*${token}=${token})*$`);

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

// Types a browser renders as documents that can run script, or that embed it: accepted from no
// contributor, whatever a task's pattern says (`image/*` would otherwise admit SVG), since a
// reviewer opens them from the bucket's origin. The constraint submissions_content_type_not_active
// (supabase/migrations/) refuses the same list.
export const activeContentTypes: ReadonlySet<string> = new Set([
  'text/html',
  'application/xhtml+xml',
  'image/svg+xml',
  'text/xml',
  'application/xml',
  'text/xsl',
  'text/javascript',
  'application/javascript',
  'application/x-javascript',
  'application/ecmascript',
  'text/ecmascript',
  'application/pdf',
  'application/x-shockwave-flash',
  'multipart/x-mixed-replace',
]);

/** Whether the type is one browsers treat as active content (any XML, via the `+xml` suffix of RFC 6839). */
export function isActiveContentType(contentType: string): boolean {
  const essence = mediaTypeEssence(contentType);
  return activeContentTypes.has(essence) || essence.endsWith('+xml');
}

// What a view link may show inline: audio and video a browser plays, raster images it decodes.
// None runs script. Everything else is served as an attachment of no particular type.
const inlineTypes = new Set([
  'audio/webm',
  'audio/ogg',
  'audio/mpeg',
  'audio/mp4',
  'audio/aac',
  'audio/wav',
  'audio/x-wav',
  'audio/wave',
  'audio/flac',
  'video/mp4',
  'video/webm',
  'video/quicktime',
  'video/ogg',
  'image/png',
  'image/jpeg',
  'image/webp',
  'image/gif',
  'image/avif',
  'image/heic',
]);

/**
 * The Content-Type and Content-Disposition a view link makes S3 answer with (S3 API: GetObject,
 * response-content-type and response-content-disposition), whatever is stored with the object.
 */
export function viewResponseHeaders(contentType: string): { contentType: string; contentDisposition: string } {
  const essence = mediaTypeEssence(contentType);
  if (inlineTypes.has(essence)) return { contentType: essence, contentDisposition: 'inline' };
  return { contentType: 'application/octet-stream', contentDisposition: 'attachment' };
}
