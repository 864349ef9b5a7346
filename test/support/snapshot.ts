import { AwsClient } from 'aws4fetch';
import type postgres from 'postgres';
import { xmlElement } from '../../src/s3/xml';

/**
 * Everything a request could change, read straight from the servers (never through the Worker):
 * every row of every table in schema `public` plus `auth.users`, and the listing of each bucket.
 * Tables are enumerated from pg_tables on every snapshot, so a table a later migration adds is
 * covered without touching this file.
 */
export interface Snapshot {
  /** "schema.table" → rows as JSON, ordered by primary key. */
  tables: Map<string, { primaryKey: string[]; rows: Record<string, unknown>[] }>;
  /** bucket → objects by key. */
  buckets: Map<string, Map<string, { size: number; etag: string; lastModified: string }>>;
}

export interface SnapshotS3 {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  buckets: { raw: string; processed: string; assets: string };
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

async function readTables(sql: postgres.Sql): Promise<Snapshot['tables']> {
  // Primary-key columns in key order; a table without one is ordered by its whole row.
  const tables = await sql<{ schema: string; name: string; primary_key: string[] }[]>`
    select t.schemaname as schema, t.tablename as name,
      coalesce((select array_agg(a.attname::text order by array_position(i.indkey::int2[], a.attnum))
                from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey::int2[])
                where i.indrelid = c.oid and i.indisprimary), '{}') as primary_key
    from pg_tables t
    join pg_namespace n on n.nspname = t.schemaname
    join pg_class c on c.relnamespace = n.oid and c.relname = t.tablename
    where t.schemaname = 'public' or (t.schemaname = 'auth' and t.tablename = 'users')
    order by 1, 2`;
  // One round trip for all tables: a union of one json aggregate per table.
  const selects = tables.map(({ schema, name, primary_key }) => {
    const table = `${quoteIdent(schema)}.${quoteIdent(name)}`;
    const order =
      primary_key.length > 0 ? primary_key.map((column) => `t.${quoteIdent(column)}`).join(', ') : 't::text';
    const label = `${schema}.${name}`.replace(/'/g, "''");
    return `select '${label}' as name, (select coalesce(jsonb_agg(to_jsonb(t) order by ${order}), '[]'::jsonb) from ${table} t) as rows`;
  });
  const rows =
    selects.length === 0
      ? []
      : await sql.unsafe<{ name: string; rows: Record<string, unknown>[] }[]>(selects.join(' union all '));
  const byName = new Map(rows.map((row) => [row.name, row.rows]));
  return new Map(
    tables.map(({ schema, name, primary_key }) => [
      `${schema}.${name}`,
      { primaryKey: primary_key, rows: byName.get(`${schema}.${name}`) ?? [] },
    ]),
  );
}

/** ListObjectsV2 (S3 API), every page, signed with the stack's own S3 credentials. */
async function listBucket(client: AwsClient, endpoint: string, bucket: string) {
  const objects = new Map<string, { size: number; etag: string; lastModified: string }>();
  let token: string | undefined;
  do {
    const url = new URL(`${endpoint}/${bucket}`);
    url.searchParams.set('list-type', '2');
    if (token) url.searchParams.set('continuation-token', token);
    const response = await client.fetch(url.toString());
    const xml = await response.text();
    if (response.status !== 200) throw new Error(`ListObjectsV2 ${bucket}: ${response.status} ${xml.slice(0, 200)}`);
    for (const [, contents] of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
      objects.set(xmlElement(contents!, 'Key') ?? '', {
        size: Number(xmlElement(contents!, 'Size')),
        etag: xmlElement(contents!, 'ETag') ?? '',
        lastModified: xmlElement(contents!, 'LastModified') ?? '',
      });
    }
    token = xmlElement(xml, 'IsTruncated') === 'true' ? xmlElement(xml, 'NextContinuationToken') : undefined;
  } while (token);
  return objects;
}

export async function takeSnapshot(sql: postgres.Sql, s3: SnapshotS3): Promise<Snapshot> {
  const client = new AwsClient({
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
    service: 's3',
    region: s3.region,
  });
  const names = [s3.buckets.raw, s3.buckets.processed, s3.buckets.assets];
  const [tables, ...listings] = await Promise.all([
    readTables(sql),
    ...names.map((bucket) => listBucket(client, s3.endpoint, bucket)),
  ]);
  return { tables, buckets: new Map(names.map((bucket, index) => [bucket, listings[index]!])) };
}

export interface SnapshotDiff {
  /** Rows added, removed or changed, over all tables. */
  rows: number;
  /** Objects added, removed or changed (size, ETag or Last-Modified), over all buckets. */
  objects: number;
  /** One line per difference, for the failure message. */
  details: string[];
}

function diffKeyed<T>(label: string, before: Map<string, T>, after: Map<string, T>, details: string[]): number {
  let changed = 0;
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const [was, is] = [before.get(key), after.get(key)];
    if (JSON.stringify(was) === JSON.stringify(is)) continue;
    changed += 1;
    details.push(
      `${label} ${key}: ${was === undefined ? 'added' : is === undefined ? 'removed' : 'changed'} ${JSON.stringify(is ?? was).slice(0, 300)}`,
    );
  }
  return changed;
}

const keyed = (primaryKey: string[], rows: Record<string, unknown>[]) =>
  new Map(
    rows.map((row) => [
      primaryKey.length > 0 ? primaryKey.map((column) => String(row[column])).join('/') : JSON.stringify(row),
      row,
    ]),
  );

export function diffSnapshots(before: Snapshot, after: Snapshot): SnapshotDiff {
  const details: string[] = [];
  let rows = 0;
  for (const name of new Set([...before.tables.keys(), ...after.tables.keys()])) {
    const [was, is] = [before.tables.get(name), after.tables.get(name)];
    const primaryKey = (is ?? was)!.primaryKey;
    rows += diffKeyed(`table ${name}`, keyed(primaryKey, was?.rows ?? []), keyed(primaryKey, is?.rows ?? []), details);
  }
  let objects = 0;
  for (const bucket of new Set([...before.buckets.keys(), ...after.buckets.keys()])) {
    objects += diffKeyed(
      `bucket ${bucket}`,
      before.buckets.get(bucket) ?? new Map(),
      after.buckets.get(bucket) ?? new Map(),
      details,
    );
  }
  return { rows, objects, details };
}
