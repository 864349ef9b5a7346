import { describe, expect, it } from 'vitest';
import { isActiveContentType, mediaTypePattern } from '../../../src/uploads/media-types';

// The upload's media type is signed into a header (Content-Type), and the constraint
// submissions_content_type_media_type holds the same pattern: the white space around a
// parameter's `;` is OWS, spaces and tabs (RFC 9110 §5.6.3), nothing else.
describe('mediaTypePattern', () => {
  it.each([
    'audio/webm',
    'audio/webm;codecs=opus',
    'audio/webm ; codecs=opus',
    'audio/webm\t;\tcodecs=opus;rate=48000',
  ])('accepts %j', (value) => {
    expect(mediaTypePattern.test(value)).toBe(true);
  });

  it.each([
    'audio/webm\n;codecs=opus',
    'audio/webm;\r\ncodecs=opus',
    'audio/webm;\u000bcodecs=opus',
    'audio/webm;\u00a0codecs=opus',
    'audio/webm\u2028;codecs=opus',
    'audio/webm;\ufeffcodecs=opus',
    'audio/webm;\u3000codecs=opus',
    'audio/webm; codecs="opus"',
    'audio',
  ])('refuses %j', (value) => {
    expect(mediaTypePattern.test(value)).toBe(false);
  });
});

describe('isActiveContentType', () => {
  it.each(['image/svg+xml', 'IMAGE/SVG+XML; charset=utf-8', 'text/html', 'application/pdf', 'image/vnd.evil+xml'])(
    '%j is active content',
    (value) => {
      expect(isActiveContentType(value)).toBe(true);
    },
  );

  it.each(['image/png', 'application/xml-dtd', 'audio/webm;codecs=opus'])('%j is not', (value) => {
    expect(isActiveContentType(value)).toBe(false);
  });
});
