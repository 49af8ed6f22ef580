/**
 * HTTP/1.1 upgrades (WebSocket and others): the request is routed and filtered like any other,
 * then its head is written to a fresh connection to the chosen endpoint and the two sockets are
 * piped both ways; the backend's 101 (or refusal) reaches the client as it is. A tunnel
 * belongs to its connection, not to a config: swaps leave it alone.
 */
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import { openEastWestStream } from '../east-west/east-west-connect.js';
import type { Upstream } from '../upstream/upstream.js';
import { buildUpstreamHeaders, clientIp } from './forward-headers.js';
import type { ProxyContext } from './proxy-context.js';
import { redirectLocation, upstreamPath, type Routed } from './route-request.js';

const CONNECT_TIMEOUT_MS = 10_000;
/** Largest backend response head accepted on an upgrade. */
const MAX_RESPONSE_HEAD = 64 * 1024;

export function openTunnel(ctx: ProxyContext, req: IncomingMessage, client: Duplex, head: Buffer, r: Routed): void {
  const rule = r.match.rule;
  client.on('error', destroyQuietly);
  if (rule.redirect !== null) {
    return refuse(client, rule.redirect.statusCode, `location: ${redirectLocation(r, rule.redirect)}\r\n`);
  }
  if (rule.directStatus !== 0) return refuse(client, rule.directStatus);
  const ref = rule.picker.pick();
  if (ref === undefined || ref.backend === null) return refuse(client, 500);
  const upstream = ref.backend.next();
  if (upstream === null) return refuse(client, 503);
  if (upstream.isHttp2) return refuse(client, 502);

  const headers = buildUpstreamHeaders(req.headers, {
    clientIp: clientIp(req.socket.remoteAddress),
    proto: r.state.port.tls ? 'https' : 'http',
    authority: r.authority,
    plan: ref.requestPlan,
    rewriteHost: ref.rewriteHost,
    keepUpgrade: true,
  });
  let headText = `${req.method ?? 'GET'} ${upstreamPath(r, rule.rewritePath)} HTTP/1.1\r\n`;
  for (const name in headers) {
    const v = headers[name];
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const one of v) headText += `${name}: ${one}\r\n`;
    else headText += `${name}: ${v}\r\n`;
  }
  headText += '\r\n';

  let backend: net.Socket;
  try {
    backend = connect(upstream);
  } catch (err) {
    // An endpoint behind an east-west gateway while this proxy has no ClusterSet certificate.
    ctx.log('warn', 'upgrade to backend failed', { endpoint: upstream.key, error: (err as Error).message });
    return refuse(client, 502);
  }
  backend.setTimeout(CONNECT_TIMEOUT_MS);
  backend.once('timeout', () => backend.destroy(new Error('connect timeout')));
  backend.once(upstream.tls !== null || upstream.via !== null ? 'secureConnect' : 'connect', () => {
    backend.setTimeout(0);
    backend.setNoDelay(true);
    backend.write(headText);
    if (head.length > 0) backend.write(head);
    backend.on('data', onBackendHead);
  });
  // Until the backend's response head is in, nothing from the client goes on: a backend that
  // refuses the upgrade answers once and the connection ends, so later requests cannot reach
  // it around the router.
  let pending: Buffer = Buffer.alloc(0);
  const onBackendHead = (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    const end = pending.indexOf('\r\n\r\n');
    if (end < 0) {
      if (pending.length > MAX_RESPONSE_HEAD) backend.destroy(new Error('backend response head too large'));
      return;
    }
    backend.off('data', onBackendHead);
    const switching = /^HTTP\/1\.[01] 101\b/.test(pending.subarray(0, Math.min(end, 32)).toString('latin1'));
    client.write(pending);
    pending = Buffer.alloc(0);
    backend.pipe(client);
    if (switching) client.pipe(backend);
    else backend.end();
  };
  backend.on('error', (err) => {
    ctx.log('debug', 'upgrade to backend failed', { endpoint: upstream.key, error: err.message });
    if (!connected(backend)) refuse(client, 502);
    else client.destroy();
  });
  backend.on('close', () => client.destroy());
  client.on('close', () => backend.destroy());
}

function connected(s: net.Socket): boolean {
  return s.bytesWritten > 0;
}

function connect(u: Upstream): net.Socket {
  // Through the endpoint's east-west gateway (backend TLS, if any, inside the tunnel).
  const ew = u.eastWestRoute;
  if (ew !== null) return openEastWestStream(ew, u.tls !== null ? ['http/1.1'] : undefined);
  const t = u.tls;
  if (t === null) return net.connect({ host: u.address, port: u.port });
  return tls.connect({
    host: u.address,
    port: u.port,
    servername: t.servername,
    ca: t.ca,
    cert: t.cert,
    key: t.key,
    rejectUnauthorized: true,
    checkServerIdentity: t.checkServerIdentity,
    ALPNProtocols: ['http/1.1'],
  });
}

/** Answers an upgrade request that cannot be tunnelled, and closes the connection. */
export function refuse(client: Duplex, status: number, extraHeaders = ''): void {
  if (!client.writable) {
    client.destroy();
    return;
  }
  client.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${extraHeaders}connection: close\r\ncontent-length: 0\r\n\r\n`);
}

function destroyQuietly(this: Duplex): void {
  this.destroy();
}
