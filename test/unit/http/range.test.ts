import { describe, expect, it } from 'vitest';
import { parseRangeHeader } from '../../../src/http/range';

describe('parseRangeHeader (RFC 9110 §14.1.2)', () => {
  const total = 1000;

  it('reads a closed range, clamping the end to the last byte', () => {
    expect(parseRangeHeader('bytes=0-499', total)).toEqual({ start: 0, end: 499 });
    expect(parseRangeHeader('bytes=999-999', total)).toEqual({ start: 999, end: 999 });
    expect(parseRangeHeader('bytes=500-5000', total)).toEqual({ start: 500, end: 999 });
    expect(parseRangeHeader('bytes=10-99999999999999999999999', total)).toEqual({ start: 10, end: 999 });
  });

  it('reads an open range', () => {
    expect(parseRangeHeader('bytes=900-', total)).toEqual({ start: 900, end: 999 });
    expect(parseRangeHeader('bytes=0-', total)).toEqual({ start: 0, end: 999 });
  });

  it('reads a suffix range, the whole representation when the suffix is longer', () => {
    expect(parseRangeHeader('bytes=-1', total)).toEqual({ start: 999, end: 999 });
    expect(parseRangeHeader('bytes=-100', total)).toEqual({ start: 900, end: 999 });
    expect(parseRangeHeader('bytes=-5000', total)).toEqual({ start: 0, end: 999 });
  });

  it('calls a start at or beyond the end, or a zero suffix, unsatisfiable', () => {
    expect(parseRangeHeader('bytes=1000-', total)).toBe('unsatisfiable');
    expect(parseRangeHeader('bytes=1000-2000', total)).toBe('unsatisfiable');
    expect(parseRangeHeader('bytes=99999999999999999999-', total)).toBe('unsatisfiable');
    expect(parseRangeHeader('bytes=-0', total)).toBe('unsatisfiable');
  });

  it('ignores invalid syntax, other units and several ranges (serve the whole, 200)', () => {
    expect(parseRangeHeader('bytes=5-3', total)).toBe('ignore');
    expect(parseRangeHeader('bytes=0-1,5-6', total)).toBe('ignore');
    expect(parseRangeHeader('bytes=0-1, -5', total)).toBe('ignore');
    expect(parseRangeHeader('bytes=-', total)).toBe('ignore');
    expect(parseRangeHeader('bytes=', total)).toBe('ignore');
    expect(parseRangeHeader('bytes=a-b', total)).toBe('ignore');
    expect(parseRangeHeader('bytes=1.5-2', total)).toBe('ignore');
    expect(parseRangeHeader('bytes=+1-2', total)).toBe('ignore');
    expect(parseRangeHeader('items=0-1', total)).toBe('ignore');
    expect(parseRangeHeader('0-1', total)).toBe('ignore');
    expect(parseRangeHeader('', total)).toBe('ignore');
  });

  it('compares the unit case-insensitively and skips empty list elements (§5.6.1.2)', () => {
    expect(parseRangeHeader('Bytes=0-9', total)).toEqual({ start: 0, end: 9 });
    expect(parseRangeHeader('bytes=0-9,', total)).toEqual({ start: 0, end: 9 });
    expect(parseRangeHeader('bytes= 0-9 ', total)).toEqual({ start: 0, end: 9 });
  });

  it('serves ranges of archives beyond 4 GiB exactly', () => {
    const large = 2 ** 33 + 123;
    expect(parseRangeHeader('bytes=4294967296-', large)).toEqual({ start: 2 ** 32, end: large - 1 });
    expect(parseRangeHeader('bytes=-10', large)).toEqual({ start: large - 10, end: large - 1 });
  });
});
