// Builds the client SDK (platform-neutral ESM, for browsers, React Native and Node) and the CLI
// (Node) into dist/ with esbuild. Runs on `npm ci` (prepare) and `npm run build:sdk`.
import { build } from 'esbuild';
import { chmodSync } from 'node:fs';

const root = new URL('../', import.meta.url).pathname;
await build({
  entryPoints: [`${root}sdk/index.ts`],
  outfile: `${root}dist/sdk.mjs`,
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  logLevel: 'warning',
});
await build({
  entryPoints: [`${root}sdk/cli.ts`],
  outfile: `${root}dist/cli.mjs`,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  banner: { js: '#!/usr/bin/env node' },
  logLevel: 'warning',
});
// The CLI is package.json's `bin`: it must be executable.
chmodSync(`${root}dist/cli.mjs`, 0o755);
