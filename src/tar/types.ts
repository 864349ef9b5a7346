/** A member of a tar archive, as the planner's caller describes it. */
export interface TarMember {
  /** Path inside the archive, '/'-separated, UTF-8; no leading '/', no '..' segments, no NUL/control chars. */
  name: string;
  modifiedAt: Date;
  /**
   * 'stored': piped untouched from object storage, `index` naming it for the writer; 'inline':
   * bytes the plan holds (a manifest, say).
   */
  body: { kind: 'stored'; index: number; size: number } | { kind: 'inline'; bytes: Uint8Array };
}
