import type { MediaColumn } from './types';

/**
 * 'audio' when every content type is audio/*, 'image' when every one is image/*, else 'media'
 * (video, or kinds mixed). Media types compare case-insensitively (RFC 9110 §8.3.1). No content
 * types at all gives 'media': nothing says which decoder would fit.
 */
export function mediaColumnFor(contentTypes: Iterable<string>): MediaColumn {
  let allAudio = true;
  let allImage = true;
  let any = false;
  for (const contentType of contentTypes) {
    any = true;
    const type = contentType.trim().toLowerCase();
    if (!type.startsWith('audio/')) allAudio = false;
    if (!type.startsWith('image/')) allImage = false;
  }
  if (!any) return 'media';
  if (allAudio) return 'audio';
  if (allImage) return 'image';
  return 'media';
}
