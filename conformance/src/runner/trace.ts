import { createWriteStream, type WriteStream } from 'node:fs';

/** Appends one JSON object per line to the --trace file; a no-op without a file. */
export class TraceWriter {
  private readonly out: WriteStream | undefined;

  constructor(path: string | undefined) {
    this.out = path ? createWriteStream(path, { flags: 'w' }) : undefined;
  }

  write(entry: Record<string, unknown>): void {
    if (!this.out) return;
    this.out.write(`${JSON.stringify({ at: new Date().toISOString(), ...entry })}\n`);
  }

  async close(): Promise<void> {
    const out = this.out;
    if (!out) return;
    await new Promise<void>((r) => out.end(() => r()));
  }
}
