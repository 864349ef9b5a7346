// Bench-only Worker for `npm run bench:zip`: the production app unchanged, plus comparison routes
// that stream the same members of a bundle another way. Started only by bench/zip.ts (through
// wrangler's `entrypoint`); src/worker.ts never imports it, so none of this ships.
//
//   GET /__bench/passthrough/{bundleId}  the member objects back to back, no ZIP framing: the floor
//   GET /__bench/fflate/{bundleId}       the same archive entries through fflate's Zip + ZipPassThrough
//   GET /__bench/client-zip/{bundleId}   the same archive entries through client-zip's downloadZip
import { Zip, ZipPassThrough } from 'fflate';
import { downloadZip } from 'client-zip';
import { Hono } from 'hono';
import { buildApp } from '../src/app';
import { layOutPackage, type PackageLayout } from '../src/formats/package-layout';
import { bucketMemberSource } from '../src/bundles/member-source';
import type { AppEnv } from '../src/context';
import { inOneFlight } from '../src/db/client';
import { bundleContentsStatement, toBundleContents } from '../src/db/bundles';
import { sql } from '../src/db/sql-text';
import { isPostgresSocketLeftover } from '../src/db/socket-leftovers';
import type { Bindings } from '../src/env';
import { bindings } from '../src/middleware/config';
import { type MemberSource, streamSegments } from '../src/streams/archive-writer';
import { fixedLengthChannel } from '../src/streams/fixed-length';
import type { ArchiveSegment, PlannedEntry } from '../src/zip';

// Members opened ahead of the one streaming, as src/zip/write.ts does, so every variant waits on
// S3 the same way and the comparison is about what happens to the bytes.
const lookahead = 5;

interface OpenedEntry {
  entry: PlannedEntry;
  modifiedAt: Date;
  body: ReadableStream<Uint8Array> | Uint8Array;
}

/** Every entry of the layout in archive order, its body fetched up to `lookahead` entries ahead. */
async function* openInOrder(
  layout: PackageLayout,
  createdAt: Date,
  source: MemberSource,
  signal: AbortSignal,
): AsyncGenerator<OpenedEntry> {
  const { entries } = layout.zipPlan!;
  const opened: Promise<ReadableStream<Uint8Array> | Uint8Array>[] = [];
  let next = 0;
  const openAhead = () => {
    while (next < entries.length && opened.length < lookahead + 1) {
      const entry = entries[next++]!;
      const body: Promise<ReadableStream<Uint8Array> | Uint8Array> =
        entry.body.kind === 'inline'
          ? Promise.resolve(entry.body.bytes.slice())
          : entry.dataLength === 0
            ? Promise.resolve(new Uint8Array(0))
            : source.open(entry.index, 0, entry.dataLength - 1, signal);
      body.catch(() => {});
      opened.push(body);
    }
  };
  try {
    for (const entry of entries) {
      openAhead();
      const body = await opened.shift()!;
      const modifiedAt = entry.unixModifiedSeconds === null ? createdAt : new Date(entry.unixModifiedSeconds * 1000);
      yield { entry, modifiedAt, body };
    }
  } finally {
    for (const pending of opened)
      pending.then((body) => (body instanceof ReadableStream ? body.cancel() : undefined)).catch(() => {});
  }
}

/** The stored members only, piped natively into one FixedLengthStream by the production writer. */
function passThrough(layout: PackageLayout, source: MemberSource): ReadableStream<Uint8Array> {
  const segments: ArchiveSegment[] = layout
    .zipPlan!.entries.filter((entry) => entry.body.kind === 'stored' && entry.dataLength > 0)
    .map((entry) => ({ kind: 'member', index: entry.index, start: 0, end: entry.dataLength - 1 }));
  const length = segments.reduce((sum, segment) => sum + (segment.kind === 'member' ? segment.end + 1 : 0), 0);
  return streamSegments(segments, length, source, { channel: fixedLengthChannel });
}

/**
 * fflate's streaming Zip: ZipPassThrough computes each member's CRC-32 in JavaScript and writes a
 * data descriptor after it. fflate calls back synchronously, so backpressure is the writer's
 * `ready` after each chunk pushed.
 */
function withFflate(layout: PackageLayout, createdAt: Date, source: MemberSource): ReadableStream<Uint8Array> {
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  const upstream = new AbortController();
  const produce = async () => {
    let failure: unknown = null;
    const zip = new Zip((error, chunk, final) => {
      if (error) failure = error;
      else writer.write(chunk).catch(() => {});
      if (final) writer.close().catch(() => {});
    });
    for await (const { entry, modifiedAt, body } of openInOrder(layout, createdAt, source, upstream.signal)) {
      const file = new ZipPassThrough(entry.name);
      file.mtime = modifiedAt;
      zip.add(file);
      if (body instanceof Uint8Array) {
        file.push(body, true);
      } else {
        const reader = body.getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          file.push(value);
          await writer.ready;
        }
        file.push(new Uint8Array(0), true);
      }
      if (failure) throw failure;
    }
    zip.end();
  };
  produce().catch(async (error: unknown) => {
    upstream.abort(error);
    await writer.abort(error).catch(() => {});
  });
  return readable;
}

/** client-zip's downloadZip over the same entries; it computes CRC-32 in JavaScript too. */
function withClientZip(layout: PackageLayout, createdAt: Date, source: MemberSource): ReadableStream<Uint8Array> {
  const upstream = new AbortController();
  async function* inputs() {
    for await (const { entry, modifiedAt, body } of openInOrder(layout, createdAt, source, upstream.signal)) {
      yield { name: entry.name, lastModified: modifiedAt, input: body, size: entry.dataLength };
    }
  }
  return downloadZip(inputs()).body!;
}

const variants = {
  passthrough: (layout: PackageLayout, _createdAt: Date, source: MemberSource) => passThrough(layout, source),
  fflate: withFflate,
  'client-zip': withClientZip,
} as const;

const bench = new Hono<AppEnv>();
bench.use('*', bindings());
bench.get('/__bench/:variant/:id', async (c) => {
  const variant = variants[c.req.param('variant') as keyof typeof variants];
  if (!variant) return c.text('no such variant', 404);
  const [rows] = await inOneFlight(c.var.database(), 'anon', { role: 'anon' }, [
    bundleContentsStatement(sql`${c.req.param('id')}`),
  ]);
  const bundle = toBundleContents(rows!);
  if (!bundle) return c.text('no such bundle', 404);
  const layout = layOutPackage(bundle.members, 'zip');
  const source = bucketMemberSource(c.var.objectStore, c.var.config.buckets.raw, layout.objectKeys);
  return new Response(variant(layout, bundle.createdAt, source), {
    headers: { 'Content-Type': 'application/zip', 'Cache-Control': 'no-store' },
  });
});

const app = buildApp();

addEventListener('unhandledrejection', (event) => {
  if (isPostgresSocketLeftover(event.reason)) event.preventDefault();
});

export default {
  fetch: (request, env, ctx) =>
    new URL(request.url).pathname.startsWith('/__bench/')
      ? bench.fetch(request, env, ctx)
      : app.fetch(request, env, ctx),
} satisfies ExportedHandler<Bindings>;
