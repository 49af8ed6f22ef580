#!/usr/bin/env node
/**
 * `npm run conformance -- [options]`: replays the Gateway API conformance suite (as data) against
 * a Portway started in standalone mode, prints one line per test and per profile level, writes
 * the report and trace when asked, and exits non-zero when a test that ran failed.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseCliArgs, USAGE } from './cli/parse-args.js';
import { runSuite } from './runner/run-suite.js';

async function main(): Promise<number> {
  const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
  let opts;
  try {
    opts = parseCliArgs(process.argv.slice(2), repoRoot, process.env['INIT_CWD'] ?? process.cwd());
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (opts.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!existsSync(opts.portwayScript)) {
    process.stderr.write(`Portway CLI not found at ${opts.portwayScript} (build it with "npm run build", or pass --portway PATH)\n`);
    return 2;
  }
  const outcome = await runSuite({ ...opts, log: (line) => process.stdout.write(`${line}\n`) });
  return outcome.exitCode;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`conformance runner: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 2;
  },
);
