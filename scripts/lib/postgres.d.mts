export interface LocalPostgres {
  kind: 'postgresql' | 'pglite';
  url: string;
  pid: number;
  /** System PostgreSQL only: the directory of its Unix socket. */
  socketDirectory?: string;
  stop(): Promise<void>;
}
export function startPostgres(options?: { prefer?: string }): Promise<LocalPostgres>;
