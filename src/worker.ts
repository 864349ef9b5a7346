import { buildApp } from './app';
import { isClosedSocketRejection } from './db/client';
import type { Bindings } from './env';

const app = buildApp();

addEventListener('unhandledrejection', (event) => {
  if (isClosedSocketRejection(event.reason)) event.preventDefault();
});

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
} satisfies ExportedHandler<Bindings>;
