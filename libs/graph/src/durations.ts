/**
 * Gateway API durations (GEP-2257): one or more `<integer><unit>` with units h, m, s, ms,
 * e.g. "1h", "1m30s", "500ms". Returns milliseconds, or undefined for an invalid value.
 */
export function parseDuration(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const re = /(\d+)(ms|h|m|s)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(value); m; m = re.exec(value)) {
    const n = Number(m[1]);
    total += m[2] === 'h' ? n * 3_600_000 : m[2] === 'm' ? n * 60_000 : m[2] === 's' ? n * 1000 : n;
    matched += m[0].length;
  }
  return matched > 0 && matched === value.length ? total : undefined;
}
