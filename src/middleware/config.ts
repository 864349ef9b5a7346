import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../context';
import { openDatabase, type Database } from '../db/client';
import { readConfig } from '../env';
import { sharedObjectStore } from '../sign/object-store';

/** Validates bindings once (see readConfig), and offers the S3 client and a lazily opened database. */
export function bindings() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const config = readConfig(c.env);
    c.set('config', config);
    c.set('objectStore', sharedObjectStore(config.s3));
    let database: Database | undefined;
    c.set('database', () => (database ??= openDatabase(config.databaseUrl)));
    try {
      await next();
    } finally {
      if (database) c.executionCtx.waitUntil(database.close());
    }
  });
}
