import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { sleep } from '../util/sleep.js';
import { freePort } from './free-port.js';
import { StatusClient } from './status-client.js';

/** How to start Portway in standalone mode over the cluster folder. */
export interface PortwayOptions {
  /** Path of the CLI script (`apps/portway/dist/main.js`). */
  script: string;
  /** The folder it watches. */
  dir: string;
  addressPool: string;
  /** Where its stdout/stderr go. */
  logFile: string;
  /** How long to wait for /readyz. */
  readyTimeoutMs: number;
}

/** A running `portway run` child process and its admin API. */
export class PortwayProcess {
  private exited: { code: number | null; signal: string | null } | undefined;
  private readonly tail: string[] = [];

  private constructor(
    private readonly child: ChildProcess,
    private readonly log: WriteStream,
    readonly adminAddress: string,
    readonly status: StatusClient,
  ) {
    child.once('exit', (code, signal) => {
      this.exited = { code, signal };
    });
    const keep = (chunk: Buffer) => {
      log.write(chunk);
      this.tail.push(...chunk.toString('utf8').split('\n').filter((l) => l !== ''));
      if (this.tail.length > 40) this.tail.splice(0, this.tail.length - 40);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  /** Starts Portway and waits until `/readyz` answers 200; fails with the end of its output when it exits first. */
  static async start(o: PortwayOptions): Promise<PortwayProcess> {
    const port = await freePort();
    const admin = `127.0.0.1:${port}`;
    const args = [o.script, 'run', '-f', o.dir, '--workers', '1', '--address-pool', o.addressPool, '--admin', admin];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    const log = createWriteStream(o.logFile);
    const p = new PortwayProcess(child, log, admin, new StatusClient(admin));
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', (e) => reject(new Error(`cannot start ${process.execPath} ${args.join(' ')}: ${e.message}`)));
    });
    const deadline = Date.now() + o.readyTimeoutMs;
    while (Date.now() < deadline) {
      if (p.exited) throw new Error(`portway exited (${p.exitDescription()}) before it was ready:\n${p.outputTail()}`);
      if (await p.status.ready()) return p;
      await sleep(100);
    }
    await p.stop();
    throw new Error(`portway was not ready within ${o.readyTimeoutMs} ms (GET http://${admin}/readyz):\n${p.outputTail()}`);
  }

  /** Whether the process is still running. */
  get running(): boolean {
    return this.exited === undefined;
  }

  exitDescription(): string {
    return this.exited ? (this.exited.signal ? `signal ${this.exited.signal}` : `code ${this.exited.code}`) : 'running';
  }

  /** The last lines Portway printed. */
  outputTail(): string {
    return this.tail.join('\n');
  }

  /** SIGTERM, then SIGKILL after 5 s. */
  async stop(): Promise<void> {
    if (!this.exited) {
      const done = new Promise<void>((r) => this.child.once('exit', () => r()));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await done;
      clearTimeout(timer);
    }
    await new Promise<void>((r) => this.log.end(() => r()));
  }
}
