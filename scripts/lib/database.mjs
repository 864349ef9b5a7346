// Applies the Supabase baseline (only what Supabase itself provides), the migrations and the demo
// seed. Migrations are recorded in supabase_migrations.schema_migrations, the table the Supabase
// CLI uses, so a project migrated here and one migrated by `supabase db push` agree.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';

const root = new URL('../../', import.meta.url).pathname;

export async function migrate(url, { seed = true } = {}) {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(readFileSync(join(root, 'scripts/sql/supabase-baseline.sql'), 'utf8'));
    await sql.unsafe(`
      create schema if not exists supabase_migrations;
      create table if not exists supabase_migrations.schema_migrations (version text primary key, statements text[], name text);
    `);
    const applied = new Set((await sql`select version from supabase_migrations.schema_migrations`).map((row) => row.version));
    const files = readdirSync(join(root, 'migrations')).filter((name) => name.endsWith('.sql')).sort();
    for (const file of files) {
      const [version, ...rest] = file.replace(/\.sql$/, '').split('_');
      if (applied.has(version)) continue;
      const text = readFileSync(join(root, 'migrations', file), 'utf8');
      await sql.begin(async (tx) => {
        await tx.unsafe(text);
        await tx`insert into supabase_migrations.schema_migrations (version, name) values (${version}, ${rest.join('_')})`;
      });
    }
    if (seed) await sql.unsafe(readFileSync(join(root, 'scripts/sql/seed.sql'), 'utf8'));
  } finally {
    await sql.end({ timeout: 5 });
  }
}
