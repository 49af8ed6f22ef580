/**
 * The built `portway` CLI as child processes: start, wait for a log line or an HTTP answer,
 * signal, wait for exit. Logs (JSON on stderr) are kept for assertions and failure messages.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor as pollUntil } from '@portway/testing';

export const root = new URL('../../../..', import.meta.url).pathname;
export const cli = join(root, 'apps/portway/dist/main.js');
export const cliBuilt = existsSync(cli);

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `waitFor` of `@portway/testing` with this harness's defaults (15 s, every 50 ms). */
export const waitFor = <T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000, everyMs = 50): Promise<T> =>
  pollUntil(what, fn, timeoutMs, everyMs);

/** One running `portway ...` process. */
export class CliProcess {
  private child: ChildProcess | undefined;
  private logText = '';
  private exited: Promise<number | null> = Promise.resolve(null);

  constructor(
    readonly label: string,
    private readonly args: string[],
    private readonly env: NodeJS.ProcessEnv = {},
  ) {}

  start(): this {
    this.logText = '';
    const child = spawn(process.execPath, [cli, ...this.args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...this.env } });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    const append = (d: Buffer) => {
      this.logText += d.toString();
      if (this.logText.length > 400_000) this.logText = this.logText.slice(-200_000);
    };
    child.stdout!.on('data', append);
    child.stderr!.on('data', append);
    return this;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  log(): string {
    return this.logText;
  }

  /** Log lines (JSON) whose text matches. */
  lines(match: RegExp): Record<string, unknown>[] {
    return this.logText
      .split('\n')
      .filter((l) => match.test(l))
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
  }

  async waitForLog(match: RegExp, timeoutMs = 15_000): Promise<void> {
    await waitFor(`${this.label}: log ${match}`, () => {
      if (!this.running() && !match.test(this.logText)) throw new Error(`${this.label} exited: ${this.logText.slice(-2000)}`);
      return match.test(this.logText) ? true : undefined;
    }, timeoutMs);
  }

  /** Sends a signal and waits for the exit (SIGKILL after `graceMs`). Returns the exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<number | null> {
    const child = this.child;
    if (!child || !this.running()) return child?.exitCode ?? null;
    const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.kill(signal);
    const code = await this.exited;
    clearTimeout(force);
    return code;
  }

  waitExit(): Promise<number | null> {
    return this.exited;
  }
}

/** GET on an admin API, parsed as JSON (or text). */
export async function adminGet<T = unknown>(admin: string, path: string): Promise<{ status: number; body: T }> {
  const res = await fetch(`http://${admin}${path}`);
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // text body
  }
  return { status: res.status, body: body as T };
}

export async function isReady(admin: string): Promise<boolean> {
  try {
    return (await fetch(`http://${admin}/readyz`)).status === 200;
  } catch {
    return false;
  }
}
