import { createSocket } from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { CaseBase, TrafficCase, UdpEchoCase } from '../suite/types.js';
import { sleep } from '../util/sleep.js';
import type { CaseEnv, CaseOutcome } from './case-env.js';
import { dialPort, resolveTarget } from './target.js';

/** The echo backend's UDP reply. */
export interface UdpEchoReply {
  request?: string;
  namespace?: string;
  ingress?: string;
  service?: string;
  pod?: string;
}

/** Sends one datagram and waits for one reply (up to 1024 bytes read, as upstream). */
export function udpExchange(host: string, port: number, payload: string, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = createSocket(isIP(host) === 6 ? 'udp6' : 'udp4');
    const timer = setTimeout(() => {
      sock.close();
      reject(new Error(`no UDP reply within ${timeoutMs} ms`));
    }, timeoutMs);
    sock.once('message', (msg) => {
      clearTimeout(timer);
      sock.close();
      resolve(msg.subarray(0, 1024));
    });
    sock.once('error', (e) => {
      clearTimeout(timer);
      sock.close();
      reject(e);
    });
    sock.connect(port, host, () => sock.send(payload));
  });
}

async function target(env: CaseEnv, c: CaseBase): Promise<{ host: string; port: number }> {
  const t = resolveTarget(c.target!, await env.readStatus());
  return { host: t.ip, port: dialPort(t, c.target!.scheme) };
}

/** Compares a reply with the expected service/namespace; both empty accepts any reply. */
export function compareUdpReply(expected: { service?: string; namespace?: string } | undefined, reply: Buffer): { why?: string; parsed?: UdpEchoReply } {
  const service = expected?.service ?? '';
  const namespace = expected?.namespace ?? '';
  if (service === '' && namespace === '') return {};
  let parsed: UdpEchoReply;
  try {
    parsed = JSON.parse(reply.toString('utf8')) as UdpEchoReply;
  } catch {
    return { why: `reply is not the echo JSON envelope: ${JSON.stringify(reply.toString('utf8').slice(0, 200))}` };
  }
  if (service !== '' && parsed.service !== service) return { why: `expected service ${service}, got ${parsed.service}`, parsed };
  if (namespace !== '' && parsed.namespace !== namespace) return { why: `expected namespace ${namespace}, got ${parsed.namespace}`, parsed };
  return { parsed };
}

/**
 * udpEcho: poll every 1 s up to the case's timeout until a datagram gets a matching reply (2 s
 * read deadline). udpEchoRepeat: then `iterations` more samples must all match (and the pod
 * prefixes, when given).
 */
export async function runUdpEcho(c: UdpEchoCase, env: CaseEnv, label: Record<string, unknown>): Promise<CaseOutcome> {
  const { host, port } = await target(env, c);
  const payload = c.payload ?? 'gateway-api-conformance-udp-echo';
  const deadline = Date.now() + env.timeouts.seconds(c.timeoutSeconds ?? 60);
  const readTimeout = env.timeouts.seconds(2);
  let attempt = 0;
  let last = '';
  const sample = async (): Promise<string | undefined> => {
    attempt++;
    try {
      const reply = await udpExchange(host, port, payload, readTimeout);
      const r = compareUdpReply(c.expected, reply);
      let why = r.why;
      if (!why && (c.expectPodPrefix || c.forbidPodPrefix)) {
        const pod = r.parsed?.pod ?? (JSON.parse(reply.toString('utf8')) as UdpEchoReply).pod ?? '';
        if (c.forbidPodPrefix && pod.startsWith(c.forbidPodPrefix)) why = `pod ${pod} starts with ${c.forbidPodPrefix}`;
        else if (c.expectPodPrefix && !pod.startsWith(c.expectPodPrefix)) why = `pod ${pod} does not start with ${c.expectPodPrefix}`;
      }
      env.trace({ ...label, attempt, request: { host, port, payload }, backend: r.parsed ?? reply.toString('utf8').slice(0, 200), pass: !why, ...(why ? { why } : {}) });
      return why;
    } catch (e) {
      env.trace({ ...label, attempt, request: { host, port, payload }, error: (e as Error).message, pass: false });
      return (e as Error).message;
    }
  };
  for (;;) {
    const why = await sample();
    if (!why) break;
    last = why;
    if (Date.now() + 1000 > deadline) return { ok: false, why: `no matching UDP reply within the time limit: ${last}` };
    await sleep(1000);
  }
  if (c.kind === 'udpEchoRepeat') {
    for (let i = 1; i < (c.iterations ?? 1); i++) {
      const why = await sample();
      if (why) return { ok: false, why: `sample ${i + 1}: ${why}` };
    }
  }
  return { ok: true };
}

/** The pod that answered one UDP datagram (weighted UDP test). */
export async function udpPod(host: string, port: number, payload: string, timeoutMs: number): Promise<string> {
  const reply = await udpExchange(host, port, payload, timeoutMs);
  const parsed = JSON.parse(reply.toString('utf8')) as UdpEchoReply;
  if (!parsed.pod) throw new Error('the UDP reply has no pod');
  return parsed.pod;
}

const DNS_ANSWERED = new Set(['ENODATA', 'EFORMERR', 'ESERVFAIL', 'ENOTFOUND', 'ENOTIMP', 'EREFUSED', 'EBADRESP', 'EBADNAME']);

/**
 * dnsQuery: every 1 s up to DefaultTestTimeout, query the gateway over UDP; any DNS response
 * passes (answers and rcode are not checked), only a timeout or a refused connection does not.
 */
export async function runDnsQuery(c: TrafficCase & { query?: { name?: string; type?: string } }, env: CaseEnv, label: Record<string, unknown>): Promise<CaseOutcome> {
  const { host, port } = await target(env, c);
  const name = (c.query?.name ?? 'foo.bar.com.').replace(/\.$/, '');
  const type = c.query?.type ?? 'A';
  const deadline = Date.now() + env.timeouts.ms('DefaultTestTimeout');
  let attempt = 0;
  let last = '';
  for (;;) {
    attempt++;
    const resolver = new Resolver({ timeout: env.timeouts.seconds(2), tries: 1 });
    resolver.setServers([`${isIP(host) === 6 ? `[${host}]` : host}:${port}`]);
    try {
      const answer = await resolver.resolve(name, type);
      env.trace({ ...label, attempt, request: { host, port, name, type }, response: answer, pass: true });
      return { ok: true };
    } catch (e) {
      const code = (e as { code?: string }).code ?? '';
      const answered = DNS_ANSWERED.has(code);
      env.trace({ ...label, attempt, request: { host, port, name, type }, response: { error: code }, pass: answered });
      if (answered) return { ok: true };
      last = `${code} ${(e as Error).message}`;
    } finally {
      resolver.cancel();
    }
    if (Date.now() + 1000 > deadline) return { ok: false, why: `no DNS response from ${host}:${port}: ${last}` };
    await sleep(1000);
  }
}
