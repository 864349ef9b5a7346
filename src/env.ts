import { z } from 'zod';
import { defaultCorsOrigins, parseCorsOrigins } from './cors-origins';
import { serverSideCopyModes } from './s3/server-side-copy';

/** What wrangler binds to the Worker: vars and secrets as strings, Hyperdrive as a binding. */
export interface Bindings {
  HYPERDRIVE: Hyperdrive;
  SUPABASE_URL: string;
  AUTH_JWKS?: string;
  SUPABASE_JWT_SECRET?: string;
  ALLOW_ANONYMOUS_USERS?: string;
  S3_ENDPOINT: string;
  S3_REGION: string;
  S3_ACCESS_KEY_ID: string;
  S3_SECRET_ACCESS_KEY: string;
  S3_FORCE_PATH_STYLE?: string;
  S3_TIMEOUT_MS?: string;
  S3_SERVER_SIDE_COPY?: string;
  BUCKET_RAW: string;
  BUCKET_PROCESSED: string;
  BUCKET_ASSETS: string;
  CORS_ORIGINS?: string;
  UPLOAD_URL_TTL_SECONDS?: string;
  VIEW_URL_TTL_SECONDS?: string;
  ASSET_MAX_AGE_SECONDS?: string;
  ASSET_MISSING_MAX_AGE_SECONDS?: string;
  ASSET_IMMUTABLE_PREFIX?: string;
  ASSET_ORIGIN_TIMEOUT_MS?: string;
  BUNDLE_SIGNING_SECRET: string;
  BUNDLE_SIGNING_SECRET_PREVIOUS?: string;
  BUNDLE_LINK_TTL_SECONDS?: string;
  BUNDLE_MEMBER_LIMIT?: string;
  MULTIPART_THRESHOLD_BYTES?: string;
  MAX_JSON_BODY_BYTES?: string;
  DATASET_BUILDS: Queue<DatasetBuildMessage>;
  DATASET_BUILD_CONCURRENCY?: string;
  DATASET_BUILD_FAILED_ATTEMPTS?: string;
  DATASET_BUILD_RETRY_DELAY_SECONDS?: string;
  DATASET_BUILD_SLICE_SECONDS?: string;
  DATASET_DOWNLOAD_URL_TTL_SECONDS?: string;
  DATASET_BUILD_SUBREQUESTS?: string;
  DATASET_BUILD_STALL_MINUTES?: string;
  DATASET_BUILD_REQUEUES?: string;
}

/** What the dataset build queue carries: only the id; the database holds the rest. */
/** Without `shard`, the dataset's member list is to be cut into shards (src/datasets/cut.ts). */
export interface DatasetBuildMessage {
  datasetId: string;
  shard?: number;
}

const jwkSchema = z.looseObject({ kty: z.string(), kid: z.string().min(1), alg: z.string().optional() });

const configSchema = z.object({
  supabaseUrl: z.url({ protocol: /^https?$/ }).transform((url) => url.replace(/\/+$/, '')),
  // A fixed key set (local stack, tests); production leaves it unset and fetches Supabase's JWKS.
  authJwks: z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined || text === '') return undefined;
      const parsed = z.object({ keys: z.array(jwkSchema).min(1) }).safeParse(safeJson(text));
      if (!parsed.success) {
        ctx.addIssue({ code: 'custom', message: 'AUTH_JWKS is not a JSON Web Key Set' });
        return z.NEVER;
      }
      return { keys: parsed.data.keys };
    }),
  // The legacy HS256 secret, for projects not (or not yet) on asymmetric signing keys. HS256 needs
  // a key at least as long as its hash, 256 bits (RFC 7518 §3.2); Supabase's secrets are longer.
  supabaseJwtSecret: z.string().min(32).optional(),
  // Anonymous sign-ins are users too (role `authenticated`), refused unless the operator opts in.
  allowAnonymousUsers: z
    .enum(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true'),
  databaseUrl: z.string().min(1),
  s3: z.object({
    endpoint: z.url({ protocol: /^https?$/ }).transform((url) => url.replace(/\/+$/, '')),
    region: z.string().min(1),
    accessKeyId: z.string().min(1),
    secretAccessKey: z.string().min(1),
    forcePathStyle: z
      .enum(['true', 'false'])
      .default('false')
      .transform((value) => value === 'true'),
    // How long any S3 call may take to answer with headers; a body may stream for longer. Server-
    // side copies and Completes answer only when done, and on Ceph RGW (Hetzner) a same-bucket
    // copy shares the source's data, so 30 s bounds a hung store without failing a large copy.
    timeoutMs: z.coerce.number().int().min(100).max(600_000).default(30_000),
    // Hetzner may refuse copies (README, "Server-side copy"); `auto` asks and streams when refused.
    serverSideCopy: z.enum(serverSideCopyModes).default('auto'),
  }),
  buckets: z.object({ raw: z.string().min(3), processed: z.string().min(3), assets: z.string().min(3) }),
  corsOrigins: z.string().default(defaultCorsOrigins).transform(parseCorsOrigins),
  // Upload URLs live 15 minutes and view URLs at most 5 (DESIGN.md, Authorisation).
  uploadUrlTtlSeconds: z.coerce.number().int().min(60).max(900).default(900),
  viewUrlTtlSeconds: z.coerce.number().int().min(10).max(300).default(300),
  // Above this size uploads are multipart; a single PUT may not exceed 5 GiB (S3 API: PutObject).
  multipartThresholdBytes: z.coerce
    .number()
    .int()
    .min(5 * 1024 ** 2)
    .max(5 * 1024 ** 3)
    .default(64 * 1024 ** 2),
  // The largest JSON body the API reads. The biggest legitimate one, a Complete listing 10,000
  // parts, is about 600 KB; anything larger is refused before it is parsed or the token checked.
  maxJsonBodyBytes: z.coerce
    .number()
    .int()
    .min(1024)
    .max(100 * 1024 ** 2)
    .default(1024 ** 2),
  assets: z.object({
    maxAgeSeconds: z.coerce.number().int().min(0).default(86400),
    // A missing icon is remembered briefly, so a storm of requests for it does not reach S3.
    missingMaxAgeSeconds: z.coerce.number().int().min(0).default(60),
    // Keys under this prefix carry a version and never change, so browsers may skip revalidation.
    immutablePrefix: z.string().default('v/'),
    originTimeoutMs: z.coerce.number().int().min(1).default(5000),
  }),
  bundles: z.object({
    // HMAC key for download links; 32+ characters so it cannot be guessed offline.
    signingSecret: z.string().min(32),
    // The secret before the last rotation: it still verifies links (never signs one) until they
    // expire, then is removed (docs: rotating BUNDLE_SIGNING_SECRET). Empty means unset.
    previousSigningSecret: z
      .string()
      .optional()
      .transform((text) => (text === '' ? undefined : text))
      .pipe(z.string().min(32).optional()),
    linkTtlSeconds: z.coerce
      .number()
      .int()
      .min(60)
      .max(7 * 24 * 3600)
      .default(3600),
    memberLimit: z.coerce.number().int().min(1).max(65_000).default(5000),
  }),
  datasets: z
    .object({
      // Parts in flight per build. An invocation may have six connections waiting for response
      // headers; a seventh waits until one of them has its headers (developers.cloudflare.com/
      // workers/platform/limits/, "Simultaneous open connections"). A streamed part's UploadPart
      // PUT has its headers only once its whole body is sent, and that body is fed by member
      // GETs (src/datasets/upload-part.ts, src/streams/archive-writer.ts): each part in flight
      // holds a connection for as long as it streams. The GETs opened ahead (lookahead 5) hold
      // one only until their own headers, which nothing in the Worker delays, so they queue but
      // cannot block. The database's TCP socket counts too. Five parts would take five, the
      // socket the sixth, and no GET could start: every PUT would wait for a body that never
      // comes. Four leaves one connection for the GETs. wrangler.toml max_concurrency is sized
      // from this value too.
      buildConcurrency: z.coerce
        .number()
        .int()
        .min(1)
        .max(4, {
          message:
            'above 4, the parts in flight and the database socket take all six connections an invocation may have waiting for headers, and the member GETs feeding the parts never start',
        })
        .default(4),
      failedAttempts: z.coerce.number().int().min(1).max(100).default(5),
      retryDelaySeconds: z.coerce.number().int().min(0).max(43_200).default(30),
      // A queue consumer may run 15 minutes of wall time; a build stops starting parts well before
      // and continues in a fresh invocation from what it recorded.
      sliceSeconds: z.coerce.number().int().min(0).max(840).default(600),
      // Presigned dataset downloads live at most 15 minutes, like every presigned URL (DESIGN.md, Authorisation).
      downloadUrlTtlSeconds: z.coerce.number().int().min(10).max(900).default(900),
      // Subrequests the parts of one build invocation may use (src/datasets/part-cost.ts), and the
      // sweep's cleanups per run; wrangler.toml [limits] subrequests is derived from it.
      subrequestBudget: z.coerce.number().int().min(100).max(9_000_000).default(20_000),
      // A building dataset that records nothing for this long has nobody working on it: the Cron
      // Trigger re-queues it (src/datasets/sweep.ts), and fails it after `requeues` re-queues.
      stallMinutes: z.coerce.number().int().min(5).max(10_080).default(30),
      requeues: z.coerce.number().int().min(0).max(100).default(3),
    })
    .refine(
      // A live build records something at least once per slice or retry; five minutes more for
      // the queue to deliver, so only a build nobody works on is taken for stalled.
      (datasets) => datasets.stallMinutes * 60 >= datasets.sliceSeconds + datasets.retryDelaySeconds + 300,
      { message: 'must exceed the slice and the retry delay by 5 minutes', path: ['stallMinutes'] },
    ),
});

export type Config = z.infer<typeof configSchema>;

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Validates the bindings and returns typed config; src/isolate.ts calls it once per isolate.
 * Names the offending settings, never their values, since some are secrets.
 */
export function readConfig(env: Bindings): Config {
  const result = configSchema.safeParse({
    supabaseUrl: env.SUPABASE_URL,
    authJwks: env.AUTH_JWKS,
    supabaseJwtSecret: env.SUPABASE_JWT_SECRET,
    allowAnonymousUsers: env.ALLOW_ANONYMOUS_USERS,
    databaseUrl: env.HYPERDRIVE?.connectionString,
    s3: {
      endpoint: env.S3_ENDPOINT,
      region: env.S3_REGION,
      accessKeyId: env.S3_ACCESS_KEY_ID,
      secretAccessKey: env.S3_SECRET_ACCESS_KEY,
      forcePathStyle: env.S3_FORCE_PATH_STYLE,
      timeoutMs: env.S3_TIMEOUT_MS,
      serverSideCopy: env.S3_SERVER_SIDE_COPY,
    },
    buckets: { raw: env.BUCKET_RAW, processed: env.BUCKET_PROCESSED, assets: env.BUCKET_ASSETS },
    corsOrigins: env.CORS_ORIGINS,
    uploadUrlTtlSeconds: env.UPLOAD_URL_TTL_SECONDS,
    viewUrlTtlSeconds: env.VIEW_URL_TTL_SECONDS,
    multipartThresholdBytes: env.MULTIPART_THRESHOLD_BYTES,
    maxJsonBodyBytes: env.MAX_JSON_BODY_BYTES,
    assets: {
      maxAgeSeconds: env.ASSET_MAX_AGE_SECONDS,
      missingMaxAgeSeconds: env.ASSET_MISSING_MAX_AGE_SECONDS,
      immutablePrefix: env.ASSET_IMMUTABLE_PREFIX,
      originTimeoutMs: env.ASSET_ORIGIN_TIMEOUT_MS,
    },
    bundles: {
      signingSecret: env.BUNDLE_SIGNING_SECRET,
      previousSigningSecret: env.BUNDLE_SIGNING_SECRET_PREVIOUS,
      linkTtlSeconds: env.BUNDLE_LINK_TTL_SECONDS,
      memberLimit: env.BUNDLE_MEMBER_LIMIT,
    },
    datasets: {
      buildConcurrency: env.DATASET_BUILD_CONCURRENCY,
      failedAttempts: env.DATASET_BUILD_FAILED_ATTEMPTS,
      retryDelaySeconds: env.DATASET_BUILD_RETRY_DELAY_SECONDS,
      sliceSeconds: env.DATASET_BUILD_SLICE_SECONDS,
      downloadUrlTtlSeconds: env.DATASET_DOWNLOAD_URL_TTL_SECONDS,
      subrequestBudget: env.DATASET_BUILD_SUBREQUESTS,
      stallMinutes: env.DATASET_BUILD_STALL_MINUTES,
      requeues: env.DATASET_BUILD_REQUEUES,
    },
  });
  if (!result.success) {
    const names = [...new Set(result.error.issues.map((issue) => issue.path.join('.')))];
    throw new ConfigError(`invalid configuration: ${names.join(', ')}`);
  }
  return result.data;
}

/**
 * Bindings that are secrets: set per environment with `wrangler secret put NAME --env ENV`, never
 * in wrangler.toml [vars] (npm run deploy:check lists them and refuses them in [vars]). A new
 * secret belongs here as well as in Bindings and the schema.
 */
export const secretBindings = {
  required: ['S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY', 'BUNDLE_SIGNING_SECRET'],
  // Legacy HS256 projects (SUPABASE_JWT_SECRET), and the signing secret before a rotation, which
  // still verifies the links it signed until they expire (BUNDLE_SIGNING_SECRET_PREVIOUS).
  optional: ['SUPABASE_JWT_SECRET', 'BUNDLE_SIGNING_SECRET_PREVIOUS'],
} as const satisfies { required: readonly (keyof Bindings)[]; optional: readonly (keyof Bindings)[] };
