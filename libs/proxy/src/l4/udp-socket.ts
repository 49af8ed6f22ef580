/**
 * One bound UDP address:port serving a UDP listener. Each client address:port is a flow (see
 * udp-flow.ts). A new flow's backendRef is chosen by weight and its endpoint by consistent
 * hashing, both from a hash of the client address and port: every worker process computes the
 * same choice from the same config, so the datagrams of one flow reach the same backend
 * whichever process node:cluster hands them to. A process then keeps the flow's endpoint for
 * the flow's lifetime, across config swaps, unless the endpoint is no longer in the config.
 *
 * Per datagram: two Map lookups (address, then port) and a timestamp; no allocation of ours.
 */
import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import { flowHash } from '../backends/flow-hash.js';
import type { CompiledGateway, CompiledUdpPort } from '../compile/compiled-types.js';
import type { L4Context } from './l4-context.js';
import { UdpFlow, type FlowOwner } from './udp-flow.js';

/** The config a UDP socket serves right now. */
export interface UdpPortState {
  readonly gateway: CompiledGateway;
  readonly port: CompiledUdpPort;
}

export class UdpBoundSocket implements FlowOwner {
  /** "address:port/udp". */
  readonly key: string;
  state: UdpPortState | null = null;
  draining = false;
  private readonly socket: dgram.Socket;
  /** client address → client port → flow. */
  private readonly flows = new Map<string, Map<number, UdpFlow>>();
  private flowCount = 0;
  /** The flow limit was hit and logged; logged again only after it cleared. */
  private atLimit = false;
  private drained: (() => void) | null = null;
  private closed = false;

  constructor(
    readonly address: string,
    readonly port: number,
    private readonly ctx: L4Context,
  ) {
    this.key = udpBindKey(address, port);
    this.socket = dgram.createSocket({ type: isIPv6(address) ? 'udp6' : 'udp4' });
    this.socket.on('message', this.onMessage);
  }

  /** Binds; resolves with the bind error instead of throwing. In a node:cluster worker the socket is shared with the other workers. */
  listen(): Promise<NodeJS.ErrnoException | null> {
    return new Promise((resolve) => {
      const onError = (err: NodeJS.ErrnoException) => {
        this.socket.off('listening', onListening);
        this.closed = true;
        try {
          this.socket.close();
        } catch {
          // never bound
        }
        resolve(err);
      };
      const onListening = () => {
        this.socket.off('error', onError);
        this.socket.on('error', (err) => this.ctx.log('debug', 'UDP socket error', { socket: this.key, error: err.message }));
        resolve(null);
      };
      this.socket.once('error', onError);
      this.socket.once('listening', onListening);
      this.socket.bind({ address: this.address, port: this.port, exclusive: false });
    });
  }

  /** Serves `state` from the next new flow on; flows whose endpoint left the config end. */
  setState(state: UdpPortState): void {
    this.state = state;
    const endpoints = state.port.listener.endpoints;
    for (const byPort of [...this.flows.values()]) {
      for (const flow of [...byPort.values()]) if (!endpoints.has(flow.endpoint)) flow.close();
    }
  }

  /** Open flows (tests and diagnostics). */
  get flowSize(): number {
    return this.flowCount;
  }

  /** A removed listener: no new flows; existing ones go on until idle, then the socket closes (at most `timeoutMs`). */
  async drain(timeoutMs: number): Promise<void> {
    this.draining = true;
    if (this.flowCount > 0) {
      const done = new Promise<void>((resolve) => (this.drained = resolve));
      const timer = setTimeout(() => this.closeFlows(), timeoutMs);
      await done;
      clearTimeout(timer);
    }
    this.drained = null;
    if (this.draining) this.close();
  }

  /** Takes a draining socket back into service (its address:port is wanted again). */
  revive(): boolean {
    if (this.closed) return false;
    this.draining = false;
    const drained = this.drained;
    this.drained = null;
    drained?.();
    return true;
  }

  /** @internal FlowOwner */
  reply(msg: Buffer, flow: UdpFlow): void {
    if (this.closed) return;
    this.socket.send(msg, flow.clientPort, flow.clientAddress);
  }

  /** @internal FlowOwner */
  ended(flow: UdpFlow): void {
    const byPort = this.flows.get(flow.clientAddress);
    if (byPort === undefined || byPort.get(flow.clientPort) !== flow) return;
    byPort.delete(flow.clientPort);
    if (byPort.size === 0) this.flows.delete(flow.clientAddress);
    this.flowCount--;
    if (this.flowCount === 0 && this.draining) this.drained?.();
  }

  private readonly onMessage = (msg: Buffer, rinfo: dgram.RemoteInfo): void => {
    const now = Date.now();
    const flow = this.flows.get(rinfo.address)?.get(rinfo.port) ?? this.openFlow(rinfo.address, rinfo.port, now);
    if (flow !== null) flow.send(msg, now);
  };

  private openFlow(address: string, port: number, now: number): UdpFlow | null {
    const state = this.state;
    if (state === null || this.draining || this.closed) return null;
    const route = state.port.listener.route;
    if (route === null) return null;
    if (this.flowCount >= this.ctx.limits.udpMaxFlows) {
      if (!this.atLimit) this.ctx.log('warn', 'UDP flow limit reached; datagrams of new flows are dropped', { socket: this.key, limit: this.ctx.limits.udpMaxFlows });
      this.atLimit = true;
      return null;
    }
    this.atLimit = false;
    const hash = flowHash(address, port);
    const ref = route.flowPicker.pick(hash);
    // An invalid backendRef (null) or a backend without ready endpoints: dropped, no state kept.
    const upstream = ref?.backend?.forFlow(hash) ?? null;
    if (upstream === null) return null;
    if (upstream.via !== null) {
      // UDP does not go through east-west gateways (they relay TCP): such a flow is dropped.
      this.ctx.log('debug', 'UDP endpoint is behind an east-west gateway; datagrams dropped', { socket: this.key, endpoint: `${upstream.address}:${upstream.port}` });
      return null;
    }
    const flow = new UdpFlow(address, port, `${upstream.address}:${upstream.port}`, upstream.address, upstream.port, this, this.ctx.limits.udpIdleMs, now);
    let byPort = this.flows.get(address);
    if (byPort === undefined) {
      byPort = new Map();
      this.flows.set(address, byPort);
    }
    byPort.set(port, flow);
    this.flowCount++;
    return flow;
  }

  private closeFlows(): void {
    for (const byPort of [...this.flows.values()]) for (const flow of [...byPort.values()]) flow.close();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.closeFlows();
    this.socket.close();
  }
}

export function udpBindKey(address: string, port: number): string {
  return `${address.includes(':') ? `[${address}]` : address}:${port}/udp`;
}
