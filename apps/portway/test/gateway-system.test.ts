/**
 * Gateway-level features through the whole system (`portway run --workers 2`):
 * - static addresses (`spec.addresses`) bound on loopback, an address left empty taking one from
 *   the pool, and an address no interface has giving `Programmed=False, AddressNotUsable`;
 * - `spec.infrastructure` labels and annotations shown with what the data plane serves for the
 *   Gateway (admin `/status` → `agent`, and `portway status`), following edits;
 * - bad values: a rule whose regex Portway cannot compile is dropped (`PartiallyInvalid`) while
 *   the rest of the Gateway keeps serving; a URLRewrite + RequestRedirect rule is refused at
 *   admission (`portway validate`, and `portway run` reports it and keeps the previous state).
 */
import http from 'node:http';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEcho, type EchoServer } from '@portway/echo';
import { built, cli, conditionsOf, freePort, GATEWAY_CLASS, PortwayRun, service, waitFor } from './support/portway-run.js';

const POOL = '127.0.93.1-127.0.93.2';
const STATIC = '127.0.93.5';
const UNUSABLE = '192.0.2.10'; // TEST-NET-1: no interface here has it
const ADMIN = '127.0.93.254:19593';
const BACKEND = '127.0.93.11';

function get(address: string, port: number, path: string, host = 'app.example.com'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: address, port, path, headers: { host }, agent: false }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

const gateway = (name: string, port: number, extra: string) => `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: ${name}, namespace: default}
spec:
  gatewayClassName: portway
${extra}  listeners: [{name: http, port: ${port}, protocol: HTTP}]
`;

const route = (name: string, parent: string, rules: string) => `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: ${name}, namespace: default}
spec:
  parentRefs: [{name: ${parent}}]
  rules:
${rules}`;

const infra = (team: string) => `  infrastructure:
    labels: {team: ${team}, tier: edge}
    annotations: {portway.dev/owner: platform}
`;

interface AgentGateway {
  gateway: string;
  listenersBound: string[];
  errors: { reason: string }[];
  infrastructure: { labels: Record<string, string>; annotations: Record<string, string> };
}

describe.skipIf(!built)('Gateway addresses, infrastructure and bad values through portway run', () => {
  const run = new PortwayRun({ admin: ADMIN, addressPool: POOL });
  let echo: EchoServer;
  let port: number;

  const served = async (gw: string): Promise<AgentGateway | undefined> =>
    ((await run.status()).agent as { gateways: AgentGateway[] } | undefined)?.gateways.find((g) => g.gateway === `default/${gw}`);

  beforeAll(async () => {
    echo = await startEcho({ host: BACKEND, httpPort: 3000, h2cPort: null, podName: 'echo-pod', namespace: 'default', log: () => {} });
    port = await freePort('127.0.93.1');
    run.write(
      'base.yaml',
      [
        GATEWAY_CLASS,
        service('echo', { port: 80, targetPort: 3000, addresses: [BACKEND] }),
        gateway('static', port, `  addresses: [{type: IPAddress, value: ${STATIC}}]\n${infra('payments')}`),
        gateway('empty-address', port, '  addresses: [{type: IPAddress}]\n'),
        gateway('unbindable', port, `  addresses: [{type: IPAddress, value: ${UNUSABLE}}]\n`),
        route('static-web', 'static', '  - backendRefs: [{name: echo, port: 80}]\n'),
        route('empty-web', 'empty-address', '  - backendRefs: [{name: echo, port: 80}]\n'),
      ].join('---\n'),
    );
    await run.start();
  });

  afterAll(async () => {
    await run.stop();
    await echo.close();
  });

  it('binds a static address on loopback, gives an empty address one from the pool, and reports an unbindable one', async () => {
    await run.waitCondition('Gateway', 'static', 'Programmed', 'True');
    expect((await run.object('Gateway', 'static'))!.status!.addresses).toEqual([{ type: 'IPAddress', value: STATIC }]);
    expect(JSON.parse((await get(STATIC, port, '/static')).body)).toMatchObject({ pod: 'echo-pod', path: '/static' });

    await run.waitCondition('Gateway', 'empty-address', 'Programmed', 'True');
    const pooled = (await run.object('Gateway', 'empty-address'))!.status!.addresses as { value: string }[];
    expect(pooled).toHaveLength(1);
    expect(['127.0.93.1', '127.0.93.2']).toContain(pooled[0]!.value);
    expect((await get(pooled[0]!.value, port, '/pooled')).status).toBe(200);

    const notUsable = await run.waitCondition('Gateway', 'unbindable', 'Programmed', 'False');
    expect(notUsable.reason).toBe('AddressNotUsable');
    expect(notUsable.message).toContain(UNUSABLE);
    expect((await served('unbindable'))!.errors.map((e) => e.reason)).toContain('AddressNotUsable');
    // The other Gateways are not affected.
    expect(conditionsOf(await run.object('Gateway', 'static')).find((c) => c.type === 'Programmed')!.status).toBe('True');
  });

  it('shows spec.infrastructure labels and annotations with what the data plane serves, and follows edits', async () => {
    const s = await waitFor('the static Gateway served', () => served('static'));
    expect(s.infrastructure).toEqual({ labels: { team: 'payments', tier: 'edge' }, annotations: { 'portway.dev/owner': 'platform' } });
    expect(s.listenersBound).toEqual(['default/static/http']);
    expect((await served('empty-address'))!.infrastructure).toEqual({ labels: {}, annotations: {} });

    const table = spawnSync(process.execPath, [cli, 'status', '--admin', ADMIN], { encoding: 'utf8' });
    expect(table.status).toBe(0);
    expect(table.stdout).toMatch(/Gateway\s+default\s+static\s+Accepted=True .*Programmed=True address=127\.0\.93\.5\n\s+data plane\s+revision=\d+ listenersBound=1\n\s+infrastructure\s+labels=team=payments,tier=edge annotations=portway\.dev\/owner=platform/);

    run.write(
      'base.yaml',
      [
        GATEWAY_CLASS,
        service('echo', { port: 80, targetPort: 3000, addresses: [BACKEND] }),
        gateway('static', port, `  addresses: [{type: IPAddress, value: ${STATIC}}]\n${infra('checkout')}`),
        gateway('empty-address', port, '  addresses: [{type: IPAddress}]\n'),
        gateway('unbindable', port, `  addresses: [{type: IPAddress, value: ${UNUSABLE}}]\n`),
        route('static-web', 'static', '  - backendRefs: [{name: echo, port: 80}]\n'),
        route('empty-web', 'empty-address', '  - backendRefs: [{name: echo, port: 80}]\n'),
      ].join('---\n'),
    );
    await waitFor('the new label served', async () => ((await served('static'))?.infrastructure.labels.team === 'checkout' ? true : undefined));
  });

  it('drops a rule with a regex Portway cannot compile (PartiallyInvalid) and keeps serving the rest', async () => {
    run.write(
      'bad-regex.yaml',
      route(
        'partly',
        'static',
        `  - matches: [{path: {type: PathPrefix, value: /good}}]
    backendRefs: [{name: echo, port: 80}]
  - matches: [{path: {type: RegularExpression, value: "/bad(["}}]
    backendRefs: [{name: echo, port: 80}]
`,
      ),
    );
    const c = await run.waitCondition('HTTPRoute', 'partly', 'PartiallyInvalid', 'True');
    expect(c.reason).toBe('UnsupportedValue');
    expect(c.message).toMatch(/^Dropped Rule 1: matches\[0\]\.path\.value: "\/bad\(\[" is not a valid regular expression/);
    expect(conditionsOf(await run.object('HTTPRoute', 'partly')).find((x) => x.type === 'Accepted')!.status).toBe('True');
    // The data plane took the config (a bad regex would have made it refuse the whole Gateway).
    await waitFor('the good rule served', async () => ((await get(STATIC, port, '/good')).status === 200 ? true : undefined));
    expect((await served('static'))!.errors).toEqual([]);
    expect(conditionsOf(await run.object('Gateway', 'static')).find((x) => x.type === 'Programmed')!.status).toBe('True');
  });

  it('refuses URLRewrite with RequestRedirect in one rule at admission: portway run reports it and serves on', async () => {
    const both = route(
      'both',
      'static',
      `  - matches: [{path: {type: PathPrefix, value: /both}}]
    filters:
    - {type: URLRewrite, urlRewrite: {hostname: rewritten.example.com}}
    - {type: RequestRedirect, requestRedirect: {hostname: elsewhere.example.com}}
`,
    );
    run.write('both.yaml', both);
    const err = await waitFor('the admission error', async () => (await run.status()).errors.find((e) => e.file.endsWith('both.yaml')));
    expect(err).toMatchObject({ kind: 'HTTPRoute', name: 'both', path: 'spec.rules[0].filters' });
    expect(err.message).toContain('May specify either httpRouteFilterRequestRedirect or httpRouteFilterRequestRewrite, but not both');
    expect(await run.object('HTTPRoute', 'both')).toBeUndefined();
    expect((await get(STATIC, port, '/both')).status).toBe(200); // still the catch-all route
    expect(run.stderr).not.toMatch(/"level":(50|60)/);
  });
});

describe.skipIf(!built)('portway validate', () => {
  it('refuses URLRewrite with RequestRedirect in one rule, naming file, object and field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'portway-validate-'));
    try {
      writeFileSync(
        join(dir, 'r.yaml'),
        route('both', 'gw', `  - filters:
    - {type: URLRewrite, urlRewrite: {path: {type: ReplaceFullPath, replaceFullPath: /x}}}
    - {type: RequestRedirect, requestRedirect: {scheme: https}}
`),
      );
      const r = spawnSync(process.execPath, [cli, 'validate', '-f', dir], { encoding: 'utf8' });
      expect(r.status).toBe(1);
      expect(r.stdout).toMatch(
        /r\.yaml(:\d+)?: HTTPRoute default\/both: spec\.rules\[0\]\.filters: May specify either httpRouteFilterRequestRedirect or httpRouteFilterRequestRewrite, but not both/,
      );
      expect(r.stdout).toMatch(/0 object\(s\) valid, 1 problem\(s\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
