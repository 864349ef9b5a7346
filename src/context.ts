import type { Context } from 'hono';
import type { VerifiedToken } from './auth/verify-token';
import type { Database } from './db/client';
import type { Bindings, Config } from './env';
import type { Isolate } from './isolate';
import type { ObjectStore } from './s3/store';

/** Hono's typed Env for every route and middleware of the gateway. */
export interface AppEnv {
  Bindings: Bindings;
  Variables: {
    requestId: string;
    /** What the isolate keeps between requests (src/isolate.ts). */
    isolate: Isolate;
    config: Config;
    objectStore: ObjectStore;
    /** Set by `authenticate()`; absent on public routes. */
    token?: VerifiedToken;
    /** Opens the request's database client on first use; closed after the response. */
    database: () => Database;
  };
}

export type AppContext = Context<AppEnv>;
