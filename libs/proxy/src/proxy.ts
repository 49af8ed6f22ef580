/**
 * The Proxy: `apply` takes the full set of gateway configs this process serves, validates and
 * compiles each off the hot path, then reconciles sockets (bind new address:port pairs, keep
 * unchanged ones, drain removed ones) and swaps every port's state at once. A config that
 * fails validation or compilation is refused and its gateway keeps its previous config.
 */
import { randomBytes } from 'node:crypto';
import { validateGatewayConfig, type GatewayConfig } from '@portway/ir';
import { CompileError, compileGateway } from './compile/compile-gateway.js';
import type { CompiledGateway, CompiledPort } from './compile/compiled-types.js';
import type { LogFn, ProxyContext } from './handler/proxy-context.js';
import { RequestHandler } from './handler/request-handler.js';
import type { ApplyError, ApplyResult, GatewayApplyResult, ProxyOptions } from './proxy-types.js';
import { BoundSocket, bindKey, type PortState } from './server/bound-socket.js';
import { UpstreamRegistry } from './upstream/upstream.js';

const DEFAULT_DRAIN_MS = 30_000;

interface Binding {
  readonly address: string;
  readonly gateway: CompiledGateway;
  readonly port: CompiledPort;
}

export class Proxy {
  private readonly log: LogFn;
  private readonly defaultAddress: string;
  private readonly drainTimeoutMs: number;
  private readonly sessionSecret: Buffer;
  private readonly registry = new UpstreamRegistry();
  private readonly handler: RequestHandler;
  /** Last accepted compiled config per gateway key. */
  private readonly accepted = new Map<string, CompiledGateway>();
  private readonly sockets = new Map<string, BoundSocket>();
  private readonly draining = new Set<Promise<void>>();
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(options: ProxyOptions = {}) {
    this.log = options.log ?? (() => undefined);
    this.defaultAddress = options.defaultAddress ?? '127.0.0.1';
    this.drainTimeoutMs = options.drainTimeoutMs ?? DEFAULT_DRAIN_MS;
    this.sessionSecret =
      options.sessionSecret === undefined
        ? randomBytes(32)
        : Buffer.isBuffer(options.sessionSecret)
          ? options.sessionSecret
          : Buffer.from(options.sessionSecret);
    const ctx: ProxyContext = { log: this.log };
    this.handler = new RequestHandler(ctx);
  }

  /** Applies the full desired set of configs. Calls are serialized. */
  apply(configs: GatewayConfig[]): Promise<ApplyResult> {
    const run = this.queue.then(() => this.applyNow(configs));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Drains every socket (up to the drain timeout) and closes every upstream pool. */
  async close(): Promise<void> {
    await this.queue;
    this.closed = true;
    const all = [...this.sockets.values()];
    this.sockets.clear();
    this.accepted.clear();
    await Promise.all([...all.map((s) => s.drain(this.drainTimeoutMs)), ...this.draining]);
    await this.registry.sweep(new Set());
  }

  /** Keys ("address:port") of the bound sockets (diagnostics and tests). */
  boundKeys(): string[] {
    return [...this.sockets.keys()];
  }

  private async applyNow(configs: GatewayConfig[]): Promise<ApplyResult> {
    if (this.closed) throw new Error('proxy is closed');
    if (!Array.isArray(configs)) throw new TypeError('Proxy.apply expects an array of GatewayConfig');
    const results: Record<string, GatewayApplyResult> = {};
    const desired: CompiledGateway[] = [];
    const seen = new Set<string>();

    // 1. Validate and compile, off the hot path. A refused config keeps its previous version.
    for (const config of configs) {
      const key = configKey(config);
      if (seen.has(key)) {
        results[key]!.errors.push({ reason: 'Invalid', message: `gateway ${key} appears more than once; only the first is served` });
        continue;
      }
      seen.add(key);
      const result: GatewayApplyResult = { ok: false, listenersBound: [], errors: [] };
      results[key] = result;
      const compiled = this.compile(config, result.errors);
      if (compiled !== null) {
        result.ok = true;
        desired.push(compiled);
      } else {
        const previous = this.accepted.get(key);
        if (previous !== undefined) desired.push(previous);
        this.log('warn', 'gateway config refused', { gateway: key, errors: result.errors });
      }
    }

    // 2. Who gets which address:port: the first config in the array.
    const bindings = new Map<string, Binding>();
    for (const gw of desired) {
      const errors = results[gw.key]!.errors;
      for (const issue of gw.issues) errors.push({ ...issue });
      for (const port of gw.ports) {
        for (const address of gw.addresses) {
          const key = bindKey(address, port.port);
          const owner = bindings.get(key);
          if (owner !== undefined) {
            for (const l of port.listeners) {
              errors.push({ listener: l.name, reason: 'PortUnavailable', message: `${key} is already used by gateway ${owner.gateway.key}` });
            }
            continue;
          }
          bindings.set(key, { address, gateway: gw, port });
        }
      }
    }

    // 3. Bind what is new (in parallel), keep what exists.
    const failed = new Map<string, NodeJS.ErrnoException>();
    await Promise.all(
      [...bindings].map(async ([key, b]) => {
        if (this.sockets.has(key)) return;
        const socket = new BoundSocket(b.address, b.port.port, this.handler);
        const err = await socket.listen();
        if (err !== null) failed.set(key, err);
        else this.sockets.set(key, socket);
      }),
    );
    for (const [key, err] of failed) {
      const b = bindings.get(key)!;
      bindings.delete(key);
      const reason = err.code === 'EADDRNOTAVAIL' ? 'AddressNotUsable' : 'PortUnavailable';
      for (const l of b.port.listeners) {
        results[b.gateway.key]!.errors.push({ listener: l.name, reason, message: `cannot bind ${key}: ${err.code ?? err.message}` });
      }
    }

    // 4. Swap: every kept or new socket gets its new state in the same tick.
    for (const [key, b] of bindings) {
      const state: PortState = { gateway: b.gateway, port: b.port };
      this.sockets.get(key)!.setState(state);
    }
    this.accepted.clear();
    for (const gw of desired) this.accepted.set(gw.key, gw);

    // 5. Drain sockets no config wants any more (in the background).
    for (const [key, socket] of this.sockets) {
      if (bindings.has(key)) continue;
      this.sockets.delete(key);
      const p = socket.drain(this.drainTimeoutMs).then(() => this.log('info', 'listener drained', { socket: key }));
      this.draining.add(p);
      void p.finally(() => this.draining.delete(p));
    }

    // 6. Listeners bound on every address of their gateway.
    for (const gw of desired) {
      const result = results[gw.key]!;
      for (const port of gw.ports) {
        if (gw.addresses.every((a) => bindings.get(bindKey(a, port.port))?.gateway === gw)) {
          for (const l of port.listeners) result.listenersBound.push(l.name);
        }
      }
    }

    // 7. Close pools of endpoints no config uses (gracefully: in-flight requests finish).
    const inUse = new Set<string>();
    for (const gw of desired) for (const k of gw.upstreamKeys) inUse.add(k);
    void this.registry.sweep(inUse);

    return { gateways: results };
  }

  private compile(config: GatewayConfig, errors: ApplyError[]): CompiledGateway | null {
    const invalid = validateGatewayConfig(config);
    if (invalid.length > 0) {
      for (const e of invalid) errors.push({ reason: 'Invalid', message: `${e.path}: ${e.message}` });
      return null;
    }
    try {
      return compileGateway(config, { registry: this.registry, defaultAddress: this.defaultAddress, sessionSecret: this.sessionSecret });
    } catch (err) {
      if (err instanceof CompileError) {
        errors.push({ ...(err.listener !== undefined ? { listener: err.listener } : {}), reason: err.reason, message: err.message });
      } else {
        errors.push({ reason: 'Invalid', message: (err as Error).message });
      }
      return null;
    }
  }
}

function configKey(config: unknown): string {
  const gw = (config as { gateway?: { namespace?: unknown; name?: unknown } } | null)?.gateway;
  return `${String(gw?.namespace ?? '?')}/${String(gw?.name ?? '?')}`;
}
