/** Byte counts and rates as people read them: `812 B`, `64.0 MiB`, `35.2 MiB/s`. */
const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** `bytes` in binary units, one decimal from KiB up. */
export function formatBytes(bytes: number): string {
  let value = Number.isFinite(bytes) ? Math.max(0, bytes) : 0;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** A transfer rate in bytes per second. */
export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`;
}
