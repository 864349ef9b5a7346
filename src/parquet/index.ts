/**
 * The Parquet planner's public surface: plain TypeScript over Uint8Array, no HTTP, no platform
 * APIs beyond WebCrypto for the ETag.
 *
 * How a dataset build uses it:
 * - `planMediaParquet(rows, options)` once per shard gives a ContainerLayout (src/containers):
 *   `totalLength`, `slice(start, end)` for produced bytes and member ranges, and `storedBodies`,
 *   where each media body lies, contiguous and unchanged, for UploadPartCopy.
 * - `parquetEtag(rows, options)` is the shard's strong ETag.
 * - The media column is named by `mediaColumnFor(contentTypes)`; a body larger than
 *   `largestMediaBytes` cannot be one Parquet value here and fails the plan ('value_too_large').
 */
export { parquetEtag } from './etag';
export { ParquetPlanError, type ParquetPlanErrorKind } from './errors';
export { mediaColumnFor } from './media-column';
export { largestMediaBytes } from './pages';
export { planMediaParquet } from './plan';
export { defaultRowGroupMaxBytes, defaultRowGroupMaxRows } from './row-groups';
export type { MediaColumn, MediaRow, ParquetPlanOptions } from './types';
