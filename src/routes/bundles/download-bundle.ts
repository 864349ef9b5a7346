import { createRoute, z, type RouteHandler } from '@hono/zod-openapi';
import { crc32 } from 'node:zlib';
import { layOutBundle } from '../../bundles/archive-layout';
import { bucketMemberSource, openFirstMember } from '../../bundles/member-source';
import type { AppEnv } from '../../context';
import { inOneFlight } from '../../db/client';
import { openBundleDownloadStatement, toBundleDownload } from '../../db/bundles';
import { log } from '../../log';
import { ApiError } from '../../errors';
import { bodyRange, decideResponse, unsatisfiedRange } from '../../http/conditional';
import { clientOf } from '../client';
import { streamSegments, streamWithComputedCrcs } from '../../streams/archive-writer';
import { fixedLengthChannel } from '../../streams/fixed-length';
import { archiveEtag, sliceArchive } from '../../zip';
import { errorResponses, idParamsSchema } from '../schemas';

export const downloadBundleRoute = createRoute({
  method: 'get',
  path: '/v1/bundles/{id}/download',
  summary: 'The bundle as one ZIP, streamed from object storage',
  description:
    'Also HEAD. Authorised by the signed token in the link, not by a session. Byte-identical on every request (strong ETag), so Range and If-Range resume an interrupted download; a bundle with a member whose CRC is unknown answers Accept-Ranges: none and a weak ETag.',
  request: {
    params: idParamsSchema,
    query: z.object({ token: z.string().max(100).openapi({ description: 'From the link POST /v1/bundles returned' }) }),
  },
  responses: {
    200: {
      description: 'The archive',
      content: { 'application/zip': { schema: z.string().openapi({ format: 'binary' }) } },
    },
    206: { description: 'A byte range of the archive' },
    304: { description: 'Not modified' },
    ...errorResponses(400, 403, 404, 416, 502, 503, 504),
  },
});

export const downloadBundleHandler: RouteHandler<typeof downloadBundleRoute, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  const { token } = c.req.valid('query');
  const { config, requestId } = c.var;
  const refuse = (reason: string) => {
    log('warn', 'bundle link refused', { reason, requestId });
    // One message whatever failed, so a link's holder cannot tell a forgery from a revocation.
    return new ApiError('forbidden', 'this download link is invalid or has expired');
  };
  const verdict = await c.var.isolate.bundleLinks.verify(id, token);
  if (verdict !== 'valid') throw refuse(verdict);
  // Re-authorised on every request: a link outlives neither its creator's grant nor their role.
  // A GET is logged before its first byte; HEAD transfers nothing and is not.
  const record = c.req.method === 'GET' ? clientOf(c) : null;
  // As `anon`, which sees nothing under RLS and may only call the gateway function: one round trip.
  const [rows] = await inOneFlight(c.var.database(), 'anon', { role: 'anon' }, [
    openBundleDownloadStatement(id, record),
  ]);
  const bundle = toBundleDownload(rows!);
  if (bundle.kind === 'missing') throw new ApiError('not_found', 'bundle not found');
  if (bundle.kind === 'refused') throw refuse('creator may no longer bundle these members');

  const { plan, objectKeys } = layOutBundle(bundle.members);
  const etag = await archiveEtag(plan);
  const lastModified = bundle.createdAt.toUTCString();
  const headers = new Headers({
    'Content-Type': 'application/zip',
    'Content-Disposition': `attachment; filename="bundle-${id}.zip"`,
    ETag: etag,
    'Last-Modified': lastModified,
    // RFC 9110 §14.3: "none" tells clients not to try; such a bundle's bytes exist only in order.
    'Accept-Ranges': plan.rangesSupported ? 'bytes' : 'none',
    'Cache-Control': 'private, no-store',
  });
  // Without every CRC, the archive can only be produced front to back: Range is ignored (§14.2).
  const requestHeaders = new Headers(c.req.raw.headers);
  if (!plan.rangesSupported) requestHeaders.delete('range');
  const decision = decideResponse(c.req.method, requestHeaders, { etag, lastModified, size: plan.totalLength });

  if (decision.kind === 'not_modified') return new Response(null, { status: 304, headers });
  if (decision.kind === 'unsatisfiable') {
    c.header('Content-Range', unsatisfiedRange(plan.totalLength));
    throw new ApiError('range_not_satisfiable', 'the requested range is outside the bundle');
  }
  const { status, start, end } = bodyRange(headers, decision, plan.totalLength);
  const length = end - start + 1;
  if (c.req.method === 'HEAD') return new Response(null, { status, headers });

  const onFailure = (error: unknown) =>
    log('error', 'bundle stream aborted', {
      error: (error as Error)?.name ?? 'unknown',
      detail: (error as Error)?.message ?? String(error),
      requestId,
    });
  const bucketSource = bucketMemberSource(c.var.objectStore, config.buckets.raw, objectKeys);
  if (plan.rangesSupported) {
    const segments = sliceArchive(plan, start, end);
    const first = segments.find((segment) => segment.kind === 'member') ?? null;
    const source = await openFirstMember(
      bucketSource,
      first && { index: first.index, start: first.start, end: first.end },
    );
    return new Response(streamSegments(segments, length, source, { channel: fixedLengthChannel, onFailure }), {
      status,
      headers,
    });
  }
  const first = plan.entries.find((entry) => entry.body.kind === 'stored' && entry.dataLength > 0);
  const source = await openFirstMember(
    bucketSource,
    first ? { index: first.index, start: 0, end: first.dataLength - 1 } : null,
  );
  const body = streamWithComputedCrcs(plan, source, (chunk, previous) => crc32(chunk, previous), {
    channel: fixedLengthChannel,
    onFailure,
  });
  return new Response(body, { status, headers });
};
