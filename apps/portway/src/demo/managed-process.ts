/**
 * A child process of the local ClusterSet (nats-server, the portway CLI, echo servers): started
 * with its output kept (bounded) for logs and failure messages, waited for by a line of its
 * output, stopped with SIGTERM (SIGKILL after a grace period), restarted with the same arguments.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export class ManagedProcess {
  private child: ChildProcess | undefined;
  private text = '';
  private exited: Promise<number | null> = Promise.resolve(null);

  constructor(
    readonly label: string,
    private readonly command: string,
    private readonly args: readonly string[],
    private readonly env: NodeJS.ProcessEnv = {},
    private readonly onLine?: (label: string, line: string) => void,
  ) {}

  start(): this {
    this.text = '';
    const child = spawn(this.command, [...this.args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...this.env } });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    let partial = '';
    const append = (d: Buffer) => {
      const s = d.toString();
      this.text += s;
      if (this.text.length > 400_000) this.text = this.text.slice(-200_000);
      if (this.onLine) {
        const lines = (partial + s).split('\n');
        partial = lines.pop() ?? '';
        for (const l of lines) if (l) this.onLine(this.label, l);
      }
    };
    child.stdout!.on('data', append);
    child.stderr!.on('data', append);
    child.once('error', (e) => (this.text += `\nspawn error: ${e.message}\n`));
    return this;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  log(): string {
    return this.text;
  }

  /** Waits (bounded) until the output matches `pattern`; rejects with the output if the process exits first. */
  async waitForOutput(pattern: RegExp, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (pattern.test(this.text)) return;
      if (!this.running()) throw new Error(`${this.label} exited before printing ${pattern}:\n${this.text.slice(-4000)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`${this.label}: no ${pattern} within ${timeoutMs} ms:\n${this.text.slice(-4000)}`);
  }

  /** Sends `signal` and waits for the exit (SIGKILL after `graceMs`). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 5_000): Promise<void> {
    const child = this.child;
    if (!child || !this.running()) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  async restart(): Promise<this> {
    await this.stop();
    return this.start();
  }
}
