/**
 * The Proxy: `apply` takes the full set of gateway configs this process serves, validates and
 * compiles each off the hot path, then reconciles sockets (bind new address:port pairs, TCP
 * and UDP, keep unchanged ones, drain removed ones) and swaps every port's state at once. A
 * config that fails validation or compilation is refused and its gateway keeps its previous
 * config.
 */
import { randomBytes } from 'node:crypto';
import { validateGatewayConfig, type GatewayConfig } from '@portway/ir';
import { EndpointHealthTable } from './backends/endpoint-health.js';
import { CompileError, compileGateway } from './compile/compile-gateway.js';
import type { CompiledGateway, CompiledPort, CompiledUdpPort } from './compile/compiled-types.js';
import type { LogFn, ProxyContext } from './handler/proxy-context.js';
import { RequestHandler } from './handler/request-handler.js';
import { DEFAULT_L4_LIMITS, type L4Context } from './l4/l4-context.js';
import { UdpBoundSocket, udpBindKey } from './l4/udp-socket.js';
import type { ApplyError, ApplyResult, GatewayApplyResult, ProxyOptions } from './proxy-types.js';
import { BoundSocket, bindKey } from './server/bound-socket.js';
import { UpstreamRegistry } from './upstream/upstream.js';

const DEFAULT_DRAIN_MS = 30_000;

/** Who serves one address:port (TCP) or address:port/udp. */
type Binding =
  | { readonly udp: false; readonly address: string; readonly gateway: CompiledGateway; readonly port: CompiledPort }
  | { readonly udp: true; readonly address: string; readonly gateway: CompiledGateway; readonly port: CompiledUdpPort };

type AnySocket = BoundSocket | UdpBoundSocket;

function listenerNames(b: Binding): readonly string[] {
  return b.udp ? [b.port.listener.name] : b.port.listenerNames;
}

export class Proxy {
  private readonly log: LogFn;
  private readonly defaultAddress: string;
  private readonly drainTimeoutMs: number;
  private readonly sessionSecret: Buffer;
  private readonly registry: UpstreamRegistry;
  /** Active health check results (pushed by the agent), shared by every config. */
  private readonly health = new EndpointHealthTable();
  private readonly handler: RequestHandler;
  private readonly l4: L4Context;
  /** Last accepted compiled config per gateway key. */
  private readonly accepted = new Map<string, CompiledGateway>();
  /** The frozen IR each compiled config was made from: the same config again is not compiled again. */
  private readonly sources = new WeakMap<CompiledGateway, GatewayConfig>();
  private readonly sockets = new Map<string, AnySocket>();
  private readonly draining = new Set<Promise<void>>();
  /** UDP sockets draining: still bound (their flows finish), taken back if a config wants them again. */
  private readonly drainingUdp = new Map<string, UdpBoundSocket>();
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(options: ProxyOptions = {}) {
    this.log = options.log ?? (() => undefined);
    this.defaultAddress = options.defaultAddress ?? '127.0.0.1';
    this.drainTimeoutMs = options.drainTimeoutMs ?? DEFAULT_DRAIN_MS;
    this.registry = new UpstreamRegistry(options.eastWest ?? null);
    this.sessionSecret =
      options.sessionSecret === undefined
        ? randomBytes(32)
        : Buffer.isBuffer(options.sessionSecret)
          ? options.sessionSecret
          : Buffer.from(options.sessionSecret);
    const ctx: ProxyContext = { log: this.log };
    this.handler = new RequestHandler(ctx);
    this.l4 = { log: this.log, limits: { ...DEFAULT_L4_LIMITS, ...definedOnly(options.l4 ?? {}) } };
    for (const [k, v] of Object.entries(this.l4.limits)) {
      if (!Number.isFinite(v) || v <= 0) throw new RangeError(`ProxyOptions.l4.${k} must be a positive number (got ${String(v)})`);
    }
  }

  /** Applies the full desired set of configs. Calls are serialized. */
  apply(configs: GatewayConfig[]): Promise<ApplyResult> {
    const run = this.queue.then(() => this.applyNow(configs));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Active health check results for endpoints ("address:port"): an unhealthy endpoint leaves
   * rotation at once in every backend that has it, and comes back when it is healthy again.
   * Takes effect immediately (not queued behind applies).
   */
  setEndpointHealth(updates: Iterable<{ endpoint: string; healthy: boolean }>): void {
    this.health.apply(updates);
  }

  /** Drains every socket (up to the drain timeout) and closes every upstream pool (the same). */
  async close(): Promise<void> {
    await this.queue;
    this.closed = true;
    const all = [...this.sockets.values()];
    this.sockets.clear();
    this.accepted.clear();
    await Promise.all([...all.map((s) => s.drain(this.drainTimeoutMs)), ...this.draining]);
    await this.registry.sweep(new Set(), this.drainTimeoutMs);
  }

  /** Keys of the bound sockets: "address:port" (TCP) and "address:port/udp" (diagnostics and tests). */
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
      const previous = this.accepted.get(key);
      // The very config accepted last time (frozen, hence unchanged): validated and compiled then.
      const compiled = previous !== undefined && Object.isFrozen(config) && this.sources.get(previous) === config ? previous : this.compile(config, result.errors);
      if (compiled !== null) {
        result.ok = true;
        desired.push(compiled);
      } else {
        if (previous !== undefined) desired.push(previous);
        this.log('warn', 'gateway config refused', { gateway: key, errors: result.errors });
      }
    }

    // 2. Who gets which address:port (TCP and UDP apart): the first config in the array.
    const bindings = new Map<string, Binding>();
    const claim = (key: string, b: Binding) => {
      const owner = bindings.get(key);
      if (owner === undefined) {
        bindings.set(key, b);
        return;
      }
      for (const name of listenerNames(b)) {
        results[b.gateway.key]!.errors.push({ listener: name, reason: 'PortUnavailable', message: `${key} is already used by gateway ${owner.gateway.key}` });
      }
    };
    for (const gw of desired) {
      const errors = results[gw.key]!.errors;
      for (const issue of gw.issues) errors.push({ ...issue });
      for (const address of gw.addresses) {
        for (const port of gw.ports) claim(bindKey(address, port.port), { udp: false, address, gateway: gw, port });
        for (const port of gw.udpPorts) claim(udpBindKey(address, port.port), { udp: true, address, gateway: gw, port });
      }
    }

    // 3. Bind what is new (in parallel), keep what exists, take back UDP sockets still draining.
    const failed = new Map<string, NodeJS.ErrnoException>();
    await Promise.all(
      [...bindings].map(async ([key, b]) => {
        if (this.sockets.has(key)) return;
        const revived = this.drainingUdp.get(key);
        if (revived !== undefined && b.udp) {
          this.drainingUdp.delete(key);
          if (revived.revive()) {
            this.sockets.set(key, revived);
            return;
          }
        }
        const socket = b.udp ? new UdpBoundSocket(b.address, b.port.port, this.l4) : new BoundSocket(b.address, b.port.port, this.handler, this.l4);
        const err = await socket.listen();
        if (err !== null) failed.set(key, err);
        else this.sockets.set(key, socket);
      }),
    );
    for (const [key, err] of failed) {
      const b = bindings.get(key)!;
      bindings.delete(key);
      const reason = err.code === 'EADDRNOTAVAIL' ? 'AddressNotUsable' : 'PortUnavailable';
      for (const name of listenerNames(b)) {
        results[b.gateway.key]!.errors.push({ listener: name, reason, message: `cannot bind ${key}: ${err.code ?? err.message}` });
      }
    }

    // 4. Swap: every kept or new socket gets its new state in the same tick.
    for (const [key, b] of bindings) {
      const socket = this.sockets.get(key)!;
      if (b.udp) (socket as UdpBoundSocket).setState({ gateway: b.gateway, port: b.port });
      else (socket as BoundSocket).setState({ gateway: b.gateway, port: b.port });
    }
    this.accepted.clear();
    for (const gw of desired) this.accepted.set(gw.key, gw);

    // 5. Drain sockets no config wants any more (in the background).
    for (const [key, socket] of this.sockets) {
      if (bindings.has(key)) continue;
      this.sockets.delete(key);
      if (socket instanceof UdpBoundSocket) this.drainingUdp.set(key, socket);
      const p = socket.drain(this.drainTimeoutMs).then(() => {
        if (this.drainingUdp.get(key) === socket) this.drainingUdp.delete(key);
        this.log('info', 'listener drained', { socket: key });
      });
      this.draining.add(p);
      void p.finally(() => this.draining.delete(p));
    }

    // 6. Listeners bound on every address of their gateway.
    for (const gw of desired) {
      const result = results[gw.key]!;
      for (const port of gw.ports) {
        if (gw.addresses.every((a) => bindings.get(bindKey(a, port.port))?.gateway === gw)) result.listenersBound.push(...port.listenerNames);
      }
      for (const port of gw.udpPorts) {
        if (gw.addresses.every((a) => bindings.get(udpBindKey(a, port.port))?.gateway === gw)) result.listenersBound.push(port.listener.name);
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
      const compiled = compileGateway(config, { registry: this.registry, defaultAddress: this.defaultAddress, sessionSecret: this.sessionSecret, health: this.health });
      if (Object.isFrozen(config)) this.sources.set(compiled, config);
      return compiled;
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

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function configKey(config: unknown): string {
  const gw = (config as { gateway?: { namespace?: unknown; name?: unknown } } | null)?.gateway;
  return `${String(gw?.namespace ?? '?')}/${String(gw?.name ?? '?')}`;
}
