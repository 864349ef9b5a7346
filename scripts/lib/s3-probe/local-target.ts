// `--local rgw [--profile no-copy]`: a fresh Ceph RGW (scripts/lib/rgw.ts), optionally behind the
// front that refuses copies and tagging as Hetzner may (scripts/lib/no-copy-front.ts), with the
// bucket settings applied as `npm start` applies them (lifecycle rules, CORS, the assets bucket's
// public-read policy). stop() ends the front and every RGW daemon by its handle.
import { parseCorsOrigins } from '../../../src/cors-origins';
import { applyBucketSettings, desiredBucketSettings } from '../bucket-config';
import { type LocalS3, withS3Profile } from '../local-s3';
import { startRgw } from '../rgw';
import type { ProbeTarget } from './probe';

export const localProfiles = ['full', 'no-copy'] as const;
export type LocalProfile = (typeof localProfiles)[number];

export interface LocalTarget {
  target: ProbeTarget;
  s3: LocalS3;
  stop(): Promise<void>;
}

export async function startLocalTarget(profile: LocalProfile): Promise<LocalTarget> {
  const corsOrigins = parseCorsOrigins();
  const s3 = await withS3Profile(await startRgw({ origins: corsOrigins }), profile);
  try {
    await applyBucketSettings(s3, desiredBucketSettings({ buckets: s3.buckets, corsOrigins }));
  } catch (error) {
    await s3.stop();
    throw error;
  }
  return {
    target: {
      description: `local rgw${s3.profile ? `, ${s3.profile} front` : ''}`,
      settings: {
        endpoint: s3.endpoint,
        region: s3.region,
        accessKeyId: s3.accessKeyId,
        secretAccessKey: s3.secretAccessKey,
        // A loopback address has no bucket subdomains: local servers are addressed path-style.
        forcePathStyle: true,
      },
      buckets: { ...s3.buckets },
      corsOrigins,
    },
    s3,
    stop: () => s3.stop(),
  };
}
