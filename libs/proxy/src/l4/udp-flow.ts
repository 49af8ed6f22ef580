/**
 * One UDP flow: the datagrams of one client address:port, sent to one backend endpoint through
 * a socket of their own (connected to the endpoint, so the kernel only delivers that endpoint's
 * replies to it). Replies go back to the client from the listener's socket. The flow ends when
 * it has been idle (no datagram either way) for the idle timeout; the timer is re-armed lazily
 * from the last activity, so a datagram only stores a timestamp.
 */
import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';

/** Datagrams kept while the flow's socket connects; more are dropped. */
const MAX_PENDING = 64;

/** What a flow needs from the listener socket it belongs to. */
export interface FlowOwner {
  /** Sends a backend's reply to the client from the listener's socket. */
  reply(msg: Buffer, flow: UdpFlow): void;
  /** The flow ended (idle, error, or closed by a swap); forget it. */
  ended(flow: UdpFlow): void;
}

const kFlow = Symbol('flow');
type FlowSocket = dgram.Socket & { [kFlow]?: UdpFlow };

export class UdpFlow {
  /** Date.now() of the last datagram either way. */
  lastActive: number;
  private readonly socket: FlowSocket;
  private pending: Buffer[] | null = [];
  private timer: NodeJS.Timeout;
  private closed = false;

  constructor(
    readonly clientAddress: string,
    readonly clientPort: number,
    /** "address:port" of the backend endpoint. */
    readonly endpoint: string,
    endpointAddress: string,
    endpointPort: number,
    private readonly owner: FlowOwner,
    private readonly idleMs: number,
    now: number,
  ) {
    this.lastActive = now;
    const socket = dgram.createSocket(isIPv6(endpointAddress) ? 'udp6' : 'udp4') as FlowSocket;
    socket[kFlow] = this;
    socket.on('message', onReply);
    socket.on('error', onSocketError);
    socket.connect(endpointPort, endpointAddress, onConnected);
    this.socket = socket;
    this.timer = setTimeout(onIdleCheck, idleMs, this);
    this.timer.unref();
  }

  /** Client → backend. */
  send(msg: Buffer, now: number): void {
    this.lastActive = now;
    const pending = this.pending;
    if (pending === null) this.socket.send(msg);
    else if (pending.length < MAX_PENDING) pending.push(msg);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.pending = null;
    try {
      this.socket.close();
    } catch {
      // Already closed by an error.
    }
    this.owner.ended(this);
  }

  /** @internal */
  connected(): void {
    const pending = this.pending;
    this.pending = null;
    if (this.closed || pending === null) return;
    for (const msg of pending) this.socket.send(msg);
  }

  /** @internal */
  fromBackend(msg: Buffer): void {
    if (this.closed) return;
    this.lastActive = Date.now();
    this.owner.reply(msg, this);
  }

  /** @internal */
  checkIdle(): void {
    if (this.closed) return;
    const idle = Date.now() - this.lastActive;
    if (idle >= this.idleMs) {
      this.close();
      return;
    }
    this.timer = setTimeout(onIdleCheck, this.idleMs - idle, this);
    this.timer.unref();
  }
}

function onConnected(this: FlowSocket): void {
  this[kFlow]?.connected();
}

function onReply(this: FlowSocket, msg: Buffer): void {
  this[kFlow]?.fromBackend(msg);
}

function onSocketError(this: FlowSocket): void {
  // ICMP port unreachable (ECONNREFUSED) and the like: the next datagram opens a new flow.
  this[kFlow]?.close();
}

function onIdleCheck(flow: UdpFlow): void {
  flow.checkIdle();
}
