/** Binary units (IEC 80000-13): what `ls -h` and most transfer tools show. */
const units = ['KiB', 'MiB', 'GiB', 'TiB'];

/** `1000` → "1000 B", `1536` → "1.5 KiB", `12 * 2 ** 20` → "12.0 MiB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  let value = bytes / 1024;
  let unit = 0;
  // Move up before toFixed(1) would round to "1024.0" of the smaller unit.
  while (value >= 1023.95 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** Whole seconds, rounded up so time still to go never reads "0 s": "4 s", "2 min 5 s", "1 h 3 min". */
export function formatDuration(ms: number): string {
  const seconds = Math.ceil(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export interface ProgressSnapshot {
  /** Bytes done so far, including any a resumed transfer found already done. */
  done: number;
  total: number;
  /** Time since the transfer started in this run. */
  elapsedMs: number;
  /** Bytes already done when this run started (a resumed transfer): they do not count towards the rate. */
  startedFrom?: number;
}

/**
 * One line: "12.0 MiB / 40.0 MiB (30%) · 8.1 MiB/s · ETA 4 s". The rate is the mean since the
 * start of this run; "–" stands for a rate or ETA not yet known (nothing moved yet).
 */
export function formatProgress({ done, total, elapsedMs, startedFrom = 0 }: ProgressSnapshot): string {
  const percent = total === 0 ? 100 : Math.floor((Math.min(done, total) / total) * 100);
  const moved = done - startedFrom;
  const bytesPerSecond = elapsedMs > 0 && moved > 0 ? moved / (elapsedMs / 1000) : undefined;
  const remaining = Math.max(0, total - done);
  const eta = remaining === 0 ? '0 s' : bytesPerSecond ? formatDuration((remaining / bytesPerSecond) * 1000) : '–';
  const rate = bytesPerSecond ? `${formatBytes(bytesPerSecond)}/s` : '–/s';
  return `${formatBytes(done)} / ${formatBytes(total)} (${percent}%) · ${rate} · ETA ${eta}`;
}
