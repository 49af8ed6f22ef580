import { isAbsolute, resolve } from 'node:path';
import { parseArgs } from 'node:util';

/** The command line, parsed. Paths are absolute. */
export interface CliOptions {
  help: boolean;
  suiteDir: string;
  profiles: string[];
  tests: string[];
  reportFile?: string;
  traceFile?: string;
  portwayScript: string;
  timeoutScale: number;
  keepDir: boolean;
  usableAddresses: string[];
  unusableAddresses: string[];
  addressPool: string;
  /** Features to treat as supported instead of the GatewayClass's list (upstream -supported-features). */
  supportedFeatures?: string[];
  /** Treat every feature as supported (upstream -all-features). */
  allFeatures: boolean;
}

export const USAGE = `Usage: npm run conformance -- [options]

Replays a Gateway API conformance suite folder against a Portway started in standalone mode.

  --suite DIR              suite folder (default: ../shared/conformance from the repository root)
  --profile NAME           run only tests of this profile (repeatable; default: every profile)
  --test NAME              run only this test (repeatable)
  --report FILE            write the ConformanceReport (JSON)
  --trace FILE             write one JSON line per case attempt and status check
  --portway PATH           Portway CLI script (default: apps/portway/dist/main.js)
  --timeout-scale X        multiply every upstream timeout by X (default 1)
  --usable-address IP      address substituted for PLACEHOLDER_USABLE_ADDRS (default 127.0.100.254)
  --unusable-address IP    address substituted for PLACEHOLDER_UNUSABLE_ADDRS (default 192.0.2.1)
  --supported-features L   run as if Portway supported exactly these features (comma-separated)
  --all-features           run as if Portway supported every feature (to see where it stands)
  --keep                   keep the temporary cluster folder and Portway's log
  -h, --help               this text

Relative paths are taken from the directory npm was run in (INIT_CWD), else the current one.`;

/**
 * Parses the runner's arguments. `repoRoot` anchors the defaults; `baseDir` is where relative
 * paths given by the user start (INIT_CWD when run through npm). Unknown options and malformed
 * values are errors with a message, never a crash.
 */
export function parseCliArgs(argv: readonly string[], repoRoot: string, baseDir: string): CliOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      suite: { type: 'string' },
      profile: { type: 'string', multiple: true },
      test: { type: 'string', multiple: true },
      report: { type: 'string' },
      trace: { type: 'string' },
      portway: { type: 'string' },
      'timeout-scale': { type: 'string' },
      'usable-address': { type: 'string', multiple: true },
      'unusable-address': { type: 'string', multiple: true },
      'address-pool': { type: 'string' },
      keep: { type: 'boolean' },
      'supported-features': { type: 'string', multiple: true },
      'all-features': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: false,
    strict: true,
  });
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  const scale = values['timeout-scale'] === undefined ? 1 : Number(values['timeout-scale']);
  if (!Number.isFinite(scale) || scale <= 0) throw new Error(`--timeout-scale must be a positive number, got ${JSON.stringify(values['timeout-scale'])}`);
  const split = (list: string[] | undefined) => (list ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
  return {
    help: values.help ?? false,
    suiteDir: values.suite ? abs(values.suite) : resolve(repoRoot, '..', 'shared', 'conformance'),
    profiles: split(values.profile),
    tests: split(values.test),
    ...(values.report ? { reportFile: abs(values.report) } : {}),
    ...(values.trace ? { traceFile: abs(values.trace) } : {}),
    portwayScript: values.portway ? abs(values.portway) : resolve(repoRoot, 'apps', 'portway', 'dist', 'main.js'),
    timeoutScale: scale,
    keepDir: values.keep ?? false,
    usableAddresses: split(values['usable-address']).length > 0 ? split(values['usable-address']) : ['127.0.100.254'],
    unusableAddresses: split(values['unusable-address']).length > 0 ? split(values['unusable-address']) : ['192.0.2.1'],
    addressPool: values['address-pool'] ?? '127.0.100.1-127.0.100.254',
    ...(values['supported-features'] ? { supportedFeatures: split(values['supported-features']) } : {}),
    allFeatures: values['all-features'] ?? false,
  };
}
