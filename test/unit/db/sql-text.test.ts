import { describe, expect, it } from 'vitest';
import { array, flightValue, jsonb, quoteLiteral, raw, sql, UnrepresentableValueError } from '../../../src/db/sql-text';

// The gateway writes values into SQL text as dollar-quoted constants (PostgreSQL manual, 4.1.2.4):
// between the opening tag and the first later occurrence of the same tag, every character is
// taken literally. So a constant is safe exactly when the tag does not occur in value + tag before
// the end. These tests read constants back the way the server's lexer does.

/** The content of the dollar-quoted constant at the start of `text`, as PostgreSQL's lexer ends it, and what follows. */
function readConstant(text: string): { content: string; rest: string } {
  const tag = /^\$[A-Za-z_][A-Za-z_0-9]*\$/.exec(text)?.[0];
  if (!tag) throw new Error(`not a dollar-quoted constant: ${text.slice(0, 20)}`);
  const end = text.indexOf(tag, tag.length);
  if (end < 0) throw new Error('unterminated constant');
  return { content: text.slice(tag.length, end), rest: text.slice(end + tag.length) };
}

const hostile = [
  '',
  'plain',
  "it's",
  "'; drop table public.submissions; --",
  '$$',
  '$$ || $$',
  '$v$',
  '$v$; select 1; $v$',
  '$v0$',
  '$v$$v0$$v1$$v2$',
  '$tag$ $v00 $v0$v00$v000 $v',
  '$v9$v99999999999999999999',
  'ends with $',
  'ends with $v',
  'ends with $v0',
  '$v',
  'v$',
  '\\',
  "\\'",
  "E'\\x41'",
  'line\nbreak\r\n\ttab',
  'unicode: ünïcödé – 日本語 – 🎧 – \u202e',
  '\u0001\u001f\u007f',
  `long ${'$v$'.repeat(2000)} ${'x'.repeat(100_000)}`,
];

describe('quoteLiteral', () => {
  it.each(hostile.map((value) => [value.slice(0, 40), value]))(
    '%j reads back exactly, nothing after it',
    (_, value) => {
      const quoted = quoteLiteral(value);
      expect(readConstant(quoted)).toEqual({ content: value, rest: '' });
    },
  );

  it('picks a tag with one more digit than any run of digits after $v in the value', () => {
    expect(quoteLiteral('a')).toBe('$v$a$v$');
    expect(quoteLiteral('a$v')).toBe('$v0$a$v$v0$');
    expect(quoteLiteral('$v and $v0')).toBe('$v00$$v and $v0$v00$');
    expect(quoteLiteral('$v123 and $v4')).toBe('$v0000$$v123 and $v4$v0000$');
  });

  it('a megabyte holding $v0 … $v99999 (every tag the old search tried) is one constant', () => {
    // Trying $v0$, $v1$… in turn searched this value 100,001 times: it never finished.
    const value = Array.from({ length: 100_000 }, (_, n) => `$v${n}`)
      .join('')
      .padEnd(1_048_576, '$v');
    const quoted = quoteLiteral(value);
    expect(quoted.startsWith('$v000000$')).toBe(true);
    expect(readConstant(quoted)).toEqual({ content: value, rest: '' });
  });

  it('refuses anything but a string, whatever its static type said', () => {
    for (const value of [['$v$; select 1; $v$'], { toString: () => '$v$' }, 1, null] as unknown as string[])
      expect(() => quoteLiteral(value)).toThrow(TypeError);
  });

  it('refuses NUL, which no PostgreSQL text holds', () => {
    expect(() => quoteLiteral('a\0b')).toThrow(UnrepresentableValueError);
    expect(() => sql`select ${'\0'}`).toThrow(UnrepresentableValueError);
  });
});

describe('sql', () => {
  it('writes every kind of value as a constant and leaves the template text as written', () => {
    const at = new Date('2026-11-29T10:00:00.123Z');
    const statement = sql`select ${'x'}, ${42}, ${12345678901234567890n}, ${true}, ${false}, ${null}, ${undefined}, ${at}`;
    expect(statement.text).toBe(
      'select $v$x$v$, $v$42$v$, $v$12345678901234567890$v$, true, false, null, null, $v$2026-11-29T10:00:00.123Z$v$::timestamptz',
    );
  });

  it('nests statements and trusted text verbatim, and refuses numbers that are not finite', () => {
    expect(sql`select * from t where ${sql`a = ${'1'}`} ${raw('order by a')}`.text).toBe(
      'select * from t where a = $v$1$v$ order by a',
    );
    expect(() => sql`select ${Number.NaN}`).toThrow(TypeError);
    expect(() => sql`select ${Number.POSITIVE_INFINITY}`).toThrow(TypeError);
  });

  it('a value that looks like SQL or like another placeholder stays one constant', () => {
    const statement = sql`select ${'$v$; delete from x; select $v$'} as a, ${'$1'} as b`;
    const afterSelect = statement.text.slice('select '.length);
    const first = readConstant(afterSelect);
    expect(first.content).toBe('$v$; delete from x; select $v$');
    expect(first.rest.startsWith(' as a, ')).toBe(true);
    expect(readConstant(first.rest.slice(' as a, '.length))).toEqual({ content: '$1', rest: ' as b' });
  });

  it('an array or object given as a value is refused, never stringified inside a constant', () => {
    // `$v$` does not equal any element, so the old search kept `$v$`, and the array's text closed it.
    for (const value of [['$v$; delete from x; select $v$'], ['$$', '$v'], { a: '$v$' }])
      expect(() => sql`select ${value as never}`).toThrow(TypeError);
  });

  it('array() quotes each element on its own: every hostile value reads back, in order', () => {
    let rest = array(hostile, 'text').text;
    expect(rest.startsWith('array[')).toBe(true);
    rest = rest.slice('array['.length);
    const read: string[] = [];
    for (;;) {
      const constant = readConstant(rest);
      read.push(constant.content);
      if (!constant.rest.startsWith(', ')) {
        expect(constant.rest).toBe(']::text[]');
        break;
      }
      rest = constant.rest.slice(2);
    }
    expect(read).toEqual(hostile);
    expect(() => array(['a', 'b\0'], 'text')).toThrow(UnrepresentableValueError);
  });

  it('arrays and JSON are constants too', () => {
    expect(array(["a'b", '$v$'], 'text').text).toBe("array[$v$a'b$v$, $v0$$v$$v0$]::text[]");
    expect(array([], 'uuid').text).toBe('array[]::uuid[]');
    expect(jsonb({ a: '$v$' }).text).toBe(`$v0$${JSON.stringify({ a: '$v$' })}$v0$::jsonb`);
  });

  it('a flight value keeps an expression in a transaction-local setting and reads it back', () => {
    const created = flightValue('created_task');
    expect(created.keep(sql`f(${'x'})`).text).toBe(
      "set_config('gateway.created_task', coalesce((f($v$x$v$))::text, ''), true)",
    );
    expect(created.value.text).toBe("nullif(current_setting('gateway.created_task'), '')");
  });
});
