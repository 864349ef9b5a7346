import { buildApp } from './app';
import { runScheduledSweep } from './datasets/cron';
import { consumeDatasetBuilds } from './datasets/queue';
import { isPostgresSocketLeftover } from './db/socket-leftovers';
import type { Bindings, DatasetBuildMessage } from './env';

const app = buildApp();

addEventListener('unhandledrejection', (event) => {
  if (isPostgresSocketLeftover(event.reason)) event.preventDefault();
});

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
  queue: (batch, env) => consumeDatasetBuilds(batch, env),
  scheduled: (_controller, env) => runScheduledSweep(env),
} satisfies ExportedHandler<Bindings, DatasetBuildMessage>;
