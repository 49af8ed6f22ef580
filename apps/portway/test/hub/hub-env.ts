/**
 * A hub-and-spokes installation for end-to-end tests, from the built CLI: `portway nats-config`
 * writes the nats-server config (TLS, one user per agent cluster, the hub user), a real
 * nats-server runs it, `portway controller` serves a folder of YAML, `portway agent`s serve
 * their clusters on loopback addresses, real echo backends answer. Every process is stopped at
 * the end.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentInboxPrefix, NatsBus } from '@portway/bus';
import { startEcho, type EchoServer } from '@portway/echo';
import { freePort, makeTestCertificates, startNatsServer, writeTestCertificates, type NatsServer } from '@portway/testing';
import { CliProcess, cli, isReady, waitFor } from './processes.js';

export interface NatsUserCreds {
  user: string;
  password: string;
}

export interface HubEnvOptions {
  /** Agent clusters (one NATS user each). */
  clusters: string[];
  /** Echo backends to start on port 3000 (addresses), with their pod names. */
  backends: { address: string; pod: string }[];
  /** Initial YAML files of the controller's folder. */
  files: Record<string, string>;
  /** Agents' heartbeat period (ms). */
  heartbeatMs?: number;
}

export interface AgentSpec {
  cluster: string;
  name: string;
  address: string;
  workers?: number;
  /** Credentials of another cluster (security tests). */
  credsOf?: string;
  extra?: string[];
}

export interface RunningAgent {
  spec: AgentSpec;
  admin: string;
  proc: CliProcess;
}

export class HubEnv {
  controller: CliProcess | undefined;
  controllerAdmin = '';
  readonly agents = new Map<string, RunningAgent>();
  private readonly buses: NatsBus[] = [];

  private constructor(
    readonly dir: string,
    readonly nats: NatsServer,
    readonly caFile: string,
    readonly hub: NatsUserCreds,
    readonly users: Record<string, NatsUserCreds>,
    readonly echoes: EchoServer[],
    private readonly options: HubEnvOptions,
  ) {}

  static async start(options: HubEnvOptions): Promise<HubEnv> {
    const dir = mkdtempSync(join(tmpdir(), 'portway-hub-'));
    const certs = await writeTestCertificates(join(dir, 'certs'), await makeTestCertificates());
    const credsFile = join(dir, 'nats-users.env');
    const nats = await startNatsServer({
      config: (ctx) => {
        const r = spawnSync(
          process.execPath,
          [
            cli,
            'nats-config',
            '--store-dir',
            ctx.storeDir,
            '--listen',
            `${ctx.host}:${ctx.port}`,
            ...options.clusters.flatMap((c) => ['--cluster', c]),
            '--tls-cert',
            certs.server.certFile,
            '--tls-key',
            certs.server.keyFile,
            '--credentials-out',
            credsFile,
          ],
          { encoding: 'utf8' },
        );
        if (r.status !== 0) throw new Error(`portway nats-config failed: ${r.stderr}`);
        return r.stdout;
      },
    });
    const vars = Object.fromEntries(
      readFileSync(credsFile, 'utf8')
        .split('\n')
        .filter((l) => l.includes('=') && !l.startsWith('#'))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    const users: Record<string, NatsUserCreds> = {};
    for (const c of options.clusters) {
      const k = c.toUpperCase().replace(/[^A-Z0-9]/g, '_');
      users[c] = { user: vars[`PORTWAY_${k}_USER`]!, password: vars[`PORTWAY_${k}_PASSWORD`]! };
    }
    const echoes = await Promise.all(
      options.backends.map((b) => startEcho({ host: b.address, httpPort: 3000, h2cPort: null, podName: b.pod, namespace: 'default', log: () => undefined })),
    );
    const env = new HubEnv(join(dir, 'config'), nats, certs.caFile, { user: vars.PORTWAY_HUB_USER!, password: vars.PORTWAY_HUB_PASSWORD! }, users, echoes, options);
    mkdirSync(env.dir, { recursive: true });
    for (const [name, text] of Object.entries(options.files)) env.write(name, text);
    return env;
  }

  write(file: string, text: string): void {
    writeFileSync(join(this.dir, file), text);
  }

  /** Connection arguments and environment of a process using `creds`. */
  natsArgs(creds: NatsUserCreds): { args: string[]; env: NodeJS.ProcessEnv } {
    return { args: ['--nats', this.nats.url, '--nats-ca', this.caFile, '--nats-user', creds.user], env: { PORTWAY_NATS_PASSWORD: creds.password } };
  }

  /** Starts (or restarts) the controller and waits for its first build. */
  async startController(extra: string[] = []): Promise<CliProcess> {
    if (!this.controllerAdmin) this.controllerAdmin = `127.0.0.1:${await freePort()}`;
    const { args, env } = this.natsArgs(this.hub);
    const proc = new CliProcess(
      'controller',
      [
        'controller',
        '-f',
        this.dir,
        ...args,
        '--admin',
        this.controllerAdmin,
        '--debounce-ms',
        '10',
        '--agent-stale-ms',
        '2000',
        '--agent-gone-ms',
        '4000',
        '--discovery-ms',
        '3000',
        '--ack-timeout-ms',
        '8000',
        '--log-level',
        'info',
        ...extra,
      ],
      env,
    ).start();
    this.controller = proc;
    await waitFor('controller /readyz', () => (proc.running() ? isReady(this.controllerAdmin).then((r) => (r ? true : undefined)) : Promise.reject(new Error(proc.log()))), 20_000);
    return proc;
  }

  /** Starts an agent (or the same agent again) and, unless told otherwise, waits until it reports ready. */
  async startAgent(spec: AgentSpec, waitReady = true): Promise<RunningAgent> {
    const previous = this.agents.get(spec.name);
    const admin = previous?.admin ?? `127.0.0.1:${await freePort()}`;
    const { args, env } = this.natsArgs(spec.credsOf ? this.users[spec.credsOf]! : this.users[spec.cluster]!);
    const proc = new CliProcess(
      `agent ${spec.name}`,
      [
        'agent',
        '--cluster',
        spec.cluster,
        '--name',
        spec.name,
        '--address',
        spec.address,
        '--workers',
        String(spec.workers ?? 1),
        '--admin',
        admin,
        '--heartbeat-ms',
        String(this.options.heartbeatMs ?? 500),
        '--drain-timeout-ms',
        '1000',
        '--log-level',
        'info',
        ...args,
        ...(spec.extra ?? []),
      ],
      env,
    ).start();
    const running = { spec, admin, proc };
    this.agents.set(spec.name, running);
    if (waitReady) await waitFor(`${spec.name} /readyz`, () => (proc.running() ? isReady(admin).then((r) => (r ? true : undefined)) : Promise.reject(new Error(proc.log()))), 20_000, 20);
    return running;
  }

  /** A bus connection of the test itself, with the hub's credentials (or an agent cluster's). */
  async bus(as?: string): Promise<NatsBus> {
    const creds = as ? this.users[as]! : this.hub;
    const bus = await NatsBus.connect({
      servers: this.nats.url,
      tls: { caFile: this.caFile },
      user: creds.user,
      password: creds.password,
      name: `test ${as ?? 'hub'}`,
      ...(as ? { inboxPrefix: agentInboxPrefix(as) } : {}),
      requestTimeoutMs: 3_000,
      onError: () => undefined,
    });
    this.buses.push(bus);
    return bus;
  }

  async stop(): Promise<void> {
    await Promise.all(this.buses.map((b) => b.close().catch(() => undefined)));
    await Promise.all([...this.agents.values()].map((a) => a.proc.stop('SIGTERM', 5_000)));
    await this.controller?.stop('SIGTERM', 5_000);
    await Promise.all(this.echoes.map((e) => e.close()));
    await this.nats.stop();
    rmSync(join(this.dir, '..'), { recursive: true, force: true });
  }
}
