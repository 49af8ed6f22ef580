/**
 * One active health probe of one endpoint: HTTP (a GET on a fresh connection, healthy when the
 * status is expected) or TCP (a connection opens). A probe never throws: it resolves to its
 * outcome, and a probe that takes longer than the timeout fails (a frozen endpoint that accepts
 * connections but never answers is caught that way).
 */
import http from 'node:http';
import net from 'node:net';
import type { HealthCheck } from '@portway/ir';

/** The active check settings of the IR. */
export type ActiveCheck = NonNullable<HealthCheck['active']>;

export interface ProbeResult {
  healthy: boolean;
  /** Why it failed ("status 503", "ECONNREFUSED", "timeout after 200 ms"). */
  reason?: string;
}

/** Statuses an HTTP check accepts when `expectedStatuses` is absent: 200–399. */
export function statusExpected(status: number, expected: readonly number[] | undefined): boolean {
  return expected !== undefined && expected.length > 0 ? expected.includes(status) : status >= 200 && status < 400;
}

export function probeEndpoint(address: string, port: number, check: ActiveCheck): Promise<ProbeResult> {
  return check.type === 'TCP' ? probeTcp(address, port, check.timeoutMs) : probeHttp(address, port, check);
}

function probeTcp(address: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: address, port });
    const done = (r: ProbeResult) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done({ healthy: false, reason: `timeout after ${timeoutMs} ms` }), timeoutMs);
    socket.once('connect', () => done({ healthy: true }));
    socket.once('error', (e: NodeJS.ErrnoException) => done({ healthy: false, reason: e.code ?? e.message }));
  });
}

function probeHttp(address: string, port: number, check: ActiveCheck): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let settled = false;
    const host = address.includes(':') ? `[${address}]` : address;
    const req = http.request({
      host: address,
      port,
      method: 'GET',
      path: check.path ?? '/',
      agent: false,
      headers: { host: `${host}:${port}`, 'user-agent': 'portway-health-check', connection: 'close' },
    });
    const done = (r: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done({ healthy: false, reason: `timeout after ${check.timeoutMs} ms` }), check.timeoutMs);
    req.once('response', (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      done(statusExpected(status, check.expectedStatuses) ? { healthy: true } : { healthy: false, reason: `status ${status}` });
    });
    req.once('error', (e: NodeJS.ErrnoException) => done({ healthy: false, reason: e.code ?? e.message }));
    req.end();
  });
}
