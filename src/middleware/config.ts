import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../context';
import { openDatabase, type Database } from '../db/client';
import { readConfig, type Config } from '../env';
import { createObjectStore, type ObjectStore } from '../sign/object-store';

// One signing client per validated config, so aws4fetch's derived-key cache outlives a request.
const objectStores = new WeakMap<Config, ObjectStore>();

/** Validates bindings once (see readConfig), and offers the S3 client and a lazily opened database. */
export function bindings() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const config = readConfig(c.env);
    c.set('config', config);
    let objectStore = objectStores.get(config);
    if (!objectStore) {
      objectStore = createObjectStore(config.s3);
      objectStores.set(config, objectStore);
    }
    c.set('objectStore', objectStore);
    let database: Database | undefined;
    c.set('database', () => (database ??= openDatabase(config.databaseUrl)));
    try {
      await next();
    } finally {
      if (database) c.executionCtx.waitUntil(database.close());
    }
  });
}
