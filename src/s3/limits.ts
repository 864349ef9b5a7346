const mebibyte = 1024 ** 2;

/**
 * S3's multipart limits (S3 API: "Amazon S3 multipart upload limits"), which Hetzner and Ceph RGW
 * keep: every part but the last is 5 MiB to 5 GiB, part numbers run 1 to 10,000, and an object
 * is at most 5 TiB. UploadPartCopy ranges obey the same bounds.
 */
export const multipartLimits = {
  minimumPartSize: 5 * mebibyte,
  maximumPartSize: 5 * 1024 * mebibyte,
  maximumParts: 10_000,
  maximumObjectSize: 5 * 1024 ** 4,
} as const;
