/** A size of 1,000 bytes or more in its unit (1 KB = 1,000 bytes), and the decimals it is shown with (one below 100). */
export function scaleBytes(bytes: number): { value: number; unit: string; digits: 0 | 1 } {
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = -1;
  do {
    value /= 1000;
    unit++;
  } while (value >= 1000 && unit < units.length - 1);
  return { value, unit: units[unit]!, digits: value >= 100 ? 0 : 1 };
}

/** "12.4 MB": sizes as people read them (1 MB = 1,000,000 bytes, as phones and data plans count). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} bytes`;
  const { value, unit, digits } = scaleBytes(bytes);
  return `${digits ? value.toFixed(1) : Math.round(value)} ${unit}`;
}
