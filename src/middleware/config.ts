import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../context';
import { type Database, openDatabase } from '../db/client';
import { isolateFor } from '../isolate';

/**
 * Offers the isolate's context (bindings validated once, src/isolate.ts) and a database client
 * opened on first use and closed after the response.
 */
export function bindings() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const isolate = isolateFor(c.env);
    c.set('isolate', isolate);
    c.set('config', isolate.config);
    c.set('objectStore', isolate.objectStore);
    let database: Database | undefined;
    c.set('database', () => {
      database ??= openDatabase(isolate.config.databaseUrl);
      return database;
    });
    try {
      await next();
    } finally {
      if (database) c.executionCtx.waitUntil(database.close());
    }
  });
}
