import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { CaseBase, CaseTls, TcpEchoCase, TcpEchoRepeatCase, TrafficCase } from '../suite/types.js';
import { sleep } from '../util/sleep.js';
import { readPem, type CaseEnv, type CaseOutcome } from './case-env.js';
import { LineSocket, type L4Tls } from './line-socket.js';
import { dialPort, resolveTarget } from './target.js';

/** The welcome line of the echo backend's TCP mode. */
export const TCP_WELCOME = 'Gateway API Test TCP Server\n';

/** The JSON line the TCP echo backend answers to TEST. */
export interface TcpEchoAssertions {
  namespace?: string;
  ingress?: string;
  service?: string;
  pod?: string;
  tcpport?: string;
  tlsport?: string;
  isTLS?: boolean;
  tls?: { version?: string; serverName?: string; negotiatedProtocol?: string; cipherSuite?: string };
}

function l4Tls(env: CaseEnv, tls: CaseTls | undefined): L4Tls {
  return { ...(tls?.serverName ? { serverName: tls.serverName } : {}), ...(tls?.trustedCA ? { ca: [readPem(env, tls.trustedCA, tls.trustedCA.key)] } : {}) };
}

async function target(env: CaseEnv, c: CaseBase): Promise<{ host: string; port: number }> {
  const t = resolveTarget(c.target!, await env.readStatus());
  return { host: t.ip, port: dialPort(t, c.target!.scheme) };
}

/**
 * One full TCP echo exchange: welcome line, PING -> PONG, IS_TLS -> true/false, TEST -> JSON.
 * Throws when any step does not go as the protocol says.
 */
export async function tcpEchoExchange(host: string, port: number, timeoutMs: number, tls: L4Tls | undefined, backendIsTLS: boolean | undefined): Promise<TcpEchoAssertions> {
  const s = await LineSocket.connect(host, port, timeoutMs, tls);
  try {
    const welcome = await s.readLine(timeoutMs);
    if (welcome !== TCP_WELCOME) throw new Error(`unexpected welcome line ${JSON.stringify(welcome)}`);
    s.write('PING\n');
    const pong = await s.readLine(timeoutMs);
    if (pong !== 'PONG\n') throw new Error(`expected PONG, got ${JSON.stringify(pong)}`);
    s.write('IS_TLS\n');
    const isTls = (await s.readLine(timeoutMs)).trim();
    if (backendIsTLS !== undefined && isTls !== String(backendIsTLS)) throw new Error(`IS_TLS answered ${isTls}, expected ${backendIsTLS}`);
    s.write('TEST\n');
    return JSON.parse(await s.readLine(timeoutMs)) as TcpEchoAssertions;
  } finally {
    s.close();
  }
}

/** Connects, reads the welcome line, sends TEST and returns the pod that answered. */
export async function tcpTestPod(host: string, port: number, timeoutMs: number, welcomeLine = TCP_WELCOME): Promise<string> {
  const s = await LineSocket.connect(host, port, timeoutMs);
  try {
    const welcome = await s.readLine(timeoutMs);
    if (welcome !== welcomeLine) throw new Error(`unexpected welcome line ${JSON.stringify(welcome)}`);
    s.write('TEST\n');
    const a = JSON.parse(await s.readLine(timeoutMs)) as TcpEchoAssertions;
    if (!a.pod) throw new Error('the TEST reply has no pod');
    return a.pod;
  } finally {
    s.close();
  }
}

/**
 * tcpEcho: retry the exchange (1 s apart, within MaxTimeToConsistency) until one connection
 * completes it; the content of that first complete exchange is then final.
 */
export async function runTcpEcho(c: TcpEchoCase, env: CaseEnv, label: Record<string, unknown>): Promise<CaseOutcome> {
  const { host, port } = await target(env, c);
  const tls = c.useTLS ? l4Tls(env, c.tls) : undefined;
  const deadline = Date.now() + env.timeouts.ms('MaxTimeToConsistency');
  let attempt = 0;
  let last = '';
  while (Date.now() <= deadline) {
    attempt++;
    let a: TcpEchoAssertions;
    try {
      a = await tcpEchoExchange(host, port, env.timeouts.ms('RequestTimeout'), tls, c.expected.backendIsTLS);
    } catch (e) {
      last = (e as Error).message;
      env.trace({ ...label, attempt, request: { host, port, tls }, error: last, pass: false });
      await sleep(1000);
      continue;
    }
    const why = compareTcpEcho(c.expected, a);
    env.trace({ ...label, attempt, request: { host, port, tls }, backend: a, pass: !why, ...(why ? { why } : {}) });
    return why ? { ok: false, why, fatal: false } : { ok: true };
  }
  return { ok: false, why: `no complete TCP echo exchange within the time limit: ${last}` };
}

/** The content assertions of a tcpEcho case. */
export function compareTcpEcho(e: TcpEchoCase['expected'], a: TcpEchoAssertions): string | undefined {
  if ((a.namespace ?? '') !== (e.namespace ?? '')) return `expected namespace ${e.namespace}, got ${a.namespace}`;
  if (!(a.pod ?? '').startsWith(`${e.backend ?? ''}-`)) return `expected pod to start with ${e.backend}-, got ${a.pod}`;
  if (e.hostname && (a.tls?.serverName ?? '') !== e.hostname) return `expected the backend to see SNI ${e.hostname}, got ${a.tls?.serverName ?? '(none)'}`;
  if (e.tlsProtocol && (a.tls?.negotiatedProtocol ?? '') !== e.tlsProtocol) return `expected negotiated protocol ${e.tlsProtocol}, got ${a.tls?.negotiatedProtocol ?? '(none)'}`;
  return undefined;
}

/** tcpEchoRepeat: `iterations` sequential connections, each answered by an expected pod. */
export async function runTcpEchoRepeat(c: TcpEchoRepeatCase, env: CaseEnv, label: Record<string, unknown>): Promise<CaseOutcome> {
  const { host, port } = await target(env, c);
  const timeout = env.timeouts.seconds(c.perRequestTimeoutSeconds ?? 5);
  for (let i = 0; i < c.iterations; i++) {
    let pod: string;
    try {
      pod = await tcpTestPod(host, port, timeout);
    } catch (e) {
      env.trace({ ...label, attempt: i + 1, request: { host, port }, error: (e as Error).message, pass: false });
      return { ok: false, why: `sample ${i + 1}: ${(e as Error).message}`, fatal: false };
    }
    const why = c.forbidPodPrefix && pod.startsWith(c.forbidPodPrefix) ? `sample ${i + 1}: pod ${pod} starts with ${c.forbidPodPrefix}` : c.expectPodPrefix && !pod.startsWith(c.expectPodPrefix) ? `sample ${i + 1}: pod ${pod} does not start with ${c.expectPodPrefix}` : undefined;
    env.trace({ ...label, attempt: i + 1, request: { host, port }, backend: { pod }, pass: !why, ...(why ? { why } : {}) });
    if (why) return { ok: false, why, fatal: false };
  }
  return { ok: true };
}

/** tcpConnect: poll every 100 ms within MaxTimeToConsistency until a TCP connection opens. */
export async function runTcpConnect(c: TrafficCase, env: CaseEnv, label: Record<string, unknown>): Promise<CaseOutcome> {
  const { host, port } = await target(env, c);
  const deadline = Date.now() + env.timeouts.ms('MaxTimeToConsistency');
  let last = '';
  let attempt = 0;
  while (Date.now() <= deadline) {
    attempt++;
    try {
      await new Promise<void>((resolve, reject) => {
        const s = netConnect({ host, port });
        const timer = setTimeout(() => {
          s.destroy();
          reject(new Error('connect timed out'));
        }, env.timeouts.ms('RequestTimeout'));
        s.once('connect', () => {
          clearTimeout(timer);
          s.destroy();
          resolve();
        });
        s.once('error', (e) => {
          clearTimeout(timer);
          reject(e);
        });
      });
      env.trace({ ...label, attempt, request: { host, port }, pass: true });
      return { ok: true };
    } catch (e) {
      last = (e as Error).message;
      env.trace({ ...label, attempt, request: { host, port }, error: last, pass: false });
      await sleep(100);
    }
  }
  return { ok: false, why: `no TCP connection to ${host}:${port}: ${last}` };
}

/**
 * tlsConnectionRejected: every 1 s within MaxTimeToConsistency, start a TLS handshake (SNI as
 * given, system roots); pass when the gateway closes or resets the connection during it.
 */
export async function runTlsConnectionRejected(c: TrafficCase & { tls?: CaseTls }, env: CaseEnv, label: Record<string, unknown>): Promise<CaseOutcome> {
  const { host, port } = await target(env, c);
  const deadline = Date.now() + env.timeouts.ms('MaxTimeToConsistency');
  let last = '';
  let attempt = 0;
  while (Date.now() <= deadline) {
    attempt++;
    const r = await tlsHandshakeOutcome(host, port, c.tls?.serverName, env.timeouts.ms('RequestTimeout'));
    env.trace({ ...label, attempt, request: { host, port, serverName: c.tls?.serverName }, outcome: r, pass: r.rejected });
    if (r.rejected) return { ok: true };
    last = r.detail;
    await sleep(1000);
  }
  return { ok: false, why: `the gateway did not reject the TLS connection: ${last}` };
}

/** Whether a TLS handshake ended with EOF / connection reset (rejected), or how else it ended. */
export async function tlsHandshakeOutcome(host: string, port: number, serverName: string | undefined, timeoutMs: number): Promise<{ rejected: boolean; detail: string }> {
  return new Promise((resolve) => {
    const s = tlsConnect({ host, port, minVersion: 'TLSv1.2', ...(serverName ? { servername: serverName } : {}) });
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ rejected: false, detail: 'handshake timed out' });
    }, timeoutMs);
    s.once('secureConnect', () => {
      clearTimeout(timer);
      s.destroy();
      resolve({ rejected: false, detail: 'handshake completed' });
    });
    s.once('error', (e: Error & { code?: string }) => {
      clearTimeout(timer);
      s.destroy();
      const reset = e.code === 'ECONNRESET' || e.code === 'EPIPE' || /disconnected before secure TLS connection|socket hang up|EOF/i.test(e.message);
      resolve({ rejected: reset, detail: `${e.code ?? ''} ${e.message}`.trim() });
    });
  });
}
