import { Effect, Exit, Fiber, Scope } from 'effect';
import { createLogger, type Logger } from './logger.js';

/**
 * Runs a long-lived program whose resources are effect-scoped (servers, connections, workers)
 * until SIGINT or SIGTERM, then closes every resource in reverse order of acquisition. A failure
 * while starting is logged and exits 1 after what was acquired is released.
 */
export async function runScopedUntilSignal(logLevel: string, what: string, program: (log: Logger) => Effect.Effect<never, unknown, Scope.Scope>): Promise<void> {
  const log = createLogger(logLevel);
  const scope = Effect.runSync(Scope.make());
  const fiber = Effect.runFork(program(log).pipe(Scope.extend(scope)));
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down');
    await Effect.runPromise(Fiber.interrupt(fiber));
    await Effect.runPromise(Scope.close(scope, Exit.void));
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  const exit = await Effect.runPromise(Fiber.await(fiber));
  if (Exit.isFailure(exit) && !Exit.isInterrupted(exit)) {
    const cause = exit.cause;
    const failure = cause._tag === 'Fail' ? cause.error : cause._tag === 'Die' ? cause.defect : undefined;
    const message = failure instanceof Error ? failure.message : String(failure ?? cause);
    log.debug({ err: failure }, 'start failure');
    log.error(`${what} failed to start: ${message}`);
    process.stderr.write(`portway: ${what} failed to start: ${message}\n`);
    await Effect.runPromise(Scope.close(scope, Exit.void));
    process.exit(1);
  }
}
