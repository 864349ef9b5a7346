export declare const demoAsset: { key: string; contentType: string; body: string };
export declare function seedDemoAsset(s3: {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  buckets: { raw: string; processed: string; assets: string };
}): Promise<void>;
