import type { Jwk, Jwks } from './jwt.mjs';

export const projectRoot: string;
export const localSupabaseUrl: string;

export interface LocalAuth {
  supabaseUrl: string;
  privateJwk: Jwk;
  jwks: Jwks;
  bundleSigningSecret: string;
}

export function loadLocalAuth(): Promise<LocalAuth>;

export interface RunningStack {
  url: string;
  databaseUrl: string;
  auth: LocalAuth;
  s3: {
    endpoint: string;
    region: string;
    accessKeyId: string;
    secretAccessKey: string;
    forcePathStyle: boolean;
    buckets: { raw: string; processed: string; assets: string };
  };
}

export function createStack(options?: {
  port?: number;
  env?: Record<string, string | undefined>;
  log?: (line: string) => void;
  workerBindings?: Record<string, string>;
  entrypoint?: string;
}): {
  start(): Promise<RunningStack>;
  stop(): Promise<void>;
};
