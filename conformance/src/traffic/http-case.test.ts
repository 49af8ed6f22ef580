import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caseEnvWith, gatewayStatus } from '../../test/helpers/case-env.js';
import { realStartEcho } from '../../test/helpers/echo.js';
import type { EchoHandle } from '../cluster/echo-contract.js';
import type { LogLine } from '../cluster/workloads.js';
import type { HttpCase } from '../suite/types.js';
import { eventuallyConsistent, planHttpAttempt, runHttpCase } from './http-case.js';
import { resolveTarget } from './target.js';

const IP = '127.1.203.1';
let echo: EchoHandle;
const logs: LogLine[] = [];

beforeAll(async () => {
  echo = await realStartEcho({ host: IP, httpPort: 0, h2cPort: 0, podName: 'infra-backend-v1-abc-0', namespace: 'gateway-conformance-infra', log: (line) => logs.push({ at: Date.now(), line }) });
});
afterAll(() => echo?.close());

const gw = () => gatewayStatus('same-namespace', IP, [{ name: 'http', port: echo.ports['http']! }]);
const httpCase = (extra: Partial<HttpCase> = {}): HttpCase => ({
  kind: 'http',
  step: 1,
  index: 0,
  request: { path: '/', method: 'GET', protocol: 'HTTP' },
  response: { statusCodes: [200] },
  backend: 'infra-backend-v1',
  namespace: 'gateway-conformance-infra',
  target: { gateway: { namespace: 'gateway-conformance-infra', name: 'same-namespace' }, scheme: 'http', portSource: 'firstListener' },
  assertion: 'eventuallyConsistent',
  backendExpectation: { path: '/', method: 'GET', namespace: 'gateway-conformance-infra', podNamePrefix: 'infra-backend-v1' },
  ...extra,
});

describe('planHttpAttempt', () => {
  it('builds the request the Go client sends', async () => {
    const { env, stop } = await caseEnvWith({ objects: [gw()] });
    try {
      const target = resolveTarget(httpCase().target!, await env.readStatus());
      const plan = planHttpAttempt(
        httpCase({ request: { path: '/p?q=1', method: 'GET', protocol: 'HTTP', host: 'foo.com', headers: { 'access-control-request-method': 'GET' } }, backendSetResponseHeaders: { 'X-Header-Set': 'v' } }),
        env,
        target,
      );
      expect(plan.request.url).toBe(`http://${IP}:${echo.ports['http']}/p?q=1`);
      expect(plan.request.host).toBe('foo.com');
      expect(plan.request.headers).toEqual([
        ['Access-Control-Request-Method', 'GET'],
        ['X-Echo-Set-Header', 'X-Header-Set:v'],
      ]);
      expect(plan.request.followRedirects).toBe(true);
      expect(plan.request.timeoutMs).toBe(10_000);
      const none = resolveTarget({ ...httpCase().target!, portSource: 'none (scheme default)' }, await env.readStatus());
      expect(none.address).toBe(IP);
      expect(planHttpAttempt(httpCase({ request: { path: '/x', unfollowRedirect: true } }), env, none).request).toMatchObject({ url: `http://${IP}/x`, followRedirects: false, protocol: 'HTTP' });
    } finally {
      await stop();
    }
  });

  it('fills {uuid} afresh for every request, in the path and the expected path', async () => {
    const { env, stop } = await caseEnvWith({ objects: [gw()] });
    try {
      const c = httpCase({ request: { path: '/retry?uuid={uuid}' }, placeholders: { uuid: 'fresh' }, backendExpectation: { path: '/retry?uuid={uuid}', method: 'GET', namespace: 'gateway-conformance-infra' } });
      const target = resolveTarget(c.target!, await env.readStatus());
      const a = planHttpAttempt(c, env, target);
      const b = planHttpAttempt(c, env, target);
      expect(a.request.url).not.toBe(b.request.url);
      expect(a.request.url.endsWith(a.expectation.backend!.path!)).toBe(true);
      expect(() => planHttpAttempt({ ...c, placeholders: { other: 'x' }, request: { path: '/{other}' } }, env, target)).toThrow(/placeholder \{other\} cannot be filled/);
    } finally {
      await stop();
    }
  });
});

describe('runHttpCase against the echo backend', () => {
  it('passes with three consecutive matching responses and traces each attempt', async () => {
    const { env, traces, stop } = await caseEnvWith({ objects: [gw()] });
    try {
      const out = await runHttpCase(httpCase(), env, { test: 't' });
      expect(out).toMatchObject({ ok: true, attempts: 3 });
      expect(traces).toHaveLength(3);
      expect(traces[0]).toMatchObject({ test: 't', attempt: 1, pass: true, response: { status: 200 }, backend: { pod: 'infra-backend-v1-abc-0' } });
    } finally {
      await stop();
    }
  });

  it('fails an unmet expectation after MaxTimeToConsistency (scaled)', async () => {
    const { env, stop } = await caseEnvWith({ objects: [gw()], scale: 0.1 });
    try {
      const out = await runHttpCase(httpCase({ backend: 'infra-backend-v2', backendExpectation: { path: '/', method: 'GET', namespace: 'gateway-conformance-infra', podNamePrefix: 'infra-backend-v2' } }), env, { test: 't' });
      expect(out.ok).toBe(false);
      expect(out.why).toMatch(/timeout after \d+ attempts: expected pod name to start with infra-backend-v2/);
    } finally {
      await stop();
    }
  });

  it('consistentFailure wants 5 non-200 responses in a row and fails on a 200', async () => {
    const { env, stop } = await caseEnvWith({ objects: [gw()] });
    try {
      expect(await runHttpCase(httpCase({ request: { path: '/status/500' }, assertion: 'consistentFailure' }), env, {})).toMatchObject({ ok: true, attempts: 5 });
      expect((await runHttpCase(httpCase({ assertion: 'consistentFailure' }), env, {})).why).toMatch(/got HTTP 200/);
    } finally {
      await stop();
    }
  });

  it('tlsRequestMustFail passes only on a transport failure', async () => {
    const { env, stop } = await caseEnvWith({ objects: [gatewayStatus('same-namespace', IP, [{ name: 'https', port: echo.ports['http']! }])] });
    try {
      // HTTPS to a plain HTTP listener fails in the TLS handshake.
      const tlsCase = httpCase({ request: { path: '/', protocol: 'HTTPS' }, target: { ...httpCase().target!, scheme: 'https' }, assertion: 'tlsRequestMustFail' });
      expect((await runHttpCase(tlsCase, env, {})).ok).toBe(true);
      expect((await runHttpCase(httpCase({ assertion: 'tlsRequestMustFail' }), env, {})).why).toMatch(/expected the request to fail, got HTTP 200/);
    } finally {
      await stop();
    }
  });

  it('checks that mirror backends logged the request, by its request id', async () => {
    const mirrored = httpCase({ mirroredTo: [{ name: 'infra-backend-v2', namespace: 'gateway-conformance-infra' }], requestIdQueryParam: 'gateway-api-conformance-request-id', request: { path: '/mirror' }, backendExpectation: { path: '/mirror', method: 'GET', namespace: 'gateway-conformance-infra', podNamePrefix: 'infra-backend-v1' } });
    // The echo's own log plays the mirror's: the request reached it with the request id.
    const { env, traces, stop } = await caseEnvWith({ objects: [gw()], logs: () => logs });
    try {
      expect(await runHttpCase(mirrored, env, {})).toMatchObject({ ok: true });
      expect(String((traces[0]!['request'] as { url: string }).url)).toMatch(/\/mirror\?gateway-api-conformance-request-id=[0-9a-f-]{36}$/);
    } finally {
      await stop();
    }
    const quiet = await caseEnvWith({ objects: [gw()], logs: () => [], scale: 0.05 });
    try {
      const out = await runHttpCase(mirrored, quiet.env, {});
      expect(out).toMatchObject({ ok: false, fatal: false });
      expect(out.why).toMatch(/mirrored request \/mirror\?gateway-api-conformance-request-id=.* not seen by gateway-conformance-infra\/infra-backend-v2/);
    } finally {
      await quiet.stop();
    }
  });
});

describe('eventuallyConsistent', () => {
  it('needs consecutive successes: a failure resets the count', async () => {
    const results = [true, false, true, true, true];
    let i = 0;
    const out = await eventuallyConsistent(10_000, async () => ({ pass: results[i++] ?? false, why: 'no' }));
    expect(out.ok).toBe(true);
    expect(i).toBe(5);
  });
});
