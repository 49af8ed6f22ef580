/**
 * Child processes of a benchmark: started in their own process group (so a target and its
 * workers stop together), with their output kept for error messages, and stopped by pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

/** A started child process. */
export interface Child {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly pid: number;
  /** Last lines of stdout+stderr (for error messages). */
  output(): string;
  /** Whether it has exited. */
  exited(): boolean;
  /** SIGTERM to its process group, SIGKILL after `graceMs`; resolves once it exited. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** CPU list for taskset ("0", "1", "0-1"); undefined: no pinning. */
  cpus?: string;
  /** Echo the child's output to ours. */
  echo?: boolean;
}

const KEEP_CHARS = 8_000;

/** Process groups started and not yet stopped: killed if the benchmark itself exits or is interrupted. */
const live = new Set<number>();
let exitHooked = false;

function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.on('exit', () => {
    for (const pid of live) signalGroup(pid, 'SIGKILL');
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      console.error(`interrupted (${sig}): stopping ${live.size} child process group(s)`);
      process.exit(130);
    });
  }
}

export function startProcess(name: string, command: string, args: readonly string[], o: StartOptions = {}): Child {
  const [cmd, argv] = o.cpus !== undefined ? ['taskset', ['-c', o.cpus, command, ...args]] : [command, [...args]];
  const proc = spawn(cmd, argv, { cwd: o.cwd, env: o.env ?? process.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  if (proc.pid === undefined) throw new Error(`could not start ${name} (${command})`);
  hookExit();
  live.add(proc.pid);
  let out = '';
  const keep = (b: Buffer) => {
    out = (out + b.toString('utf8')).slice(-KEEP_CHARS);
    if (o.echo) process.stderr.write(b);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  let done = false;
  const pid = proc.pid;
  const exit = new Promise<void>((resolve) =>
    proc.once('exit', () => {
      done = true;
      resolve();
    }),
  );
  return {
    name,
    proc,
    pid,
    output: () => out,
    exited: () => done,
    async stop(graceMs = 5_000) {
      if (done) return;
      signalGroup(pid, 'SIGTERM');
      const killed = await Promise.race([exit.then(() => false), sleep(graceMs).then(() => true)]);
      if (killed) {
        signalGroup(pid, 'SIGKILL');
        await exit;
      }
      // Workers of the group that outlived their parent.
      signalGroup(pid, 'SIGKILL');
      live.delete(pid);
    },
  };
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** Runs a command to completion; resolves with its output, rejects on a non-zero exit. */
export function run(command: string, args: readonly string[], o: { cpus?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  const [cmd, argv] = o.cpus !== undefined ? ['taskset', ['-c', o.cpus, command, ...args]] : [command, [...args]];
  return new Promise((resolve, reject) => {
    const proc = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: o.env ?? process.env });
    let out = '';
    let err = '';
    proc.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
    proc.stderr.on('data', (b: Buffer) => (err += b.toString('utf8')));
    const timer = o.timeoutMs !== undefined ? setTimeout(() => proc.kill('SIGKILL'), o.timeoutMs) : undefined;
    proc.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`${command}: ${e.message}`));
    });
    proc.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code ?? signal}: ${(err || out).trim().slice(-2_000)}`));
    });
  });
}

/** Polls `check` every `everyMs` until it returns a value, the child exits, or `timeoutMs` passes. */
export async function waitUntil<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  o: { timeoutMs: number; everyMs?: number; child?: Child },
): Promise<T> {
  const deadline = Date.now() + o.timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    if (o.child?.exited()) throw new Error(`${o.child.name} exited while waiting for ${what}:\n${o.child.output()}`);
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await sleep(o.everyMs ?? 50);
  }
  const tail = o.child ? `\n${o.child.name} output:\n${o.child.output()}` : '';
  throw new Error(`timed out after ${o.timeoutMs} ms waiting for ${what}${last ? ` (${String((last as Error).message ?? last)})` : ''}${tail}`);
}
