export function migrate(url: string, options?: { seed?: boolean }): Promise<void>;
