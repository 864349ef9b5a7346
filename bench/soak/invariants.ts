// The checks after the run, against PostgreSQL and S3 directly (never through the proxies):
// objects against their rows and the ledger, rows against objects, datasets settled, and the
// access log against every URL the answers handed out.
import { createHash } from 'node:crypto';
import { AwsClient } from 'aws4fetch';
import type postgres from 'postgres';
import type { LocalS3 } from '../../scripts/lib/local-s3';
import type { World } from './world';

export interface Check {
  name: string;
  value: string;
  /** null: reported, not a condition of the run; 'note': worth a look, not a condition either. */
  ok: boolean | null | 'note';
  /** What broke, a few examples. */
  details?: string[];
}

const completedStatuses = ['uploaded', 'approved', 'rejected'];

function s3Client(s3: LocalS3) {
  const client = new AwsClient({
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
    service: 's3',
    region: s3.region,
  });
  return {
    async list(bucket: string, prefix: string): Promise<string[]> {
      const keys: string[] = [];
      for (let token: string | undefined, more = true; more; ) {
        const query = new URLSearchParams({
          'list-type': '2',
          prefix,
          ...(token ? { 'continuation-token': token } : {}),
        });
        const response = await client.fetch(`${s3.endpoint}/${bucket}?${query}`);
        const xml = await response.text();
        if (response.status !== 200) throw new Error(`listing ${bucket}/${prefix}: ${response.status} ${xml}`);
        keys.push(...[...xml.matchAll(/<Key>([^<]+)<\/Key>/g)].map((match) => match[1]!));
        token = xml.match(/<NextContinuationToken>([^<]+)<\/NextContinuationToken>/)?.[1];
        more = /<IsTruncated>true<\/IsTruncated>/.test(xml) && token !== undefined;
      }
      return keys;
    },
    async read(bucket: string, key: string): Promise<{ status: number; size: number; sha256: string }> {
      const response = await client.fetch(`${s3.endpoint}/${bucket}/${key}`);
      const bytes = Buffer.from(await response.arrayBuffer());
      return {
        status: response.status,
        size: bytes.byteLength,
        sha256: createHash('sha256').update(bytes).digest('hex'),
      };
    },
  };
}

/** Runs `work` over `items`, `lanes` at a time. */
async function inLanes<T>(items: T[], lanes: number, work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

const examples = (lines: string[]) => (lines.length > 5 ? [...lines.slice(0, 5), `… ${lines.length - 5} more`] : lines);

export async function checkStorage(world: World, sql: postgres.Sql, s3: LocalS3): Promise<Check[]> {
  const store = s3Client(s3);
  const rows = await sql<
    { id: string; status: string; object_key: string; size: string | null; sha256: string | null }[]
  >`
    select id, status, object_key, size::text, sha256 from public.submissions`;
  const byKey = new Map(rows.map((row) => [row.object_key, row]));
  const completedRows = rows.filter((row) => completedStatuses.includes(row.status));

  const missing: string[] = [];
  const mismatched: string[] = [];
  await inLanes(completedRows, 4, async (row) => {
    const object = await store.read(s3.buckets.raw, row.object_key);
    if (object.status !== 200) {
      missing.push(`${row.status} ${row.id}: GET ${row.object_key} answered ${object.status}`);
      return;
    }
    const promised = world.completed.get(row.id);
    if (Number(row.size) !== object.size || row.sha256 !== object.sha256) {
      mismatched.push(`${row.id}: row ${row.size} ${row.sha256}, object ${object.size} ${object.sha256}`);
    } else if (promised && (promised.size !== object.size || promised.sha256 !== object.sha256)) {
      mismatched.push(
        `${row.id}: uploaded ${promised.size} ${promised.sha256}, object ${object.size} ${object.sha256}`,
      );
    }
  });
  const lost = [...world.completed.keys()]
    .filter((id) => !completedRows.some((row) => row.id === id))
    .map((id) => `${id}: completed (200) but its row is not uploaded, approved or rejected`);

  const rawKeys = await store.list(s3.buckets.raw, 'raw/');
  const orphans = rawKeys.filter((key) => !byKey.has(key)).map((key) => `${key}: no submission row`);
  const multipart = [...world.completed.values()].filter((entry) => entry.multipart).length;

  return [
    {
      name: 'completed uploads (200 to the client)',
      value: `${world.completed.size} (${multipart} multipart)`,
      ok: null,
    },
    {
      name: 'completed rows: object = recorded size + SHA-256 (= the bytes sent)',
      value: `${completedRows.length - missing.length - mismatched.length}/${completedRows.length}`,
      ok: mismatched.length === 0,
      details: examples(mismatched),
    },
    {
      name: 'uploaded/approved/rejected rows without their object',
      value: String(missing.length),
      ok: missing.length === 0,
      details: examples(missing),
    },
    {
      name: 'completions answered 200 whose row is not completed',
      value: String(lost.length),
      ok: lost.length === 0,
      details: examples(lost),
    },
    {
      name: 'objects under raw/ without their row',
      value: `${orphans.length} of ${rawKeys.length}`,
      ok: orphans.length === 0,
      details: examples(orphans),
    },
  ];
}

export async function checkDatasets(sql: postgres.Sql, settledMs: number, building: string[]): Promise<Check[]> {
  const counts = await sql<{ format: string; status: string; n: number; shards: number }[]>`
    select d.format, d.status, count(*)::int as n, coalesce(sum(d.shard_count), 0)::int as shards
    from public.datasets d group by 1, 2 order by 1, 2`;
  const summary = counts.map((row) => `${row.format} ${row.status} ${row.n} (${row.shards} shards)`).join(', ');
  return [
    { name: 'datasets by format and status', value: summary || 'none', ok: null },
    {
      name: `datasets still building after waiting ${(settledMs / 1000).toFixed(0)} s for the builds`,
      value: String(building.length),
      ok: building.length === 0,
      details: examples(building),
    },
  ];
}

export async function checkAccessLog(world: World, sql: postgres.Sql): Promise<Check[]> {
  const logged = await sql<{ action: string; subject: string; n: number }[]>`
    select action, coalesce(submission_id, bundle_id, dataset_id)::text as subject, count(*)::int as n
    from public.access_log group by 1, 2`;
  const rows = new Map(logged.map((row) => [`${row.action} ${row.subject}`, row.n]));
  const byAction = new Map<string, { promised: number; short: number }>();
  const short: string[] = [];
  for (const [key, entry] of world.promised) {
    const have = rows.get(key) ?? 0;
    const tally = byAction.get(entry.action) ?? { promised: 0, short: 0 };
    tally.promised += entry.rows;
    if (have < entry.rows) {
      tally.short += entry.rows - have;
      short.push(`${entry.action} ${entry.subject}: ${entry.rows} handed out, ${have} logged`);
    }
    byAction.set(entry.action, tally);
  }
  const value = [...byAction].map(([action, tally]) => `${action} ${tally.promised - tally.short}/${tally.promised}`);
  return [
    {
      name: 'URLs and downloads handed out with their access-log row',
      value: value.join(', ') || 'none',
      ok: short.length === 0,
      details: examples(short),
    },
  ];
}

export function checkDownloads(world: World): Check[] {
  const { views, shards, bundles, ranges } = world.verified;
  return [
    {
      name: 'downloads checked: views, dataset shards, bundles, bundle range sets',
      value: `${views}, ${shards}, ${bundles}, ${ranges}; corrupt ${world.corrupt.length}`,
      ok: world.corrupt.length === 0,
      details: examples(world.corrupt),
    },
  ];
}
