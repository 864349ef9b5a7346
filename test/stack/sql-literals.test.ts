import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type LocalPostgres } from '../../scripts/lib/postgres';
import { array, quoteLiteral, sql, UnrepresentableValueError } from '../../src/db/sql-text';

// Values written into SQL text (src/db/sql-text.ts) read back exactly from real PostgreSQL and from
// PGlite (the stack's embedded database), through the same path the gateway uses: several
// statements in one simple Query message, no parameters. A value that could end its constant
// early would change the statement, the number of answers, or what comes back.

const hostile = [
  '',
  "it's",
  "'; drop table hostile_canary; --",
  '$$',
  '$v$',
  '$v$; drop table hostile_canary; select $v$',
  '$v0$',
  '$v$$v0$$v1$',
  'ends with $',
  'ends with $v',
  'ends with $v0',
  '\\',
  "\\'; drop table hostile_canary; --",
  "E'\\x41'",
  'line\nbreak\r\n\ttab',
  'unicode: ünïcödé – 日本語 – 🎧 – \u202e',
  '\u0001\u001f\u007f',
  `${'$v$'.repeat(1000)}${'x'.repeat(200_000)}`,
  '$tag$ $v00 $v0$v00$v000 $v',
  '\\$v$\\',
  // A megabyte holding every tag the old search tried in turn ($v0 … $v99999), then `$v` to the end.
  Array.from({ length: 100_000 }, (_, n) => `$v${n}`)
    .join('')
    .padEnd(1_048_576, '$v'),
];

for (const engine of ['postgresql', 'pglite'] as const) {
  describe(`dollar-quoted constants in ${engine}`, () => {
    let database: LocalPostgres;
    let client: postgres.Sql;

    beforeAll(async () => {
      database = await startPostgres({ prefer: engine === 'pglite' ? 'pglite' : undefined });
      client = postgres(database.url, { max: 1, fetch_types: false, onnotice: () => {} });
      await client.unsafe('create table hostile_canary (id int)');
    }, 120_000);
    afterAll(async () => {
      await client?.end({ timeout: 2 });
      await database?.stop();
    });

    it('runs on the engine asked for', () => {
      // Without PostgreSQL's binaries, startPostgres falls back to PGlite: this names what ran.
      expect(['postgresql', 'pglite']).toContain(database.kind);
      if (engine === 'pglite') expect(database.kind).toBe('pglite');
    });

    it('every hostile value comes back exactly, one answer per statement, nothing else run', async () => {
      const statements = hostile.map((value, index) => sql`select ${index}::int as i, ${value} as v`.text);
      // One message, as the gateway sends a route's statements.
      const answers = (await client.unsafe(statements.join(';\n'))) as unknown as { i: number; v: string }[][];
      expect(answers).toHaveLength(hostile.length);
      answers.forEach((rows, index) => {
        expect(rows).toHaveLength(1);
        expect(rows[0]!.i).toBe(index);
        expect(rows[0]!.v === hostile[index], `value ${index}`).toBe(true);
      });
      expect(await client.unsafe('select count(*)::int as n from hostile_canary')).toEqual([{ n: 0 }]);
    });

    it('an array of every hostile value comes back exactly, element by element, nothing else run', async () => {
      const statement = sql`select v from unnest(${array(hostile, 'text')}) with ordinality as t(v, n) order by n`;
      const [rows, after] = (await client.unsafe(`${statement.text};\nselect 1 as after`)) as unknown as [
        { v: string }[],
        { after: number }[],
      ];
      expect(rows).toHaveLength(hostile.length);
      rows.forEach((row, index) => {
        expect(row.v === hostile[index], `element ${index}`).toBe(true);
      });
      expect(rows.at(-1)!.v.length).toBe(1_048_576);
      expect(after).toEqual([{ after: 1 }]);
      expect(await client.unsafe('select count(*)::int as n from hostile_canary')).toEqual([{ n: 0 }]);
    });

    it('NUL never reaches the server: refused while the text is written', () => {
      expect(() => sql`select ${'a\0b'}`).toThrow(UnrepresentableValueError);
      expect(() => array(['a', '\0'], 'text')).toThrow(UnrepresentableValueError);
    });

    it('whatever standard_conforming_strings says: no escape is processed in a dollar-quoted constant', async () => {
      const value = "\\'; drop table hostile_canary; --\\";
      for (const setting of ['on', 'off']) {
        const answers = (await client.unsafe(
          `set standard_conforming_strings = ${setting}; select ${quoteLiteral(value)} as v`,
        )) as unknown as unknown[];
        expect(answers.at(-1)).toEqual([{ v: value }]);
      }
      expect(await client.unsafe('select count(*)::int as n from hostile_canary')).toEqual([{ n: 0 }]);
    });
  });
}
