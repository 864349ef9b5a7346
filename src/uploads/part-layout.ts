import { multipartLimits } from '../s3/limits';

const mebibyte = 1024 * 1024;
// Parts of at least 8 MiB keep request overhead small on phones, within S3's limits.
const minimumPartSize = 8 * mebibyte;
const maximumPartCount = multipartLimits.maximumParts;
export const maximumMultipartObjectSize = multipartLimits.maximumObjectSize;

export interface PartLayout {
  partSize: number;
  partCount: number;
}

/** Part size (a whole number of MiB, ≥ 8 MiB) and count (≤ 10,000) for an object of `size` bytes. */
export function layOutParts(size: number): PartLayout {
  const partSize = Math.max(minimumPartSize, Math.ceil(size / maximumPartCount / mebibyte) * mebibyte);
  return { partSize, partCount: Math.max(1, Math.ceil(size / partSize)) };
}

/** Bytes in part `partNumber` (1-based): every part is `partSize` but the last, which holds the rest. */
export function partLength(size: number, layout: PartLayout, partNumber: number): number {
  return partNumber < layout.partCount ? layout.partSize : size - layout.partSize * (layout.partCount - 1);
}
