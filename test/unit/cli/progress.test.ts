import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, formatProgress } from '../../../sdk/cli/progress-format';
import { progressRenderer } from '../../../sdk/cli/progress-renderer';

const MiB = 1024 * 1024;

describe('formatBytes', () => {
  it('shows bytes below 1 KiB whole, and binary units with one decimal above', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1000)).toBe('1000 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(12 * MiB)).toBe('12.0 MiB');
    expect(formatBytes(1024 * MiB + 1)).toBe('1.0 GiB');
    expect(formatBytes(5 * 1024 ** 4)).toBe('5.0 TiB');
  });

  it('moves to the next unit rather than show 1024.0 of the smaller one', () => {
    expect(formatBytes(MiB - 1)).toBe('1.0 MiB');
    expect(formatBytes(1023.9 * 1024)).toBe('1023.9 KiB');
  });
});

describe('formatDuration', () => {
  it('rounds up to whole seconds, then minutes and hours', () => {
    expect(formatDuration(0)).toBe('0 s');
    expect(formatDuration(1)).toBe('1 s');
    expect(formatDuration(3457)).toBe('4 s');
    expect(formatDuration(59_000)).toBe('59 s');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
    expect(formatDuration(3_780_000)).toBe('1 h 3 min');
  });
});

describe('formatProgress', () => {
  it('shows bytes done and total, the mean rate and the time left', () => {
    // 12 MiB in 1.4815 s is 8.1 MiB/s; the 28 MiB left take 3.46 s, shown as 4 s.
    expect(formatProgress({ done: 12 * MiB, total: 40 * MiB, elapsedMs: 1481.5 })).toBe(
      '12.0 MiB / 40.0 MiB (30%) · 8.1 MiB/s · ETA 4 s',
    );
  });

  it('leaves bytes a resumed transfer found done out of the rate', () => {
    // 30 MiB were there already; 2 MiB moved in 1 s: 2 MiB/s, 8 MiB left.
    expect(formatProgress({ done: 32 * MiB, total: 40 * MiB, elapsedMs: 1000, startedFrom: 30 * MiB })).toBe(
      '32.0 MiB / 40.0 MiB (80%) · 2.0 MiB/s · ETA 4 s',
    );
  });

  it('says the rate and ETA are not known before anything moved', () => {
    expect(formatProgress({ done: 0, total: 40 * MiB, elapsedMs: 0 })).toBe('0 B / 40.0 MiB (0%) · –/s · ETA –');
    expect(formatProgress({ done: 0, total: 40 * MiB, elapsedMs: 5000 })).toBe('0 B / 40.0 MiB (0%) · –/s · ETA –');
  });

  it('shows ETA 0 s when done, and 100% for an empty file', () => {
    expect(formatProgress({ done: 40 * MiB, total: 40 * MiB, elapsedMs: 10_000 })).toBe(
      '40.0 MiB / 40.0 MiB (100%) · 4.0 MiB/s · ETA 0 s',
    );
    expect(formatProgress({ done: 0, total: 0, elapsedMs: 0 })).toBe('0 B / 0 B (100%) · –/s · ETA 0 s');
  });
});

/** A renderer on a fake clock writing into an array. */
function rendererAt(isTTY: boolean, intervalMs?: number) {
  let clock = 0;
  const written: string[] = [];
  const renderer = progressRenderer({
    label: 'clip.bin',
    output: { write: (text) => written.push(text), isTTY },
    now: () => clock,
    intervalMs,
  });
  return { renderer, written, advance: (ms: number) => (clock += ms) };
}

describe('progressRenderer', () => {
  it('writes whole lines at most once a second when not a terminal, and always the last one', () => {
    const { renderer, written, advance } = rendererAt(false);
    renderer.update({ uploadedBytes: 0, totalBytes: 10 * MiB });
    for (let done = 1; done < 10; done++) {
      advance(250);
      renderer.update({ uploadedBytes: done * MiB, totalBytes: 10 * MiB });
    }
    advance(10);
    renderer.update({ uploadedBytes: 10 * MiB, totalBytes: 10 * MiB });
    renderer.update({ uploadedBytes: 10 * MiB, totalBytes: 10 * MiB });
    expect(written).toEqual([
      'clip.bin 0 B / 10.0 MiB (0%) · –/s · ETA –\n',
      'clip.bin 4.0 MiB / 10.0 MiB (40%) · 4.0 MiB/s · ETA 2 s\n',
      'clip.bin 8.0 MiB / 10.0 MiB (80%) · 4.0 MiB/s · ETA 1 s\n',
      'clip.bin 10.0 MiB / 10.0 MiB (100%) · 4.4 MiB/s · ETA 0 s\n',
    ]);
  });

  it('redraws one line in place on a terminal, ending it when done', () => {
    const { renderer, written, advance } = rendererAt(true, 200);
    renderer.update({ uploadedBytes: 0, totalBytes: 2 * MiB });
    advance(100);
    renderer.update({ uploadedBytes: MiB / 2, totalBytes: 2 * MiB });
    advance(100);
    renderer.update({ uploadedBytes: MiB, totalBytes: 2 * MiB });
    advance(200);
    renderer.update({ uploadedBytes: 2 * MiB, totalBytes: 2 * MiB });
    expect(written).toEqual([
      '\rclip.bin 0 B / 2.0 MiB (0%) · –/s · ETA –\u001b[K',
      '\rclip.bin 1.0 MiB / 2.0 MiB (50%) · 5.0 MiB/s · ETA 1 s\u001b[K',
      '\rclip.bin 2.0 MiB / 2.0 MiB (100%) · 5.0 MiB/s · ETA 0 s\u001b[K\n',
    ]);
  });

  it('clears the progress line before a note on a terminal, so the note stays readable', () => {
    const { renderer, written } = rendererAt(true);
    renderer.update({ uploadedBytes: 0, totalBytes: MiB });
    renderer.note('download interrupted (socket closed); resuming');
    renderer.note('second note');
    expect(written.slice(1)).toEqual([
      '\r\u001b[K',
      'download interrupted (socket closed); resuming\n',
      'second note\n',
    ]);
  });

  it('measures the rate from the first update, so bytes a resumed upload found do not count', () => {
    const { renderer, written, advance } = rendererAt(false);
    renderer.update({ uploadedBytes: 6 * MiB, totalBytes: 10 * MiB });
    advance(2000);
    renderer.update({ uploadedBytes: 10 * MiB, totalBytes: 10 * MiB });
    expect(written.at(-1)).toBe('clip.bin 10.0 MiB / 10.0 MiB (100%) · 2.0 MiB/s · ETA 0 s\n');
  });
});
