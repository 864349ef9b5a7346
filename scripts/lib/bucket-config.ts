// Bucket configuration as code: what each bucket should hold, and applying it idempotently to any
// S3 endpoint. Each setting is read back first and written only when it differs, so a second run
// changes nothing and says so.
import { createHash } from 'node:crypto';
import { AwsClient } from 'aws4fetch';
import { bucketUrl } from '../../src/s3/addressing';

/** The three buckets' names in production (DESIGN.md, Storage), which the local stack uses too. */
export const defaultBucketNames = {
  raw: 'xum-raw-submissions',
  processed: 'xum-processed-datasets',
  assets: 'xum-public-assets',
} as const;

const abortIncompleteUploadsAfterDays = 7;

// Single-PUT uploads land under this prefix and are copied to their final key at completion
// (src/routes/uploads/verify-object.ts); what remains there is garbage: an upload never completed,
// or a later PUT through a URL still valid. It never holds anything a reader is given.
const stagingPrefix = 'incoming/';
const expireStagedUploadsAfterDays = 1;

const abortIncompleteUploadsRule = `<Rule><ID>abort-incomplete-multipart-uploads</ID><Filter><Prefix></Prefix></Filter><Status>Enabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>${abortIncompleteUploadsAfterDays}</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>`;
const expireStagedUploadsRule = `<Rule><ID>expire-staged-uploads</ID><Filter><Prefix>${stagingPrefix}</Prefix></Filter><Status>Enabled</Status><Expiration><Days>${expireStagedUploadsAfterDays}</Days></Expiration></Rule>`;
const lifecycle = (...rules: string[]) => `<LifecycleConfiguration>${rules.join('')}</LifecycleConfiguration>`;

/**
 * Where an S3 endpoint is, how its buckets are addressed (S3_FORCE_PATH_STYLE, as the Worker
 * reads it) and the credentials to sign for it.
 */
export interface S3Connection {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
}

/**
 * The URL of one bucket setting (`?cors`, `?lifecycle`, `?policy`), addressed as the Worker
 * addresses the bucket (src/s3/addressing.ts): virtual-hosted (`bucket.fsn1.your-objectstorage.com`)
 * unless path-style is forced, as it is for the local servers.
 */
export function bucketSettingUrl(connection: S3Connection, bucket: string, kind: BucketSetting['kind']): string {
  const url = bucketUrl(connection, bucket);
  url.search = kind;
  return url.toString();
}

export interface BucketSetting {
  bucket: string;
  kind: 'cors' | 'lifecycle' | 'policy';
  body: string;
}

export type AppliedBucketSetting = BucketSetting & { outcome: 'changed' | 'unchanged' | 'unsupported' };

/** S3 CORS for the raw bucket, as production has it: browsers PUT and GET straight to S3. */
export function rawBucketCors(origins: string[]): string {
  const rules = origins
    .map(
      (origin) => `
  <CORSRule>
    <AllowedOrigin>${origin}</AllowedOrigin>
    <AllowedMethod>PUT</AllowedMethod>
    <AllowedMethod>GET</AllowedMethod>
    <AllowedMethod>HEAD</AllowedMethod>
    <AllowedHeader>*</AllowedHeader>
    <ExposeHeader>ETag</ExposeHeader>
    <MaxAgeSeconds>3000</MaxAgeSeconds>
  </CORSRule>`,
    )
    .join('');
  return `<CORSConfiguration>${rules}\n</CORSConfiguration>`;
}

/**
 * S3 CORS for the processed bucket: a browser dashboard fetches a dataset's presigned download
 * URL (GET, HEAD, resuming with Range). ETag, Content-Range and Accept-Ranges are not
 * CORS-safelisted response headers, so a script sees them only when exposed (Fetch Standard,
 * "CORS-safelisted response-header name"); Content-Length is listed for browsers older than that.
 */
export function processedBucketCors(origins: string[]): string {
  const rules = origins
    .map(
      (origin) => `
  <CORSRule>
    <AllowedOrigin>${origin}</AllowedOrigin>
    <AllowedMethod>GET</AllowedMethod>
    <AllowedMethod>HEAD</AllowedMethod>
    <AllowedHeader>Range</AllowedHeader>
    <ExposeHeader>ETag</ExposeHeader>
    <ExposeHeader>Content-Length</ExposeHeader>
    <ExposeHeader>Content-Range</ExposeHeader>
    <ExposeHeader>Accept-Ranges</ExposeHeader>
    <MaxAgeSeconds>3000</MaxAgeSeconds>
  </CORSRule>`,
    )
    .join('');
  return `<CORSConfiguration>${rules}\n</CORSConfiguration>`;
}

/** The desired settings, from the same configuration the Worker uses. */
export function desiredBucketSettings({
  buckets,
  corsOrigins,
}: {
  buckets: { raw: string; processed: string; assets: string };
  corsOrigins: string[];
}): BucketSetting[] {
  return [
    { bucket: buckets.raw, kind: 'cors', body: rawBucketCors(corsOrigins) },
    {
      bucket: buckets.raw,
      kind: 'lifecycle',
      // S3 API: PutBucketLifecycleConfiguration, AbortIncompleteMultipartUpload. A contributor who
      // never finishes leaves parts that cost storage; after a week they are removed. Staged
      // single PUTs expire after a day, so storage cannot grow with re-uploads through a URL.
      body: lifecycle(abortIncompleteUploadsRule, expireStagedUploadsRule),
    },
    { bucket: buckets.processed, kind: 'cors', body: processedBucketCors(corsOrigins) },
    {
      bucket: buckets.processed,
      kind: 'lifecycle',
      // A dataset build that dies for good (its queue message dropped) leaves its upload open.
      body: lifecycle(abortIncompleteUploadsRule),
    },
    {
      bucket: buckets.assets,
      kind: 'policy',
      body: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'PublicRead',
            Effect: 'Allow',
            Principal: '*',
            Action: ['s3:GetObject'],
            Resource: [`arn:aws:s3:::${buckets.assets}/*`],
          },
        ],
      }),
    },
  ];
}

const elements = (xml: string, name: string) =>
  [...xml.matchAll(new RegExp(`<${name}>([^<]*)</${name}>`, 'g'))].map((match) => match[1]!.trim());

/** A statement of an S3 bucket policy as servers return it: one value or a list (IAM JSON policy reference). */
interface PolicyStatement {
  Effect: string;
  Principal: '*' | { AWS?: string | string[] };
  Action: string | string[];
  Resource: string | string[];
}

/** A comparable form of each setting, so formatting, namespaces and order do not count as change. */
function canonical(kind: BucketSetting['kind'], text: string): string {
  if (kind === 'policy') {
    const policy = JSON.parse(text);
    const statements = ([] as PolicyStatement[]).concat(policy.Statement ?? []).map((statement) => ({
      Effect: statement.Effect,
      Principal:
        statement.Principal === '*' || statement.Principal?.AWS === '*' || statement.Principal?.AWS?.[0] === '*'
          ? '*'
          : statement.Principal,
      Action: ([] as string[]).concat(statement.Action).sort(),
      Resource: ([] as string[]).concat(statement.Resource).sort(),
    }));
    return JSON.stringify(statements);
  }
  if (kind === 'cors') {
    const rules = [...text.matchAll(/<CORSRule>([\s\S]*?)<\/CORSRule>/g)].map(([, rule]) =>
      JSON.stringify(
        ['AllowedOrigin', 'AllowedMethod', 'AllowedHeader', 'ExposeHeader', 'MaxAgeSeconds'].map((name) =>
          elements(rule!, name).sort(),
        ),
      ),
    );
    return JSON.stringify(rules.sort());
  }
  const rules = [...text.matchAll(/<Rule>([\s\S]*?)<\/Rule>/g)].map(([, rule]) =>
    JSON.stringify(['ID', 'Prefix', 'Status', 'DaysAfterInitiation', 'Days'].map((name) => elements(rule!, name))),
  );
  return JSON.stringify(rules.sort());
}

/** Whether a setting as a bucket returns it (GET ?cors, ?lifecycle, ?policy) is the desired one, formatting aside. */
export function matchesBucketSetting(setting: BucketSetting, current: string): boolean {
  return canonical(setting.kind, current) === canonical(setting.kind, setting.body);
}

/**
 * Applies every setting; returns one line per setting: `changed`, `unchanged`, or `unsupported`
 * when the server does not implement it (the embedded s3rver has no policies or lifecycle rules).
 */
export async function applyBucketSettings(
  connection: S3Connection,
  settings: BucketSetting[],
): Promise<AppliedBucketSetting[]> {
  const { region, accessKeyId, secretAccessKey } = connection;
  const client = new AwsClient({ accessKeyId, secretAccessKey, service: 's3', region, retries: 0 });
  const results: AppliedBucketSetting[] = [];
  for (const setting of settings) {
    const url = bucketSettingUrl(connection, setting.bucket, setting.kind);
    const current = await client.fetch(url, { method: 'GET' }).catch((error: unknown) => {
      throw new Error(`GET ${url} failed: ${error instanceof Error ? (error.cause ?? error.message) : error}`, {
        cause: error,
      });
    });
    const currentText = await current.text();
    if (current.status === 501 || /<Code>NotImplemented<\/Code>/.test(currentText)) {
      results.push({ ...setting, outcome: 'unsupported' });
      continue;
    }
    if (current.ok && matchesBucketSetting(setting, currentText)) {
      results.push({ ...setting, outcome: 'unchanged' });
      continue;
    }
    // S3 requires Content-MD5 on these writes (S3 API: PutBucketCors, PutBucketLifecycleConfiguration).
    const contentMd5 = createHash('md5').update(setting.body).digest('base64');
    const written = await client.fetch(url, {
      method: 'PUT',
      body: setting.body,
      headers: {
        'content-md5': contentMd5,
        'content-type': setting.kind === 'policy' ? 'application/json' : 'application/xml',
      },
    });
    const answer = await written.text();
    if (written.status === 501 || /<Code>NotImplemented<\/Code>/.test(answer)) {
      results.push({ ...setting, outcome: 'unsupported' });
      continue;
    }
    if (!written.ok)
      throw new Error(`PUT ${setting.kind} on ${setting.bucket} answered ${written.status}: ${answer.slice(0, 200)}`);
    results.push({ ...setting, outcome: 'changed' });
  }
  return results;
}
