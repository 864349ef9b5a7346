import { createRoute, z, type RouteHandler } from '@hono/zod-openapi';
import { crc32 } from 'node:zlib';
import { layOutPackage, packageFormats } from '../../formats/package-layout';
import { bucketMemberSource, openFirstMember } from '../../bundles/member-source';
import { firstMemberSegment, sliceInWindows } from '../../containers/layout';
import type { AppEnv } from '../../context';
import { inOneFlight } from '../../db/client';
import { openBundleDownloadStatement, toBundleDownload } from '../../db/bundles';
import { log } from '../../log';
import { ApiError } from '../../errors';
import { bodyRange, decideResponse, unsatisfiedRange } from '../../http/conditional';
import { clientOf } from '../client';
import { streamSegments, streamWithComputedCrcs } from '../../streams/archive-writer';
import { fixedLengthChannel } from '../../streams/fixed-length';
import { bundleFormatSchema, errorResponses, idParamsSchema } from '../schemas';

export const downloadBundleRoute = createRoute({
  method: 'get',
  path: '/v1/bundles/{id}/download',
  summary: 'The bundle as one ZIP or tar, streamed from object storage',
  description:
    'Also HEAD. Authorised by the signed token in the link, not by a session. Byte-identical on every request (strong ETag), so Range and If-Range resume an interrupted download; a ZIP bundle with a member whose CRC is unknown answers Accept-Ranges: none and a weak ETag (tar needs no CRC).',
  request: {
    params: idParamsSchema,
    query: z.object({
      token: z.string().max(100).openapi({ description: 'From the link POST /v1/bundles returned' }),
      format: bundleFormatSchema.optional(),
    }),
  },
  responses: {
    200: {
      description: 'The archive',
      content: {
        'application/zip': { schema: z.string().openapi({ format: 'binary' }) },
        'application/x-tar': { schema: z.string().openapi({ format: 'binary' }) },
      },
    },
    206: { description: 'A byte range of the archive' },
    304: { description: 'Not modified' },
    ...errorResponses(400, 403, 404, 416, 502, 503, 504),
  },
});

export const downloadBundleHandler: RouteHandler<typeof downloadBundleRoute, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  const { token, format = 'zip' } = c.req.valid('query');
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

  const layout = layOutPackage(bundle.members, format);
  const { container, objectKeys } = layout;
  const etag = await layout.etag();
  const lastModified = bundle.createdAt.toUTCString();
  const headers = new Headers({
    'Content-Type': packageFormats[format].contentType,
    'Content-Disposition': `attachment; filename="bundle-${id}.${packageFormats[format].extension}"`,
    ETag: etag,
    'Last-Modified': lastModified,
    // RFC 9110 §14.3: "none" tells clients not to try; such a bundle's bytes exist only in order.
    'Accept-Ranges': container.rangesSupported ? 'bytes' : 'none',
    'Cache-Control': 'private, no-store',
  });
  // Without every CRC, the archive can only be produced front to back: Range is ignored (§14.2).
  const requestHeaders = new Headers(c.req.raw.headers);
  if (!container.rangesSupported) requestHeaders.delete('range');
  const decision = decideResponse(c.req.method, requestHeaders, { etag, lastModified, size: container.totalLength });

  if (decision.kind === 'not_modified') return new Response(null, { status: 304, headers });
  if (decision.kind === 'unsatisfiable') {
    c.header('Content-Range', unsatisfiedRange(container.totalLength));
    throw new ApiError('range_not_satisfiable', 'the requested range is outside the bundle');
  }
  const { status, start, end } = bodyRange(headers, decision, container.totalLength);
  const length = end - start + 1;
  if (c.req.method === 'HEAD') return new Response(null, { status, headers });

  const onFailure = (error: unknown) =>
    log('error', 'bundle stream aborted', {
      error: (error as Error)?.name ?? 'unknown',
      detail: (error as Error)?.message ?? String(error),
      requestId,
    });
  const bucketSource = bucketMemberSource(c.var.objectStore, config.buckets.raw, objectKeys);
  if (container.rangesSupported) {
    const first = firstMemberSegment(container, start, end);
    const source = await openFirstMember(
      bucketSource,
      first && { index: first.index, start: first.start, end: first.end },
    );
    // Windowed, so the response holds the headers near its position, not one per member.
    const segments = sliceInWindows(container, start, end);
    return new Response(streamSegments(segments, length, source, { channel: fixedLengthChannel, onFailure }), {
      status,
      headers,
    });
  }
  // Only a ZIP can lack ranges (src/formats/package-layout.ts).
  const plan = layout.zipPlan!;
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
