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
 * A string as a dollar-quoted constant. The tag is `$v$`, or `$vN$` for the first N whose tag
 * without its closing `$` is not in the value: then neither the tag nor a value ending in a
 * prefix of it followed by the tag can close the constant early.
 */
export function quoteLiteral(value: string): string {
  if (value.includes('\0')) throw new UnrepresentableValueError('a SQL string cannot contain NUL');
  let tag = '$v$';
  for (let n = 0; value.includes(tag.slice(0, -1)); n += 1) tag = `$v${n}$`;
  return `${tag}${value}${tag}`;
}

export type SqlValue = string | number | bigint | boolean | null | undefined | Date | SqlText;

function render(value: SqlValue): string {
  if (isSqlText(value)) return value.text;
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('a SQL number must be finite');
    return quoteLiteral(String(value));
  }
  if (typeof value === 'bigint') return quoteLiteral(value.toString());
  if (value instanceof Date) return `${quoteLiteral(value.toISOString())}::timestamptz`;
  return quoteLiteral(value);
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
  fragment(`array[${values.map(quoteLiteral).join(', ')}]::${type}[]`);

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
