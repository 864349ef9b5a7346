export interface BucketSetting {
  bucket: string;
  kind: 'cors' | 'lifecycle' | 'policy';
  body: string;
}
export function desiredBucketSettings(options: {
  buckets: { raw: string; processed: string; assets: string };
  corsOrigins: string[];
}): BucketSetting[];
export function applyBucketSettings(
  s3: { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string },
  settings: BucketSetting[],
): Promise<(BucketSetting & { outcome: 'changed' | 'unchanged' | 'unsupported' })[]>;
