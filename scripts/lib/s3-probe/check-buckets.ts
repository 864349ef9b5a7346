// The buckets themselves: reachable with the Worker's addressing style, holding the settings
// `npm run buckets:apply` writes (read back only: the probe never changes a bucket), and the
// assets bucket readable without a signature while the raw bucket is not.
import { bucketUrl, objectUrl } from '../../../src/s3/addressing';
import { headBucket, putObject } from '../../../src/s3/objects';
import { send } from '../../../src/s3/send';
import { createObjectStore } from '../../../src/s3/store';
import { type BucketSetting, matchesBucketSetting } from '../bucket-config';
import { describeResponse } from './answers';
import { expectAnswer, type ProbeRun } from './probe-run';

/** `path-style` (endpoint/bucket/key) or `virtual-hosted` (bucket.endpoint/key), as src/s3/addressing.ts builds URLs. */
export function addressingStyle(forcePathStyle: boolean): string {
  return forcePathStyle ? 'path-style' : 'virtual-hosted';
}

/**
 * HeadBucket on each bucket (S3 API: HeadBucket), what the gateway's /readyz sends, in the
 * addressing style the Worker uses: virtual-hosted unless S3_FORCE_PATH_STYLE=true. When a bucket
 * does not answer that way, the other style is tried, to tell the operator which setting works.
 * False when no bucket answered.
 */
export async function checkAddressing(run: ProbeRun): Promise<boolean> {
  const { settings } = run.store;
  const style = addressingStyle(settings.forcePathStyle);
  let anyAnswered = false;
  for (const bucket of Object.values(run.buckets)) {
    const worked = await run.required(
      `HeadBucket ${bucket} (${style})`,
      async () => {
        await headBucket(run.store, bucket);
        return run.status();
      },
      'every call to this bucket fails',
    );
    anyAnswered ||= worked;
    if (worked) continue;
    const other = { ...settings, forcePathStyle: !settings.forcePathStyle };
    const answersOtherwise = await headBucket(createObjectStore(other), bucket).then(
      () => true,
      () => false,
    );
    if (answersOtherwise) {
      const row = run.rows.at(-1)!;
      row.gateway += `; it answers ${addressingStyle(other.forcePathStyle)}: set S3_FORCE_PATH_STYLE=${other.forcePathStyle}`;
    }
  }
  return anyAnswered;
}

const settingConsequence: Record<BucketSetting['kind'], string> = {
  cors: 'browsers on the apps’ origins cannot PUT or GET; run npm run buckets:apply',
  lifecycle: 'abandoned uploads are never removed; run npm run buckets:apply',
  policy: 'the assets bucket is not public-read; run npm run buckets:apply',
};

/**
 * Each setting of scripts/lib/bucket-config.ts read back (S3 API: GetBucketCors,
 * GetBucketLifecycleConfiguration, GetBucketPolicy) and compared the way buckets:apply compares it.
 */
export async function checkBucketSettings(run: ProbeRun, desired: readonly BucketSetting[]): Promise<void> {
  for (const setting of desired) {
    await run.required(
      `GET ?${setting.kind} ${setting.bucket}`,
      async () => {
        const url = bucketUrl(run.store.settings, setting.bucket);
        url.search = setting.kind;
        const current = await (await send(run.store, url, { method: 'GET' })).text();
        let matches: boolean;
        try {
          matches = matchesBucketSetting(setting, current);
        } catch {
          matches = false;
        }
        expectAnswer(matches, run.status('differs from npm run buckets:apply'));
        return run.status('as npm run buckets:apply sets it');
      },
      settingConsequence[setting.kind],
    );
  }
}

const publicBody = 'storage-manager s3:probe public asset\n';

/**
 * An object PUT into the assets bucket (the gateway's PutObject) read back without a signature, as
 * the public-read policy allows; and the raw bucket's object refused without one.
 */
export async function checkPublicRead(run: ProbeRun, privateObject: { key: string } | undefined): Promise<void> {
  const { settings } = run.store;
  const key = run.key(run.buckets.assets, 'public.txt');
  const stored = await run.required(
    `PutObject ${run.buckets.assets}`,
    async () => {
      await putObject(run.store, run.buckets.assets, key, new TextEncoder().encode(publicBody), 'text/plain');
      return run.status();
    },
    'nothing can be written to the assets bucket',
  );
  if (stored) {
    await run.required(
      `GET ${run.buckets.assets} object, unsigned`,
      async () => {
        const response = await fetch(objectUrl(settings, run.buckets.assets, key));
        const answer = await describeResponse(response.clone());
        expectAnswer(response.ok && (await response.text()) === publicBody, answer);
        return answer;
      },
      'the assets bucket is not public-read; run npm run buckets:apply',
    );
  } else {
    run.recordUnreached(`GET ${run.buckets.assets} object, unsigned`, 'required', 'PutObject');
  }
  if (!privateObject) {
    run.recordUnreached(`GET ${run.buckets.raw} object, unsigned`, 'required', 'the presigned PUT');
    return;
  }
  await run.mustRefuse(
    `GET ${run.buckets.raw} object, unsigned`,
    () => fetch(objectUrl(settings, run.buckets.raw, privateObject.key)),
    'anyone can read the raw bucket',
  );
}
