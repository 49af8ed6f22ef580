import pino from 'pino';

/** JSON logs on stderr (stdout stays for command output). */
export function createLogger(level: string) {
  return pino({ level, base: { app: 'portway' } }, pino.destination(2));
}
export type Logger = ReturnType<typeof createLogger>;
