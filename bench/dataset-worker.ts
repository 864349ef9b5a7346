// Bench-only Worker for `npm run bench:dataset`'s copy-free Worker: the production Worker
// unchanged (API, queue consumer, cron), plus a route that moves the same member objects the bare
// minimum way a copy-free build must, so its CPU is the floor the build is measured against.
// Started only by bench/dataset.ts (through wrangler's `entrypoint`); src/worker.ts never imports
// it, so none of this ships.
//
//   POST /__bench/floor/{variant}  body {key, objects: [{key, size}], concurrency}: one multipart
//   upload to `key` in the processed bucket, one UploadPart per object (a ranged GET of it from the
//   raw bucket, whole), `concurrency` at a time, then Complete. Answers {bytes, parts}.
//     piped:  the GET body piped natively (pipeTo) into a FixedLengthStream, as the builder's
//             writer does (src/streams/archive-writer.ts), which is the UploadPart body
//     direct: the GET body itself is the UploadPart body, no stream in between
import { Hono } from 'hono';
import type { AppEnv } from '../src/context';
import type { Bindings, DatasetBuildMessage } from '../src/env';
import { bindings } from '../src/middleware/config';
import { completeMultipartUpload, createMultipartUpload, uploadPart } from '../src/s3/multipart';
import { fetchObjectRange } from '../src/s3/objects';
import type { ObjectStore } from '../src/s3/store';
import worker from '../src/worker';

interface FloorRequest {
  key: string;
  objects: { key: string; size: number }[];
  concurrency: number;
}

type Body = (store: ObjectStore, bucket: string, object: { key: string; size: number }) => Promise<ReadableStream>;

const variants: Record<string, Body> = {
  piped: async (store, bucket, object) => {
    const body = await fetchObjectRange(store, bucket, object.key, 0, object.size - 1);
    const { readable, writable } = new FixedLengthStream(object.size);
    body.pipeTo(writable).catch(() => {});
    return readable;
  },
  direct: (store, bucket, object) => fetchObjectRange(store, bucket, object.key, 0, object.size - 1),
};

const bench = new Hono<AppEnv>();
bench.use('*', bindings());
bench.post('/__bench/floor/:variant', async (c) => {
  const open = variants[c.req.param('variant')];
  if (!open) return c.text('no such variant', 404);
  const { key, objects, concurrency } = await c.req.json<FloorRequest>();
  const store = c.var.objectStore;
  const { raw, processed } = c.var.config.buckets;
  const uploadId = await createMultipartUpload(store, processed, key, 'application/octet-stream');
  const etags: { partNumber: number; etag: string }[] = [];
  let next = 0;
  const lane = async () => {
    while (next < objects.length) {
      const partNumber = ++next;
      const object = objects[partNumber - 1]!;
      const body = await open(store, raw, object);
      etags.push({
        partNumber,
        etag: await uploadPart(store, processed, key, uploadId, partNumber, body, object.size),
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, objects.length) }, lane));
  etags.sort((a, b) => a.partNumber - b.partNumber);
  await completeMultipartUpload(store, processed, key, uploadId, etags);
  return c.json({ bytes: objects.reduce((sum, object) => sum + object.size, 0), parts: etags.length });
});

export default {
  ...worker,
  fetch: (request, env, ctx) =>
    new URL(request.url).pathname.startsWith('/__bench/')
      ? bench.fetch(request, env, ctx)
      : worker.fetch(request, env, ctx),
} satisfies ExportedHandler<Bindings, DatasetBuildMessage>;
