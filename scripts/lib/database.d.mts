export const migrationsDirectory: string;
export function supabaseCliEnvironment(env?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
export function runSupabaseCli(
  args: string[],
  options?: { env?: NodeJS.ProcessEnv; timeoutMs?: number; prefix?: string[] },
): Promise<{ stdout: string; stderr: string }>;
export function cliDatabaseUrl(url: string): string;
export function pushMigrations(
  url: string,
  options?: { env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<{ stdout: string; stderr: string }>;
export function migrate(url: string, options?: { seed?: boolean }): Promise<void>;
