// Builds dist/static, the directory Workers Static Assets serves ([assets] in wrangler.toml): the
// committed files of static/ (the /docs page and its headers) and Swagger UI's browser bundle from
// node_modules/swagger-ui-dist. Runs on `npm ci` (prepare) and `npm run build:docs`.
//
// Swagger UI is ~1.7 MB of JavaScript: served as static assets, it is no part of the Worker's
// script, whose size `npm run deploy:check` holds under a budget.
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const root = new URL('../', import.meta.url).pathname;
const out = join(root, 'dist/static');
const swaggerUi = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
cpSync(join(root, 'static'), out, { recursive: true });
const fromSwaggerUi = {
  'swagger-ui-bundle.js': 'swagger-ui-bundle.js',
  'swagger-ui.css': 'swagger-ui.css',
  // Apache License 2.0 §4: a redistribution carries the licence and the NOTICE file.
  LICENSE: 'swagger-ui-LICENSE.txt',
  NOTICE: 'swagger-ui-NOTICE.txt',
};
for (const [file, target] of Object.entries(fromSwaggerUi)) cpSync(join(swaggerUi, file), join(out, 'docs', target));
