import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** What a config file generator gets to fill in. */
export interface NatsServerContext {
  host: string;
  port: number;
  /** The server's folder (config file, certificates the caller writes there, JetStream store). */
  dir: string;
  /** JetStream store directory (kept across `restart()`). */
  storeDir: string;
}

export interface NatsServerOptions {
  /** Enable JetStream (`-js -sd <storeDir>`). Default true without `config`; with `config`, the config's own `jetstream` block decides (use `ctx.storeDir`). */
  jetstream?: boolean;
  /**
   * Config file text (nats-server's format, or JSON, which it also reads). Command-line flags
   * still set the address and the port, so the text need not.
   */
  config?: string | ((ctx: NatsServerContext) => string);
  /** TLS for client connections, as flags (`--tls --tlscert ...`); use `config` for anything finer. */
  tls?: { certFile: string; keyFile: string; caFile?: string; verifyClients?: boolean };
  /** Loopback address to bind. Default 127.0.0.1. */
  host?: string;
  /** How long to wait for "Server is ready". Default 15 s. */
  readyTimeoutMs?: number;
  /** The binary; default `nats-server` from PATH, /usr/sbin or /usr/bin. */
  binary?: string;
}

export interface NatsServer {
  /** `nats://host:port` (clients add TLS options when the server requires TLS). */
  url: string;
  host: string;
  port: number;
  dir: string;
  storeDir: string;
  /** Process id of the running server (changes on restart). */
  readonly pid: number | undefined;
  /** The server's log so far (stderr), for failure messages. */
  log(): string;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s) and removes its folder. */
  stop(): Promise<void>;
  /** Sends a signal (default SIGKILL) and waits for the process to exit. The folder stays. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the server again on the same port with the same store (after `kill`, or kills it first). */
  restart(): Promise<void>;
}

/** Raised when the nats-server binary is not installed. */
export class NatsServerMissingError extends Error {
  override readonly name = 'NatsServerMissingError';
}

/**
 * Starts the Debian `nats-server` binary on a free loopback port, waits until it accepts
 * connections (with JetStream ready), and returns a handle to stop, kill and restart it.
 */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServer> {
  const binary = options.binary ?? findNatsServer();
  const host = options.host ?? '127.0.0.1';
  const port = await freePort(host);
  const dir = await mkdtemp(join(tmpdir(), 'portway-nats-'));
  const storeDir = join(dir, 'store');
  await mkdir(storeDir, { recursive: true });
  const ctx: NatsServerContext = { host, port, dir, storeDir };

  const args = ['-a', host, '-p', String(port)];
  if (options.config !== undefined) {
    const text = typeof options.config === 'function' ? options.config(ctx) : options.config;
    const file = join(dir, 'nats-server.conf');
    await writeFile(file, text);
    args.push('-c', file);
  }
  if (options.jetstream ?? options.config === undefined) args.push('-js', '-sd', storeDir);
  if (options.tls) {
    args.push('--tls', '--tlscert', options.tls.certFile, '--tlskey', options.tls.keyFile);
    if (options.tls.caFile) args.push('--tlscacert', options.tls.caFile);
    if (options.tls.verifyClients) args.push('--tlsverify');
  }
  const readyTimeoutMs = options.readyTimeoutMs ?? 15_000;

  let child: ChildProcess | undefined;
  let logText = '';
  let exited: Promise<void> = Promise.resolve();

  const launch = async () => {
    logText = '';
    const proc = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    const append = (chunk: Buffer) => {
      logText += chunk.toString();
      if (logText.length > 200_000) logText = logText.slice(-100_000);
    };
    proc.stdout!.on('data', append);
    proc.stderr!.on('data', append);
    await waitReady(proc, () => logText, host, port, readyTimeoutMs, binary);
  };

  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill(signal);
    await exited;
  };

  try {
    await launch();
  } catch (e) {
    await kill();
    await rm(dir, { recursive: true, force: true });
    throw e;
  }

  return {
    url: `nats://${host}:${port}`,
    host,
    port,
    dir,
    storeDir,
    get pid() {
      return child?.pid;
    },
    log: () => logText,
    kill,
    async restart() {
      await kill();
      await launch();
    },
    async stop() {
      const proc = child;
      if (proc && proc.exitCode === null && proc.signalCode === null) {
        const force = setTimeout(() => proc.kill('SIGKILL'), 5_000);
        proc.kill('SIGTERM');
        await exited;
        clearTimeout(force);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The path of the nats-server binary (searched in `dirs`: PATH and the system folders), or a clear error naming the package to install. */
export function findNatsServer(dirs: string[] = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/bin', '/usr/local/bin']): string {
  for (const d of dirs) {
    if (!d) continue;
    const candidate = join(d, 'nats-server');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  throw new NatsServerMissingError('nats-server is not installed: run `apt-get install nats-server` (as root; the Debian package, 2.9 or newer, has JetStream)');
}

/** A port that was free on `host` a moment ago. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitReady(proc: ChildProcess, log: () => string, host: string, port: number, timeoutMs: number, binary: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let spawnError: Error | undefined;
  proc.once('error', (e) => (spawnError = e));
  while (Date.now() < deadline) {
    if (spawnError) throw new Error(`could not start ${binary}: ${spawnError.message}`);
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`nats-server exited (${proc.exitCode ?? proc.signalCode}) before it was ready:\n${tail(log())}`);
    }
    // "Server is ready" comes after JetStream has started and the client port listens.
    if (log().includes('Server is ready') && (await canConnect(host, port))) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`nats-server did not become ready on ${host}:${port} within ${timeoutMs} ms:\n${tail(log())}`);
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

const tail = (text: string) => text.split('\n').slice(-20).join('\n');
