/**
 * The ZIP planner's public surface: plain TypeScript over Uint8Array, no HTTP, no platform APIs.
 * The streaming writer that follows these steps is src/streams/archive-writer.ts.
 *
 * How a streaming writer uses it:
 * - `planArchive(members)` once per request; `plan.totalLength` is the Content-Length and
 *   `archiveEtag(plan)` the ETag.
 * - All CRCs known (`plan.rangesSupported`): for the requested bytes, `sliceArchive(plan, start,
 *   end)` gives the segments in order; write 'bytes' segments as they are and pipe each 'member'
 *   segment from a ranged GET of that member's object (start/end are body-relative, inclusive).
 *   The whole archive is `sliceArchive(plan, 0, plan.totalLength - 1)`.
 * - Some CRC unknown: stream the whole archive only. Per entry write `encodeLocalHeader(entry)`,
 *   pipe the body while computing its CRC, then, when `entry.dataDescriptorLength > 0`,
 *   `encodeDataDescriptor(entry, crc)`. Finish with `encodeCentralDirectory(plan, crcs)` (crcs:
 *   entry index → computed CRC) and `plan.endRecords`. Equivalently, `sliceArchive` accepts the
 *   same map for any range once those CRCs are known.
 * - Byte segments may share memory with the plan (the end records, an inline member's bytes):
 *   treat them as read-only.
 */
export { archiveEtag } from './etag';
export { encodeCentralDirectory, encodeCentralHeaders, resolveCrc32, type Crc32Overrides } from './central-directory';
export { crc32 } from './crc32';
export { encodeEndRecords } from './end-records';
export { ZipPlanError, type ZipPlanErrorKind } from './errors';
export { encodeCentralHeader, encodeDataDescriptor, encodeLocalHeader } from './headers';
export { planManifestMember } from './manifest';
export { encodeMemberName } from './names';
export { planArchive } from './plan';
export { sliceArchive, type ArchiveSegment } from './slice';
export { zipContainer } from './container';
export type * from './types';
