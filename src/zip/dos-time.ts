/**
 * APPNOTE 4.4.6 last mod file time/date, MS-DOS format: 2-second resolution, years 1980–2107.
 * Read in UTC, never local time, so the same member list gives the same bytes on every machine;
 * the Extended Timestamp extra (0x5455) carries the exact instant for readers that honour it.
 */
export interface DosDateTime {
  time: number;
  date: number;
}

const earliest: DosDateTime = { time: 0, date: (1 << 5) | 1 };
const latest: DosDateTime = { time: (23 << 11) | (59 << 5) | (58 >> 1), date: (127 << 9) | (12 << 5) | 31 };

export function toDosDateTime(instant: Date): DosDateTime {
  const year = instant.getUTCFullYear();
  if (year < 1980) return earliest;
  if (year > 2107) return latest;
  return {
    time: (instant.getUTCHours() << 11) | (instant.getUTCMinutes() << 5) | (instant.getUTCSeconds() >> 1),
    date: ((year - 1980) << 9) | ((instant.getUTCMonth() + 1) << 5) | instant.getUTCDate(),
  };
}

/** The Extended Timestamp extra holds a signed 32-bit count; outside [0, 2^31) it is left out. */
export function toUnixSeconds(instant: Date): number | null {
  const seconds = Math.floor(instant.getTime() / 1000);
  return seconds >= 0 && seconds <= 0x7fffffff ? seconds : null;
}
