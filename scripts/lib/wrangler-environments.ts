// The deployable environments of wrangler.toml ([env.staging], [env.production]), read by
// wrangler itself, so inheritance works exactly as `wrangler deploy --env NAME` sees it. Used by
// `npm run deploy:check` and `npm run buckets:apply -- --env NAME`.
import { join } from 'node:path';
import { experimental_readRawConfig, type Unstable_Config, unstable_readConfig } from 'wrangler';

export const projectRoot = new URL('../../', import.meta.url).pathname;
export const defaultConfigPath = join(projectRoot, 'wrangler.toml');
export const deployEnvironments: string[] = ['staging', 'production'];

/**
 * Wrangler's resolved configuration of one named environment. Throws when wrangler.toml has no
 * such [env.NAME]: wrangler itself would quietly fall back to the top level (the local stack).
 */
export function readEnvironment(name: string, configPath: string = defaultConfigPath): Unstable_Config {
  const { rawConfig } = experimental_readRawConfig({ config: configPath });
  if (!rawConfig.env || !Object.hasOwn(rawConfig.env, name)) {
    const known = Object.keys(rawConfig.env ?? {});
    throw new Error(`${configPath} has no [env.${name}]${known.length > 0 ? ` (it has: ${known.join(', ')})` : ''}`);
  }
  return unstable_readConfig({ config: configPath, env: name }, { hideWarnings: true });
}
