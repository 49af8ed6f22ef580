/**
 * `portway run` as a user runs it: the built CLI in its own process, with proxy worker processes,
 * a watched folder, and echo backends on loopback. Bad input of every kind is written while
 * traffic flows: each must be reported (or get the spec's condition) and what already serves
 * must keep serving.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEcho, type EchoServer } from '@portway/echo';
import { echoService, gatewayClass, route as echoRoute } from './hub/manifests.js';
import { cli, cliBuilt as built, root, waitFor } from './hub/processes.js';
import { conditionsOf, type StatusBody } from './support/portway-run.js';

const GW = '127.0.81.1';
const ADMIN = '127.0.81.254:19581';
const BACKENDS = ['127.0.81.11', '127.0.81.12'];

async function status(): Promise<StatusBody> {
  const res = await fetch(`http://${ADMIN}/status`);
  return (await res.json()) as StatusBody;
}

const find = (b: StatusBody, kind: string, name: string) => b.objects.find((o) => o.kind === kind && o.metadata.name === name);

const base = `${gatewayClass}---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: default}
spec:
  gatewayClassName: portway
  listeners: [{name: http, port: 18100, protocol: HTTP}]
---
${echoService(BACKENDS)}`;
const route = (name: string, path: string) => echoRoute(name, 'gw', path);

describe.skipIf(!built)('portway run (standalone, 2 worker processes)', () => {
  let dir: string;
  let proc: ChildProcess;
  let echoes: EchoServer[] = [];
  let stderr = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portway-run-'));
    writeFileSync(join(dir, 'base.yaml'), base);
    writeFileSync(join(dir, 'route.yaml'), route('web', '/'));
    echoes = await Promise.all(
      BACKENDS.map((host, i) => startEcho({ host, httpPort: 3000, h2cPort: null, podName: `echo-abc-${i}`, namespace: 'default', log: () => {} })),
    );
    proc = spawn(process.execPath, [cli, 'run', '-f', dir, '--workers', '2', '--address-pool', GW, '--admin', ADMIN, '--log-level', 'warn'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    await waitFor('readyz', async () => ((await fetch(`http://${ADMIN}/readyz`)).ok ? true : undefined));
  });

  afterAll(async () => {
    proc?.kill('SIGTERM');
    await new Promise((r) => (proc?.exitCode !== null ? r(null) : proc.once('exit', r)));
    await Promise.all(echoes.map((e) => e.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`http://${GW}:18100${path}`, { headers });
  const served = async () => {
    const res = await get('/hello');
    return res.status === 200 ? ((await res.json()) as { pod: string; path: string }) : undefined;
  };

  it('serves through both workers, and reports every object as programmed', async () => {
    const body = await waitFor('a 200', served);
    expect(body.path).toBe('/hello');
    const s = await waitFor('Programmed', async () => {
      const b = await status();
      return conditionsOf(find(b, 'Gateway', 'gw')).some((c) => c.type === 'Programmed' && c.status === 'True') ? b : undefined;
    });
    expect(find(s, 'Gateway', 'gw')!.status!.addresses).toEqual([{ type: 'IPAddress', value: GW }]);
    expect(conditionsOf(find(s, 'HTTPRoute', 'web')).map((c) => `${c.type}=${c.status}`)).toEqual(['Accepted=True', 'ResolvedRefs=True']);
    // Both backends answer (round-robin across endpoints).
    const pods = new Set<string>();
    for (let i = 0; i < 20; i++) pods.add((await served())!.pod);
    expect([...pods].sort()).toEqual(['echo-abc-0', 'echo-abc-1']);
  });

  it('malformed YAML: reported with file and line, the last good state keeps serving', async () => {
    writeFileSync(join(dir, 'route.yaml'), 'apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: web\n spec: [');
    const err = await waitFor('the YAML error', async () => (await status()).errors.find((e) => e.file.endsWith('route.yaml')));
    expect(err.line).toBeGreaterThan(0);
    expect((await served())?.path).toBe('/hello');
  });

  it('unknown kind and invalid field: errors naming the object and the field path', async () => {
    writeFileSync(join(dir, 'route.yaml'), route('web', '/'));
    writeFileSync(
      join(dir, 'bad.yaml'),
      `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoot
metadata: {name: typo, namespace: default}
spec: {}
---
${route('bad-path', 'no-slash')}---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: heavy, namespace: default}
spec:
  parentRefs: [{name: gw}]
  rules: [{backendRefs: [{name: echo, port: 80, weight: 2000000}]}]
`,
    );
    const errors = await waitFor('three errors', async () => {
      const e = (await status()).errors.filter((x) => x.file.endsWith('bad.yaml'));
      return e.length >= 3 ? e : undefined;
    });
    expect(errors.find((e) => e.kind === 'HTTPRoot' || /HTTPRoot/.test(e.message))).toBeDefined();
    expect(errors.find((e) => e.name === 'bad-path')?.path).toBe('spec.rules[0].matches[0].path');
    expect(errors.find((e) => e.name === 'heavy')?.path).toBe('spec.rules[0].backendRefs[0].weight');
    expect((await served())?.path).toBe('/hello');
  });

  it('dangling references and duplicate names: the spec conditions and errors, nothing else breaks', async () => {
    writeFileSync(
      join(dir, 'bad.yaml'),
      `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: dangling, namespace: default}
spec:
  parentRefs: [{name: gw}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /dangling}}]
    backendRefs: [{name: does-not-exist, port: 80}]
`,
    );
    writeFileSync(join(dir, 'dup.yaml'), route('web', '/elsewhere'));
    const b = await waitFor('dangling route status and the duplicate error', async () => {
      const s = await status();
      const dangling = conditionsOf(find(s, 'HTTPRoute', 'dangling'));
      return dangling.length && s.errors.some((e) => e.file.endsWith('dup.yaml')) ? s : undefined;
    });
    expect(conditionsOf(find(b, 'HTTPRoute', 'dangling'))).toContainEqual(expect.objectContaining({ type: 'ResolvedRefs', status: 'False', reason: 'BackendNotFound' }));
    expect(b.errors.find((e) => e.file.endsWith('dup.yaml'))!.message).toMatch(/route\.yaml/);
    expect((await waitFor('500 for the dangling backend', async () => ((await get('/dangling')).status === 500 ? 500 : undefined)))).toBe(500);
    expect((await served())?.path).toBe('/hello');
  });

  it('portway status prints the table and the errors from the running instance', () => {
    const r = spawnSync(process.execPath, [cli, 'status', '--admin', ADMIN], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Gateway\s+default\s+gw\s+Accepted=True ResolvedRefs=True Programmed=True address=127\.0\.81\.1/);
    expect(r.stdout).toMatch(/error: .*dup\.yaml/);
  });

  it('shuts down cleanly on SIGTERM', async () => {
    expect(stderr).not.toMatch(/"level":(50|60)/);
  });
});

describe.skipIf(!built)('portway translate and validate', () => {
  it('translate prints status and IR for the quickstart without serving', () => {
    const r = spawnSync(process.execPath, [cli, 'translate', '-f', join(root, 'examples/quickstart'), '-o', 'json'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { errors: string[]; status: { kind: string }[]; configs: { ports: { port: number }[] }[] };
    expect(out.errors).toEqual([]);
    expect(out.configs[0]!.ports[0]!.port).toBe(8080);
    expect(out.status.filter((s) => s.kind === 'HTTPRoute')).toHaveLength(4);
  });

  it('validate exits 1 and names file, object and field for an invalid folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'portway-validate-'));
    try {
      writeFileSync(join(dir, 'r.yaml'), route('bad', 'relative'));
      const r = spawnSync(process.execPath, [cli, 'validate', '-f', dir], { encoding: 'utf8' });
      expect(r.status).toBe(1);
      expect(r.stdout).toMatch(/r\.yaml(:\d+)?: HTTPRoute default\/bad: spec\.rules\[0\]\.matches\[0\]\.path: /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
