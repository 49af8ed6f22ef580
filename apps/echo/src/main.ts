import { readFileSync } from 'node:fs';
import { echoOptionsFromEnv, EnvConfigError } from './cli/env-config.js';
import { ListenError } from './net-listen.js';
import { EchoOptionsError } from './options.js';
import type { EchoServer } from './running.js';
import { startEcho } from './start-echo.js';
import { TlsConfigError } from './tls-accept.js';

/** Errors a user causes: their message says what to fix. */
const USER_ERRORS = [EnvConfigError, EchoOptionsError, ListenError, TlsConfigError];

/**
 * `portway-echo`: the echo backend as a process, configured by environment variables (see
 * cli/env-config.ts). Stops on SIGINT or SIGTERM.
 */
async function main(): Promise<void> {
  let server: EchoServer;
  try {
    server = await startEcho(echoOptionsFromEnv(process.env, (p) => readFileSync(p, 'utf8')));
  } catch (err) {
    const known = USER_ERRORS.some((E) => err instanceof E);
    process.stderr.write(`portway-echo: ${known ? (err as Error).message : String((err as Error)?.stack ?? err)}\n`);
    process.exitCode = 1;
    return;
  }
  const stop = (): void => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

await main();
