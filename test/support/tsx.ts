import { createRequire } from 'node:module';

/**
 * tsx's command line, which package.json's scripts run the project's TypeScript scripts with: a
 * test runs a script as `process.execPath, [tsx, 'scripts/NAME.ts', ...args]`, the way `npm run`
 * does, without npm in between.
 */
export const tsx = createRequire(import.meta.url).resolve('tsx/cli');
