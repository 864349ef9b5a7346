export interface LocalPostgres {
  kind: 'postgresql' | 'pglite';
  url: string;
  pid: number;
  stop(): Promise<void>;
}
export function startPostgres(options?: { prefer?: string }): Promise<LocalPostgres>;
