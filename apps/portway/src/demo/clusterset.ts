/**
 * A local ClusterSet on loopback, from real parts: a hub nats-server (JetStream domain "hub",
 * leafnode listener), one leafnode nats-server per spoke cluster (its own domain) whose link to the
 * hub runs through a `TcpRelay` (so a test can cut it), `portway controller` on the hub's folder
 * with `--derive-service-imports`, one `portway agent` per cluster on its own address, connected
 * to its spoke server and exporting its cluster's folder, with a disk cache, and echo servers as
 * each cluster's endpoints. `npm run demo:clusterset` and the ClusterSet end-to-end tests both use
 * it (one implementation). Everything runs from the build (`npm run build`).
 */
import { randomBytes } from 'node:crypto';
import { accessSync, constants, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { portwayNatsServerConfig, portwaySpokeNatsServerConfig } from '@portway/bus';
import { ManagedProcess } from './managed-process.js';
import { TcpRelay } from './tcp-relay.js';

/** The repository root (this file runs from `apps/portway/src/demo` or `apps/portway/dist/demo`). */
export const repoRoot = new URL('../../../../', import.meta.url).pathname;
export const portwayCli = join(repoRoot, 'apps/portway/dist/main.js');
export const echoCli = join(repoRoot, 'apps/echo/dist/main.js');

export interface ClusterSpec {
  name: string;
  /** The agent's address: where the Gateway is served in this cluster. */
  agentAddress: string;
  /** Echo servers (port 3000) that are this cluster's endpoints of Service echo. */
  backends: string[];
}

export interface LocalClusterSetOptions {
  /** Folder with `hub/` and one folder per cluster (default: examples/clusterset). Copied, so tests may edit the copies. */
  examples?: string;
  clusters?: ClusterSpec[];
  /** Echo servers of the hub folder's Service "local". */
  hubBackends?: string[];
  /** Proxy worker processes per agent (0: in the agent's process). */
  workers?: number;
  heartbeatMs?: number;
  exportRefreshMs?: number;
  endpointStaleMs?: number;
  cacheFallbackMs?: number;
  /** Every output line of every process (the demo prints them at debug level). */
  onLine?: (label: string, line: string) => void;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

/** One cluster of the running set. */
export interface RunningCluster {
  spec: ClusterSpec;
  /** The spoke's nats-server (its agents connect here). */
  spoke: ManagedProcess;
  spokeUrl: string;
  /** The spoke's link to the hub. */
  link: TcpRelay;
  agent: ManagedProcess;
  agentAdmin: string;
  /** The agent's `--resources` folder (a copy: edit it to change what the cluster exports). */
  resources: string;
  cacheDir: string;
}

export const DEFAULT_CLUSTERS: ClusterSpec[] = [
  { name: 'east', agentAddress: '127.0.80.1', backends: ['127.0.81.1', '127.0.81.2'] },
  { name: 'west', agentAddress: '127.0.80.2', backends: ['127.0.82.1', '127.0.82.2'] },
];
export const DEFAULT_HUB_BACKENDS = ['127.0.83.1'];
export const GATEWAY_PORT = 8080;

/**
 * The example files list the default backend addresses; when a run uses others (tests pick
 * addresses no other test binds), the copies get them instead, in the same order.
 */
function rewriteAddresses(dir: string, from: readonly string[], to: readonly string[]): void {
  if (from.join() === to.join()) return;
  if (from.length !== to.length) throw new Error(`the examples list ${from.length} backend(s) (${from.join(', ')}); ${to.length} given`);
  for (const f of readdirSync(dir)) {
    if (!/\.ya?ml$/.test(f)) continue;
    let text = readFileSync(join(dir, f), 'utf8');
    from.forEach((a, i) => (text = text.replaceAll(`"${a}"`, `"${to[i]}"`)));
    writeFileSync(join(dir, f), text);
  }
}

export class LocalClusterSet {
  readonly clusters = new Map<string, RunningCluster>();
  readonly echoes: ManagedProcess[] = [];
  hub!: ManagedProcess;
  hubUrl = '';
  controller!: ManagedProcess;
  controllerAdmin = '';
  /** The hub's folder (a copy). */
  hubDir = '';
  private readonly passwords = { hub: randomBytes(12).toString('base64url') } as Record<string, string>;
  private deadEnd: net.Server | undefined;

  private constructor(
    readonly dir: string,
    private readonly o: Required<Omit<LocalClusterSetOptions, 'onLine'>> & Pick<LocalClusterSetOptions, 'onLine'>,
  ) {}

  /** Starts everything and waits until the agents serve and both clusters' endpoints are in their configs. */
  static async start(options: LocalClusterSetOptions = {}): Promise<LocalClusterSet> {
    for (const f of [portwayCli, echoCli]) if (!existsSync(f)) throw new Error(`${f} is missing: run npm run build first`);
    const o = {
      examples: options.examples ?? join(repoRoot, 'examples/clusterset'),
      clusters: options.clusters ?? DEFAULT_CLUSTERS,
      hubBackends: options.hubBackends ?? DEFAULT_HUB_BACKENDS,
      workers: options.workers ?? 1,
      heartbeatMs: options.heartbeatMs ?? 500,
      exportRefreshMs: options.exportRefreshMs ?? 500,
      endpointStaleMs: options.endpointStaleMs ?? 2_000,
      cacheFallbackMs: options.cacheFallbackMs ?? 1_000,
      logLevel: options.logLevel ?? 'info',
      ...(options.onLine ? { onLine: options.onLine } : {}),
    };
    const set = new LocalClusterSet(mkdtempSync(join(tmpdir(), 'portway-clusterset-')), o);
    try {
      await set.boot();
      return set;
    } catch (e) {
      await set.stop();
      throw e;
    }
  }

  /** Listens on a free port and hangs up every connection; returns the port. */
  private holdDeadEnd(): Promise<number> {
    const server = net.createServer((s) => s.destroy());
    this.deadEnd = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
    });
  }

  private proc(label: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}): ManagedProcess {
    return new ManagedProcess(label, command, args, env, this.o.onLine);
  }

  private async boot(): Promise<void> {
    const nats = findNatsServer();
    const hubPort = await freePort();
    const leafPort = await freePort();
    this.hubUrl = `nats://127.0.0.1:${hubPort}`;
    const leafUsers = this.o.clusters.map((c) => ({ cluster: c.name, user: `portway-leaf-${c.name}`, password: randomBytes(12).toString('base64url') }));
    const agentUsers = this.o.clusters.map((c) => ({ cluster: c.name, user: `portway-agent-${c.name}`, password: (this.passwords[c.name] = randomBytes(12).toString('base64url')) }));
    const hubDir = join(this.dir, 'nats-hub');
    mkdirSync(hubDir, { recursive: true });
    writeFileSync(
      join(hubDir, 'nats.json'),
      portwayNatsServerConfig({
        host: '127.0.0.1',
        port: hubPort,
        serverName: 'portway-hub',
        jetstream: { storeDir: join(hubDir, 'store'), domain: 'hub' },
        hub: [{ user: 'portway-hub', password: this.passwords.hub! }],
        agents: agentUsers,
        // Spokes also reconnect to the address the hub advertises. Each spoke reaches the hub through
        // its own relay, so the hub advertises a port held by a listener that hangs up at once (held,
        // so no other part of the set can get that port): a cut link stays cut.
        leafnodes: { host: '127.0.0.1', port: leafPort, users: leafUsers, advertise: `127.0.0.1:${await this.holdDeadEnd()}` },
      }),
    );
    this.hub = this.proc('nats-hub', nats, ['-c', join(hubDir, 'nats.json')]).start();
    await this.hub.waitForOutput(/Server is ready/);

    for (const [i, spec] of this.o.clusters.entries()) {
      const spokePort = await freePort();
      const link = new TcpRelay('127.0.0.1', await freePort(), { host: '127.0.0.1', port: leafPort });
      await link.open();
      const spokeDir = join(this.dir, `nats-${spec.name}`);
      mkdirSync(spokeDir, { recursive: true });
      writeFileSync(
        join(spokeDir, 'nats.json'),
        portwaySpokeNatsServerConfig({
          cluster: spec.name,
          host: '127.0.0.1',
          port: spokePort,
          jetstream: { storeDir: join(spokeDir, 'store') },
          hub: { url: `nats-leaf://127.0.0.1:${link.port}`, user: leafUsers[i]! },
          agents: [{ user: agentUsers[i]!.user, password: agentUsers[i]!.password }],
        }),
      );
      const spoke = this.proc(`nats-${spec.name}`, nats, ['-c', join(spokeDir, 'nats.json')]).start();
      await spoke.waitForOutput(/Server is ready/);
      const resources = join(this.dir, 'clusters', spec.name);
      cpSync(join(this.o.examples, spec.name), resources, { recursive: true });
      const defaults = DEFAULT_CLUSTERS.find((d) => d.name === spec.name)?.backends ?? [];
      rewriteAddresses(resources, defaults, spec.backends);
      this.clusters.set(spec.name, {
        spec,
        spoke,
        spokeUrl: `nats://127.0.0.1:${spokePort}`,
        link,
        agent: undefined as unknown as ManagedProcess,
        agentAdmin: `127.0.0.1:${await freePort()}`,
        resources,
        cacheDir: join(this.dir, 'cache', spec.name),
      });
    }
    for (const c of this.clusters.values()) await c.spoke.waitForOutput(/Leafnode connection created/i);

    const echoes = [
      ...this.o.clusters.flatMap((c) => c.backends.map((address, i) => ({ address, pod: `${c.name}-echo-${i + 1}` }))),
      ...this.o.hubBackends.map((address, i) => ({ address, pod: `local-echo-${i + 1}` })),
    ];
    for (const e of echoes) {
      const p = this.proc(`echo ${e.pod}`, process.execPath, [echoCli], { HOST: e.address, HTTP_PORT: '3000', H2C_PORT: '0', POD_NAME: e.pod, NAMESPACE: 'default' }).start();
      this.echoes.push(p);
    }
    await Promise.all(echoes.map((e, i) => waitUntil(`echo ${e.pod}`, () => tcpOpen(e.address, 3000), 10_000, () => this.echoes[i]!.log())));

    this.hubDir = join(this.dir, 'hub');
    cpSync(join(this.o.examples, 'hub'), this.hubDir, { recursive: true });
    rewriteAddresses(this.hubDir, DEFAULT_HUB_BACKENDS, this.o.hubBackends);
    this.controllerAdmin = `127.0.0.1:${await freePort()}`;
    this.controller = this.proc(
      'controller',
      process.execPath,
      [
        portwayCli,
        'controller',
        '-f',
        this.hubDir,
        '--nats',
        this.hubUrl,
        '--nats-user',
        'portway-hub',
        '--admin',
        this.controllerAdmin,
        '--derive-service-imports',
        '--endpoint-stale-ms',
        String(this.o.endpointStaleMs),
        '--debounce-ms',
        '10',
        '--agent-stale-ms',
        String(this.o.heartbeatMs * 4),
        '--agent-gone-ms',
        String(this.o.heartbeatMs * 8),
        '--discovery-ms',
        '0',
        '--log-level',
        this.o.logLevel,
      ],
      { PORTWAY_NATS_PASSWORD: this.passwords.hub },
    ).start();
    await waitUntil('controller /readyz', () => httpOk(`http://${this.controllerAdmin}/readyz`), 20_000, () => this.controller.log());
    for (const c of this.clusters.values()) this.startAgent(c);
    for (const c of this.clusters.values()) await this.agentReady(c.spec.name);
    // Every cluster's endpoints have reached every agent's config.
    await waitUntil('both clusters\' endpoints in the configs', () => this.endpointsSeenEverywhere(), 30_000, () => this.controller.log().slice(-3000));
    // ... and every agent serves them: 20 requests in a row answered, by every cluster's backends.
    await waitUntil('every agent answering from every cluster', () => this.answersFromEveryCluster(), 30_000);
  }

  private startAgent(c: RunningCluster): void {
    c.agent = this.proc(
      `agent ${c.spec.name}`,
      process.execPath,
      [
        portwayCli,
        'agent',
        '--cluster',
        c.spec.name,
        '--name',
        `${c.spec.name}-1`,
        '--address',
        c.spec.agentAddress,
        '--workers',
        String(this.o.workers),
        '--admin',
        c.agentAdmin,
        '--heartbeat-ms',
        String(this.o.heartbeatMs),
        '--drain-timeout-ms',
        '1000',
        '--nats',
        c.spokeUrl,
        '--nats-user',
        `portway-agent-${c.spec.name}`,
        '--nats-domain',
        'hub',
        '--resources',
        c.resources,
        '--export-refresh-ms',
        String(this.o.exportRefreshMs),
        '--cache-dir',
        c.cacheDir,
        '--cache-fallback-ms',
        String(this.o.cacheFallbackMs),
        '--log-level',
        this.o.logLevel,
      ],
      { PORTWAY_NATS_PASSWORD: this.passwords[c.spec.name] },
    ).start();
  }

  /** Waits until the agent of `cluster` reports ready. */
  async agentReady(cluster: string, timeoutMs = 20_000): Promise<void> {
    const c = this.cluster(cluster);
    await waitUntil(`agent ${cluster} /readyz`, () => httpOk(`http://${c.agentAdmin}/readyz`), timeoutMs, () => c.agent.log());
  }

  cluster(name: string): RunningCluster {
    const c = this.clusters.get(name);
    if (!c) throw new Error(`no cluster ${name}`);
    return c;
  }

  /** Where the Gateway is served in `cluster`. */
  gatewayUrl(cluster: string, path = '/'): string {
    return `http://${this.cluster(cluster).spec.agentAddress}:${GATEWAY_PORT}${path}`;
  }

  /** The controller's admin API, parsed. */
  async admin<T = unknown>(path: string): Promise<T> {
    const res = await fetch(`http://${this.controllerAdmin}${path}`);
    if (!res.ok) throw new Error(`GET ${path}: ${res.status}`);
    return (await res.json()) as T;
  }

  /** The clusters whose endpoints the configs built for `forCluster` hold (from the controller's /config). */
  async endpointClusters(forCluster: string): Promise<string[]> {
    const { configs } = await this.admin<{ configs: { cluster: string; backends: Record<string, { endpoints: { cluster?: string; address: string }[] }> }[] }>('/config');
    const set = new Set<string>();
    for (const cfg of configs) {
      if (cfg.cluster !== forCluster) continue;
      for (const b of Object.values(cfg.backends)) if (b.endpoints.some((e) => e.cluster)) b.endpoints.forEach((e) => e.cluster && set.add(e.cluster));
    }
    return [...set].sort();
  }

  private async answersFromEveryCluster(): Promise<boolean> {
    for (const c of this.clusters.keys()) {
      const seen = new Set<string>();
      for (let i = 0; i < 20; i++) {
        const res = await fetch(this.gatewayUrl(c), { signal: AbortSignal.timeout(2_000) });
        if (!res.ok) return false;
        const pod = ((await res.json()) as { pod?: string }).pod ?? '';
        seen.add(pod.split('-echo-')[0]!);
      }
      if ([...this.clusters.keys()].some((k) => !seen.has(k))) return false;
    }
    return true;
  }

  private async endpointsSeenEverywhere(): Promise<boolean> {
    const all = [...this.clusters.keys()].sort().join(',');
    for (const c of this.clusters.keys()) if ((await this.endpointClusters(c)).join(',') !== all) return false;
    return true;
  }

  /** Kills the hub's nats-server (the controller stays and reconnects when it is back). */
  async stopHub(): Promise<void> {
    await this.hub.stop('SIGKILL');
  }

  async startHub(): Promise<void> {
    this.hub.start();
    await this.hub.waitForOutput(/Server is ready/);
  }

  /** Cuts the link between `cluster`'s spoke server and the hub. */
  async cutLink(cluster: string): Promise<void> {
    await this.cluster(cluster).link.cut();
  }

  async restoreLink(cluster: string): Promise<void> {
    await this.cluster(cluster).link.open();
  }

  /** Stops the agent of `cluster` and starts it again (same name, admin, cache); waits for ready unless told not to. */
  async restartAgent(cluster: string, waitReady = true): Promise<void> {
    const c = this.cluster(cluster);
    await c.agent.stop();
    this.startAgent(c);
    if (waitReady) await this.agentReady(cluster);
  }

  /** What to try, for people. */
  describe(): string {
    const lines = [
      `Portway ClusterSet on loopback (folder ${this.dir})`,
      `  hub NATS ${this.hubUrl} (JetStream domain "hub"), controller admin http://${this.controllerAdmin}`,
      ...[...this.clusters.values()].map(
        (c) => `  cluster ${c.spec.name}: agent on ${c.spec.agentAddress}:${GATEWAY_PORT} (admin http://${c.agentAdmin}), spoke NATS ${c.spokeUrl}, echo backends ${c.spec.backends.join(', ')}`,
      ),
      '',
      'Try:',
      ...[...this.clusters.values()].map((c) => `  curl -s ${this.gatewayUrl(c.spec.name)} | grep pod     # either cluster's backends answer through the ${c.spec.name} agent`),
      `  curl -s ${this.gatewayUrl(this.o.clusters[0]!.name, '/mixed')} | grep pod     # 80% ServiceImport (every cluster), 20% Service local`,
      `  curl -s http://${this.controllerAdmin}/clusterset     # exports, conditions, ServiceImport status`,
      `  edit ${join(this.dir, 'clusters', this.o.clusters[0]!.name)}/echo.yaml to change what ${this.o.clusters[0]!.name} exports`,
      '',
      'Ctrl-C stops everything.',
    ];
    return lines.join('\n');
  }

  async stop(): Promise<void> {
    const agents = [...this.clusters.values()].map((c) => c.agent).filter(Boolean);
    await Promise.all(agents.map((a) => a.stop()));
    await this.controller?.stop();
    await Promise.all(this.echoes.map((e) => e.stop()));
    await Promise.all([...this.clusters.values()].map((c) => c.spoke.stop()));
    await Promise.all([...this.clusters.values()].map((c) => c.link.cut()));
    await this.hub?.stop();
    const deadEnd = this.deadEnd;
    if (deadEnd) await new Promise<void>((r) => deadEnd.close(() => r()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The nats-server binary from PATH, /usr/sbin, /usr/bin or /usr/local/bin. */
export function findNatsServer(): string {
  for (const d of [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/bin', '/usr/local/bin']) {
    const f = join(d, 'nats-server');
    try {
      accessSync(f, constants.X_OK);
      return f;
    } catch {
      // next
    }
  }
  throw new Error('nats-server is not installed (apt-get install -y nats-server)');
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function tcpOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, host);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function httpOk(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2_000) })).ok;
  } catch {
    return false;
  }
}

/** Polls `fn` every 50 ms until it is true (bounded). */
export async function waitUntil(what: string, fn: () => Promise<boolean> | boolean, timeoutMs: number, context?: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await Promise.resolve().then(fn).catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${context ? `\n${context().slice(-4000)}` : ''}`);
}
