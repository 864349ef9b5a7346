export function freePort(): Promise<number>;
export function waitUntil<T>(
  probe: () => Promise<T>,
  options?: { timeoutMs?: number; intervalMs?: number; what?: string },
): Promise<T>;
