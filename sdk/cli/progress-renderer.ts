import { formatProgress } from './progress-format';

/** Where progress goes: stderr in the CLI, so stdout stays the command's JSON result. */
export interface ProgressOutput {
  write(text: string): void;
  isTTY?: boolean;
}

export interface ProgressRendererOptions {
  /** Printed before each line, e.g. the file's path. */
  label: string;
  output: ProgressOutput;
  now?: () => number;
  /** Least time between two lines; the last line (all bytes done) is always shown. */
  intervalMs?: number;
}

export interface ProgressRenderer {
  update(progress: { uploadedBytes: number; totalBytes: number }): void;
  /** A message of its own line (e.g. "resuming"), not overwritten by the next update. */
  note(message: string): void;
}

// A terminal redraws one line in place; a pipe or log file gets whole lines, so fewer of them.
const terminalIntervalMs = 200;
const lineIntervalMs = 1000;
// ANSI "erase in line" (ECMA-48 EL, CSI K): clears what a longer previous line left behind.
const eraseToEndOfLine = '\u001b[K';

/**
 * Throttled progress lines. The rate and ETA are measured from the first update, so a transfer
 * that reports 0 bytes (or the bytes a resumed transfer found done) before it starts gets an
 * honest rate.
 */
export function progressRenderer(options: ProgressRendererOptions): ProgressRenderer {
  const { label, output } = options;
  const now = options.now ?? Date.now;
  const terminal = Boolean(output.isTTY);
  const intervalMs = options.intervalMs ?? (terminal ? terminalIntervalMs : lineIntervalMs);
  let start: { at: number; done: number } | undefined;
  let lastLineAt = Number.NEGATIVE_INFINITY;
  let finishedShown = false;
  let lineOpen = false;
  return {
    update({ uploadedBytes: done, totalBytes: total }) {
      const at = now();
      start ??= { at, done };
      const finished = done >= total;
      if (finished ? finishedShown : at - lastLineAt < intervalMs) return;
      lastLineAt = at;
      finishedShown = finished;
      const line = `${label} ${formatProgress({ done, total, elapsedMs: at - start.at, startedFrom: start.done })}`;
      if (!terminal) return output.write(`${line}\n`);
      output.write(`\r${line}${eraseToEndOfLine}${finished ? '\n' : ''}`);
      lineOpen = !finished;
    },
    note(message) {
      if (lineOpen) output.write(`\r${eraseToEndOfLine}`);
      lineOpen = false;
      output.write(`${message}\n`);
    },
  };
}
