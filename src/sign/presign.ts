import { AwsV4Signer } from 'aws4fetch';
import { objectUrl } from '../s3/addressing';
import type { ObjectStore } from '../s3/store';

export interface PresignedRequest {
  url: string;
  /** Headers the client must send exactly as given: they are part of the signature. */
  headers: Record<string, string>;
  expiresAt: Date;
}

interface PresignOptions {
  bucket: string;
  key: string;
  expiresInSeconds: number;
  /** Signing time; tests pin it to reproduce AWS's published examples. */
  now?: Date;
}

function amzDate(date: Date): string {
  return date.toISOString().replace(/[:-]|\.\d{3}/g, '');
}

async function presign(
  store: ObjectStore,
  method: 'GET' | 'PUT',
  options: PresignOptions & { query?: Record<string, string>; headers?: Record<string, string> },
): Promise<PresignedRequest> {
  const now = options.now ?? new Date();
  const { settings } = store;
  const url = objectUrl(settings, options.bucket, options.key);
  for (const [name, value] of Object.entries(options.query ?? {})) url.searchParams.set(name, value);
  // X-Amz-Expires belongs in the query before signing (S3 API: "Authenticating Requests: Using
  // Query Parameters"); SigV4 caps it at 7 days.
  url.searchParams.set('X-Amz-Expires', String(options.expiresInSeconds));
  const headers = options.headers ?? {};
  const signer = new AwsV4Signer({
    method,
    url: url.toString(),
    headers,
    accessKeyId: settings.accessKeyId,
    secretAccessKey: settings.secretAccessKey,
    service: 's3',
    region: settings.region,
    datetime: amzDate(now),
    cache: store.signingKeys,
    signQuery: true,
    // Without allHeaders aws4fetch leaves Content-Type and Content-Length unsigned, and S3 would
    // accept any type or size on the URL.
    allHeaders: true,
  });
  const signed = await signer.sign();
  return {
    url: signed.url.toString(),
    headers,
    expiresAt: new Date(now.getTime() + options.expiresInSeconds * 1000),
  };
}

/**
 * A presigned PutObject that S3 accepts only with this exact Content-Type and Content-Length,
 * since both are signed headers (SigV4: a signed header's value is part of the canonical request).
 * The canned ACL `private` is signed too: an uploader can then neither send another canned ACL
 * (the signature breaks) nor grant headers (S3 refuses a canned ACL beside `x-amz-grant-*`).
 * The returned headers are what the client must send, named as clients write them.
 */
export async function presignUpload(
  store: ObjectStore,
  options: PresignOptions & { contentType: string; contentLength: number },
): Promise<PresignedRequest> {
  const signed = await presign(store, 'PUT', {
    ...options,
    headers: {
      'content-length': String(options.contentLength),
      'content-type': options.contentType,
      'x-amz-acl': 'private',
    },
  });
  return {
    ...signed,
    headers: {
      'Content-Type': options.contentType,
      'Content-Length': String(options.contentLength),
      'x-amz-acl': 'private',
    },
  };
}

/**
 * A presigned GetObject. `responseContentDisposition` and `responseContentType` make S3 answer
 * with those headers instead of the stored ones (S3 API: GetObject, response-* parameters); they
 * are in the signed query, so the link's holder cannot change them.
 */
export function presignDownload(
  store: ObjectStore,
  options: PresignOptions & { responseContentDisposition?: string; responseContentType?: string },
): Promise<PresignedRequest> {
  const query: Record<string, string> = {};
  if (options.responseContentDisposition) query['response-content-disposition'] = options.responseContentDisposition;
  if (options.responseContentType) query['response-content-type'] = options.responseContentType;
  return presign(store, 'GET', { ...options, query });
}

/**
 * A presigned UploadPart (S3 API: UploadPart): part `partNumber` of multipart upload `uploadId`,
 * accepted only with exactly `contentLength` bytes, since Content-Length is a signed header.
 */
export function presignUploadPart(
  store: ObjectStore,
  options: PresignOptions & { uploadId: string; partNumber: number; contentLength: number },
): Promise<PresignedRequest> {
  return presign(store, 'PUT', {
    ...options,
    query: { partNumber: String(options.partNumber), uploadId: options.uploadId },
    headers: { 'content-length': String(options.contentLength) },
  });
}
