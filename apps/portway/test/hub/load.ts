/**
 * Continuous HTTP load for the fault tests: `concurrency` loops each sending GETs one after the
 * other over keep-alive connections, counting every request and every failure (a non-2xx answer
 * or an error). With `retryOnConnectionError`, a request whose connection fails (refused, reset)
 * is sent again to the next target — a client in front of several agents.
 */
import { Agent, request } from 'node:http';

export interface LoadTarget {
  host: string;
  port: number;
}

export interface LoadOptions {
  targets: LoadTarget[];
  path: string | (() => string);
  headers?: Record<string, string>;
  concurrency?: number;
  retryOnConnectionError?: boolean;
  /** Pause between two requests of one loop (ms). */
  pauseMs?: number;
  timeoutMs?: number;
}

export interface Failure {
  at: number;
  target: string;
  what: string;
}

export interface LoadReport {
  requests: number;
  ok: number;
  non2xx: number;
  errors: number;
  retried: number;
  failures: Failure[];
  /** Responses by `x-` header values the caller asked to count (see `countHeader`). */
  seen: Map<string, number>;
}

const CONNECTION_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ECONNABORTED']);

export class Load {
  private running = true;
  private readonly loops: Promise<void>[] = [];
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });
  readonly report: LoadReport = { requests: 0, ok: 0, non2xx: 0, errors: 0, retried: 0, failures: [], seen: new Map() };
  private next = 0;

  constructor(
    private readonly options: LoadOptions,
    private readonly countHeader?: string,
  ) {
    for (let i = 0; i < (options.concurrency ?? 4); i++) this.loops.push(this.loop());
  }

  private async loop(): Promise<void> {
    while (this.running) {
      await this.one();
      if (this.options.pauseMs) await new Promise((r) => setTimeout(r, this.options.pauseMs));
    }
  }

  private async one(): Promise<void> {
    const targets = this.options.targets;
    const first = this.next++ % targets.length;
    const attempts = this.options.retryOnConnectionError ? targets.length : 1;
    this.report.requests++;
    for (let a = 0; a < attempts; a++) {
      const target = targets[(first + a) % targets.length]!;
      const r = await this.send(target);
      if (r.kind === 'response') {
        if (r.status >= 200 && r.status < 300) {
          this.report.ok++;
          if (r.counted !== undefined) this.report.seen.set(r.counted, (this.report.seen.get(r.counted) ?? 0) + 1);
        } else {
          this.report.non2xx++;
          this.report.failures.push({ at: Date.now(), target: `${target.host}:${target.port}`, what: `HTTP ${r.status}` });
        }
        return;
      }
      if (a + 1 < attempts && r.connection) {
        this.report.retried++;
        continue;
      }
      this.report.errors++;
      this.report.failures.push({ at: Date.now(), target: `${target.host}:${target.port}`, what: r.message });
      return;
    }
  }

  private send(target: LoadTarget): Promise<{ kind: 'response'; status: number; counted?: string } | { kind: 'error'; connection: boolean; message: string }> {
    const path = typeof this.options.path === 'function' ? this.options.path() : this.options.path;
    return new Promise((resolve) => {
      const req = request(
        { host: target.host, port: target.port, path, method: 'GET', agent: this.agent, headers: this.options.headers, timeout: this.options.timeoutMs ?? 5_000 },
        (res) => {
          const counted = this.countHeader ? (res.headers[this.countHeader] as string | undefined) : undefined;
          res.resume();
          res.on('end', () => resolve({ kind: 'response', status: res.statusCode ?? 0, ...(counted !== undefined ? { counted } : {}) }));
          res.on('error', (e: NodeJS.ErrnoException) => resolve({ kind: 'error', connection: true, message: `response: ${e.code ?? e.message}` }));
        },
      );
      req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
      req.on('error', (e: NodeJS.ErrnoException) => {
        // A reused keep-alive socket the server closed reads as "socket hang up" (ECONNRESET).
        resolve({ kind: 'error', connection: CONNECTION_ERRORS.has(e.code ?? '') || /socket hang up/.test(e.message), message: `${e.code ?? ''} ${e.message}`.trim() });
      });
      req.end();
    });
  }

  /** Stops the loops (each finishes its request) and returns the report. */
  async stop(): Promise<LoadReport> {
    this.running = false;
    await Promise.all(this.loops);
    this.agent.destroy();
    return this.report;
  }
}

/** One line for the test log: counts and failures (expected 0). */
export function describeLoad(name: string, r: LoadReport): string {
  const failures = r.failures.slice(0, 5).map((f) => `${f.target} ${f.what}`);
  return `${name}: ${r.requests} requests, ${r.ok} ok, ${r.non2xx} non-2xx, ${r.errors} errors${r.retried ? `, ${r.retried} retried on another agent` : ''}; failures: ${r.non2xx + r.errors}${failures.length ? ` (${failures.join('; ')})` : ''}`;
}
