// The probe's findings as rows of a table: the call made, what the store answered, and what that
// means for the gateway. Only rows the gateway cannot do without decide the exit status.

/**
 * `required`: the gateway cannot work without it. `optional`: the gateway has a fallback
 * (server-side copies, S3_SERVER_SIDE_COPY=auto). `informational`: the gateway does not make this
 * call; it is shown because operators report stores refusing it.
 */
export type Need = 'required' | 'optional' | 'informational';

export interface ProbeRow {
  call: string;
  /** Status and S3 error code, or what was wrong with a 2xx answer; never a URL or a secret. */
  answer: string;
  /** What the gateway will do given this answer. */
  gateway: string;
  need: Need;
  /** False only when the gateway cannot work as configured. */
  passed: boolean;
}

/** Rows the gateway cannot do without that did not pass. */
export function missingRequired(rows: readonly ProbeRow[]): ProbeRow[] {
  return rows.filter((row) => !row.passed);
}

const columns = ['call', 'answer', 'gateway'] as const;

/** A plain-text table, columns padded to their widest cell, for a terminal or a README code block. */
export function formatTable(rows: readonly ProbeRow[]): string {
  const widths = columns.map((column) => Math.max(column.length, ...rows.map((row) => row[column].length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, index) => (index === cells.length - 1 ? cell : cell.padEnd(widths[index]!)))
      .join('  ')
      .trimEnd();
  return [
    line(columns),
    line(widths.map((width) => '-'.repeat(width))),
    ...rows.map((row) => line(columns.map((column) => row[column]))),
  ].join('\n');
}

/** The last line: whether the gateway can run against this store. */
export function verdict(rows: readonly ProbeRow[]): string {
  const missing = missingRequired(rows);
  if (missing.length > 0) {
    const named = missing.slice(0, 3).map((row) => row.call);
    const more = missing.length > named.length ? `; and ${missing.length - named.length} more` : '';
    return `FAIL: ${missing.length} of the calls the gateway needs did not work: ${named.join('; ')}${more}`;
  }
  const refusedCopies = rows.filter((row) => row.need === 'optional' && row.gateway !== 'ok').length;
  return refusedCopies > 0
    ? `OK: every call the gateway needs works; ${refusedCopies} server-side cop${refusedCopies === 1 ? 'y was' : 'ies were'} refused, and S3_SERVER_SIDE_COPY=auto streams instead`
    : 'OK: every call the gateway needs works, server-side copies included';
}
