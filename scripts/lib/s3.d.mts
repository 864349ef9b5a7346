export const localBuckets: { raw: string; processed: string; assets: string };
export function rawBucketCors(origins: string[]): string;
export interface LocalS3 {
  kind: string;
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
  buckets: typeof localBuckets;
  stop(): Promise<void>;
}
export function startS3rver(options?: { origins?: string[] }): Promise<LocalS3 & { kind: 's3rver' }>;
