/** Receives one log line (without its newline) that upstream prints to stdout. */
export type LogSink = (line: string) => void;

/** The default sink: stdout, one line each. */
export const stdoutLog: LogSink = (line) => {
  process.stdout.write(line + '\n');
};

/** Reports an unexpected internal error (a bug, not a request problem) on stderr. */
export function reportInternalError(what: string, err: unknown): void {
  process.stderr.write(`portway-echo: ${what}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
}
