import type { TestProject } from 'vitest/node';
import { migrate } from '../../scripts/lib/database';
import { generateSigningKey, type Jwk } from '../../scripts/lib/jwt';
import { startPostgres } from '../../scripts/lib/postgres';
import { startRgw } from '../../scripts/lib/rgw';
import { startS3rver } from '../../scripts/lib/s3rver';
import { withS3Profile } from '../../scripts/lib/local-s3';
import { startFakeSupabaseAuth } from './fake-supabase-auth';
import { startHangingS3 } from './hanging-s3';
import { startS3Proxy } from './s3-proxy';
import { startS3RequestLog } from './s3-request-log';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    s3Kind: string;
    s3Profile: string;
    s3Endpoint: string;
    s3Region: string;
    s3AccessKeyId: string;
    s3SecretAccessKey: string;
    supabaseUrl: string;
    s3RequestLogUrl: string;
    hangingS3Url: string;
    signingKey: Jwk;
    bundleSigningSecret: string;
  }
}

/**
 * s3rver by default; Ceph RGW, the S3 implementation closest to production, for `npm run test:rgw`;
 * either behind the no-copy front with STORAGE_MANAGER_S3_PROFILE=no-copy.
 */
async function startS3() {
  const kind = process.env.STORAGE_MANAGER_S3 ?? 's3rver';
  if (kind === 'rgw') return withS3Profile(await startRgw());
  if (kind === 's3rver') return withS3Profile(await startS3rver());
  throw new Error(`STORAGE_MANAGER_S3 must be s3rver or rgw, not ${kind}`);
}

export default async function setup(project: TestProject) {
  const [database, s3, key] = await Promise.all([startPostgres(), startS3(), generateSigningKey()]);
  // From here on, a failure must still stop what already runs.
  const stops: (() => Promise<unknown>)[] = [() => database.stop(), () => s3.stop()];
  const stopAll = async () => {
    await Promise.all(stops.map((stop) => stop()));
  };
  try {
    // The Worker (and the tests) reach S3 only through the proxy, which logs every request.
    const proxy = await startS3Proxy(s3.endpoint);
    stops.push(() => proxy.stop());
    // One loopback server per concern: Supabase Auth (JWKS), the S3 request log, and an S3 that
    // never answers.
    const auth = await startFakeSupabaseAuth(key.jwks);
    stops.push(() => auth.stop());
    const requestLog = await startS3RequestLog(proxy.requestLog);
    stops.push(() => requestLog.stop());
    const hangingS3 = await startHangingS3();
    stops.push(() => hangingS3.stop());
    await migrate(database.url);
    project.provide('databaseUrl', database.url);
    project.provide('s3Kind', s3.kind);
    project.provide('s3Profile', s3.profile ?? 'full');
    project.provide('s3Endpoint', proxy.url);
    project.provide('s3Region', s3.region);
    project.provide('s3AccessKeyId', s3.accessKeyId);
    project.provide('s3SecretAccessKey', s3.secretAccessKey);
    project.provide('supabaseUrl', auth.url);
    project.provide('s3RequestLogUrl', requestLog.url);
    project.provide('hangingS3Url', hangingS3.url);
    project.provide('signingKey', key.privateJwk);
    project.provide('bundleSigningSecret', `${crypto.randomUUID()}${crypto.randomUUID()}`);
  } catch (error) {
    await stopAll();
    throw error;
  }
  return stopAll;
}
