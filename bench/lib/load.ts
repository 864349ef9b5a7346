// One autocannon run, reduced to the numbers the benchmarks print.
import autocannon from 'autocannon';

export interface LoadResult {
  connections: number;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  total: number;
  failures: number;
}

export async function runLoad(options: autocannon.Options & { connections: number }): Promise<LoadResult> {
  const result = await autocannon({ ...options });
  return {
    connections: options.connections,
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    failures: result.non2xx + result.errors + result.timeouts,
  };
}

export function formatLoad(label: string, r: LoadResult): string {
  return `${label.padEnd(22)} ${String(r.connections).padStart(5)}  ${r.requestsPerSecond.toFixed(0).padStart(10)}  ${String(r.p50).padStart(6)}  ${String(r.p99).padStart(6)}  ${String(r.failures).padStart(7)}`;
}

export const loadHeader = `${'workload'.padEnd(22)} ${'conns'.padStart(5)}  ${'requests/s'.padStart(10)}  ${'p50 ms'.padStart(6)}  ${'p99 ms'.padStart(6)}  ${'non-2xx'.padStart(7)}`;
