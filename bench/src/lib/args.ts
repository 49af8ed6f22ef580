/** Command-line flags shared by the benchmarks. */
import { parseArgs } from 'node:util';

export interface CommonArgs {
  /** A fast smoke run: short durations, one round, small sizes. */
  quick: boolean;
  /** Pin processes to CPUs with taskset (see README: off by default). */
  pin: boolean;
  /** Extra flags, by name, as strings. */
  values: Record<string, string | undefined>;
}

/**
 * Parses `--quick`, `--pin` and the benchmark's own `--name value` options. Unknown flags are
 * an error with the list of known ones, never ignored silently.
 */
export function parseBenchArgs(argv: readonly string[], own: readonly string[]): CommonArgs {
  const options: Record<string, { type: 'string' | 'boolean' }> = { quick: { type: 'boolean' }, pin: { type: 'boolean' }, help: { type: 'boolean' } };
  for (const name of own) options[name] = { type: 'string' };
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: false, strict: true });
  } catch (e) {
    const known = ['--quick', '--pin', ...own.map((n) => `--${n} VALUE`)].join(', ');
    throw new Error(`${(e as Error).message}\nknown options: ${known}`);
  }
  if (parsed.values.help) {
    console.log(`options: --quick, --pin, ${own.map((n) => `--${n} VALUE`).join(', ')}`);
    process.exit(0);
  }
  const values: Record<string, string | undefined> = {};
  for (const name of own) values[name] = parsed.values[name] as string | undefined;
  return { quick: parsed.values.quick === true, pin: parsed.values.pin === true, values };
}

/** A positive integer option, or the default. */
export function intOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer (got "${value}")`);
  return n;
}

/** A comma-separated list option, or the default. */
export function listOption(value: string | undefined, fallback: readonly string[]): string[] {
  if (value === undefined) return [...fallback];
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
