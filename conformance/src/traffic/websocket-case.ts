import WebSocket from 'ws';
import type { WebsocketCase } from '../suite/types.js';
import type { CaseEnv, CaseOutcome } from './case-env.js';
import { eventuallyConsistent } from './http-case.js';
import { isLoopback } from './round-trip.js';
import { resolveTarget } from './target.js';

/**
 * Dials a WebSocket and plays the exchanges: each message sent must come back byte for byte (the
 * frame type is not checked). The Host header is the gateway address exactly as in the URL,
 * port included, as the suite's client sends it.
 */
export async function websocketRound(url: string, hostHeader: string, origin: string, subprotocol: string | undefined, exchanges: WebsocketCase['exchanges'], timeoutMs: number): Promise<void> {
  const host = new URL(url).hostname;
  if (!isLoopback(host)) throw new Error(`not dialling ${host}: loopback addresses only`);
  const ws = new WebSocket(url, subprotocol ? [subprotocol] : [], { origin, headers: { Host: hostHeader }, handshakeTimeout: timeoutMs });
  const messages: Buffer[] = [];
  const waiters: ((b: Buffer) => void)[] = [];
  let failure: Error | undefined;
  const failWaiters: ((e: Error) => void)[] = [];
  ws.on('message', (data: WebSocket.RawData) => {
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    const w = waiters.shift();
    if (w) {
      failWaiters.shift();
      w(buf);
    } else messages.push(buf);
  });
  const onFail = (e: Error) => {
    failure ??= e;
    for (const f of failWaiters.splice(0)) f(e);
    waiters.splice(0);
  };
  ws.on('error', onFail);
  ws.on('close', () => onFail(new Error('connection closed')));
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`handshake answered HTTP ${res.statusCode}`)));
    });
    for (const ex of exchanges) {
      const payload = ex.send.frame === 'binary' ? Buffer.from(ex.send.dataBytes ?? []) : Buffer.from(ex.send.data ?? '', 'utf8');
      ws.send(payload, { binary: ex.send.frame === 'binary' });
      const reply = await new Promise<Buffer>((resolve, reject) => {
        const queued = messages.shift();
        if (queued) return resolve(queued);
        if (failure) return reject(failure);
        const timer = setTimeout(() => reject(new Error(`no reply within ${timeoutMs} ms`)), timeoutMs);
        waiters.push((b) => {
          clearTimeout(timer);
          resolve(b);
        });
        failWaiters.push((e) => {
          clearTimeout(timer);
          reject(e);
        });
      });
      const want = ex.expectReply.dataBytes ? Buffer.from(ex.expectReply.dataBytes) : Buffer.from(ex.expectReply.data ?? '', 'utf8');
      if (!reply.equals(want)) throw new Error(`reply ${JSON.stringify(reply.toString('utf8'))} differs from the message sent ${JSON.stringify(want.toString('utf8'))}`);
    }
  } finally {
    ws.terminate();
  }
}

/** websocket: 3 successful dial+exchange rounds in a row within MaxTimeToConsistency, each on a new connection. */
export async function runWebsocketCase(c: WebsocketCase, env: CaseEnv, label: Record<string, unknown>, testName: string): Promise<CaseOutcome> {
  const t = resolveTarget(c.target!, await env.readStatus());
  const path = c.url ? new URL(c.url.replace('<gwAddr>', 'placeholder')).pathname : '/ws';
  const url = `ws://${t.address}${path}`;
  const origin = `ws://gateway/TestConformance/${testName}/${(c.name ?? '').replace(/ /g, '_')}`;
  let attempt = 0;
  const out = await eventuallyConsistent(env.timeouts.ms('MaxTimeToConsistency'), async () => {
    attempt++;
    try {
      await websocketRound(url, t.address, origin, c.subprotocol || undefined, c.exchanges, env.timeouts.ms('RequestTimeout'));
      env.trace({ ...label, attempt, request: { url, host: t.address, origin }, pass: true });
      return { pass: true };
    } catch (e) {
      env.trace({ ...label, attempt, request: { url, host: t.address, origin }, error: (e as Error).message, pass: false });
      return { pass: false, why: (e as Error).message };
    }
  });
  return out.ok ? out : { ...out, fatal: false };
}
