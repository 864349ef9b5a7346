import { buildApp } from './app';
import { isPostgresSocketLeftover } from './db/socket-leftovers';
import type { Bindings } from './env';

const app = buildApp();

addEventListener('unhandledrejection', (event) => {
  if (isPostgresSocketLeftover(event.reason)) event.preventDefault();
});

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
} satisfies ExportedHandler<Bindings>;
