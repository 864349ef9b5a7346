/** The ZIP planner's public surface: plain TypeScript over Uint8Array, no HTTP, no platform APIs. */
export { archiveEtag } from './etag';
export { encodeCentralDirectory, encodeCentralHeaders, resolveCrc32, type Crc32Overrides } from './central-directory';
export { crc32 } from './crc32';
export { encodeEndRecords } from './end-records';
export { ZipPlanError, type ZipPlanErrorKind } from './errors';
export { encodeCentralHeader, encodeDataDescriptor, encodeLocalHeader } from './headers';
export { planManifestMember } from './manifest';
export { encodeMemberName } from './names';
export { planArchive } from './plan';
export { parseRangeHeader, type RangeRequest } from './range';
export { sliceArchive, type ArchiveSegment } from './slice';
export type * from './types';
