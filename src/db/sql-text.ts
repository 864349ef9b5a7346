/**
 * SQL text with its values written in as literals, so that a statement carries no parameters.
 *
 * Why: postgres.js sends a statement with parameters it has not prepared on this connection as
 * Parse + Describe first and waits for the parameter types before it binds (one extra round trip),
 * and it sends nothing else on the connection meanwhile. Every request opens its own connection
 * (src/db/client.ts), so every parameterised statement costs two round trips and ends the
 * pipeline. A statement without parameters goes out as Parse, Bind, Execute and Sync at once and
 * the next statement can follow it in the same write.
 *
 * Values become dollar-quoted string constants (PostgreSQL manual, 4.1.2.4 "Dollar-Quoted String
 * Constants"): their content is taken literally, no escape is processed, whatever
 * `standard_conforming_strings` says; the tag is chosen so that it does not occur in the value.
 * Like an untyped parameter, such a constant gets its type from where it stands, or from a cast.
 */
export interface SqlText {
  readonly text: string;
}

const isSqlText = (value: unknown): value is SqlText =>
  typeof value === 'object' && value !== null && sqlTextMarker in value;

const sqlTextMarker = Symbol('sql text');

function fragment(text: string): SqlText {
  return { text, [sqlTextMarker]: true } as SqlText;
}

/** A value PostgreSQL cannot hold: text never contains NUL (manual, 8.3 "Character Types"). */
export class UnrepresentableValueError extends TypeError {
  override name = 'UnrepresentableValueError';
}

/**
 * A string as a dollar-quoted constant, with a tag whose text up to its last `$` does not occur
 * in the value: then neither the tag nor a value ending in a prefix of it can close the constant
 * early (the tag's only `$`s are its first and last characters, so an occurrence that began inside
 * the value would need the value to end with the tag without its closing `$`).
 *
 * The tag is `$v$` when the value does not contain `$v`, else `$v` and one more `0` than the
 * longest run of digits after any `$v` in the value: one pass over the value, however hostile.
 * (Trying `$v0$`, `$v1$`… in turn searched the whole value once per tag: a value holding
 * `$v0` … `$v99999` cost 100,000 searches of itself, and the caller's JWT claims, which carry
 * user-editable metadata, are written in on every request.)
 */
export function quoteLiteral(value: string): string {
  // At run time too: a value typed `any` (an array, an object) would otherwise be stringified
  // inside a tag chosen for something else.
  if (typeof value !== 'string') throw new TypeError(`a SQL literal must be a string, not ${describe(value)}`);
  if (value.includes('\0')) throw new UnrepresentableValueError('a SQL string cannot contain NUL');
  const tag = dollarQuoteTag(value);
  return `${tag}${value}${tag}`;
}

const isDigit = (code: number) => code >= 48 && code <= 57;

function dollarQuoteTag(value: string): string {
  let longestDigits = -1;
  // A run of digits holds no `$`, so each search starts past the previous run: linear overall.
  for (let at = value.indexOf('$v'); at >= 0; at = value.indexOf('$v', at + 2)) {
    let end = at + 2;
    while (end < value.length && isDigit(value.charCodeAt(end))) end += 1;
    longestDigits = Math.max(longestDigits, end - at - 2);
  }
  return longestDigits < 0 ? '$v$' : `$v${'0'.repeat(longestDigits + 1)}$`;
}

const describe = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'an array' : `a value of type ${typeof value}`;

export type SqlValue = string | number | bigint | boolean | null | undefined | Date | SqlText;

/**
 * Only the kinds SqlValue names; anything else (an array, a plain object, a symbol) is refused
 * rather than stringified: `array()` and `jsonb()` write those, each element quoted on its own.
 */
function render(value: SqlValue): string {
  if (typeof value === 'string') return quoteLiteral(value);
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('a SQL number must be finite');
    return quoteLiteral(String(value));
  }
  if (typeof value === 'bigint') return quoteLiteral(value.toString());
  if (value instanceof Date) return `${quoteLiteral(value.toISOString())}::timestamptz`;
  if (isSqlText(value)) return value.text;
  throw new TypeError(
    `a SQL value must be a string, number, bigint, boolean, Date, null or SQL text, not ${describe(value)}`,
  );
}

/** `sql\`select ... where id = ${id}\`` with every value written in as a literal. */
export function sql(strings: TemplateStringsArray, ...values: SqlValue[]): SqlText {
  let text = strings[0]!;
  values.forEach((value, index) => {
    text += render(value) + strings[index + 1]!;
  });
  return fragment(text);
}

/** Trusted SQL text, written by this code base, never by a caller. */
export const raw = (text: string): SqlText => fragment(text);

/** Strings as an array constant of `type` (a trusted type name such as `text` or `uuid`), in order. */
export const array = (values: readonly string[], type: 'text' | 'uuid'): SqlText =>
  fragment(`array[${values.map((value) => quoteLiteral(value)).join(', ')}]::${type}[]`);

/**
 * A value one statement of a flight hands to a later one, which cannot see the first one's answer
 * (they leave together): a transaction-local setting (`set_config(..., true)`), gone when the
 * flight's transaction ends. `keep` wraps the value's expression; `value` reads it back as text,
 * null when the expression was null.
 */
export function flightValue(name: 'created_task' | 'created_bundle') {
  const setting = `'gateway.${name}'`;
  return {
    keep: (expression: SqlText): SqlText =>
      fragment(`set_config(${setting}, coalesce((${expression.text})::text, ''), true)`),
    value: fragment(`nullif(current_setting(${setting}), '')`),
  };
}

/** A value as a `jsonb` constant. */
export const jsonb = (value: unknown): SqlText => fragment(`${quoteLiteral(JSON.stringify(value))}::jsonb`);
