/**
 * Portway deployed three ways, behind one interface, so propagation and churn benchmarks run
 * the same steps on each:
 * - `standalone`: `portway run -f DIR` (file provider, in-process bus, agent with workers);
 * - `nats`: nats-server, `portway controller --provider file -f DIR --nats URL` and
 *   `portway agent --cluster bench --nats URL --address A --workers N`;
 * - `kubernetes`: the same, with the controller on the Kubernetes provider against the
 *   API-server double of @portway/testing (objects are written through its HTTP API).
 * Objects are written one file per object (file provider) or one API call per object.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, startApiServer, type ApiServer } from '@portway/testing';
import { getStatus } from './http-check.js';
import { KubeObjects } from './kube-objects.js';
import { PORTWAY_MAIN, scratchDir } from './paths.js';
import { startProcess, waitUntil, type Child } from './processes.js';
import { toYaml } from './route-config.js';
import { ensureTools } from './tools.js';
import { startPortway } from '../peers/portway.js';

export type DeploymentKind = 'standalone' | 'nats' | 'kubernetes';

type Obj = Record<string, any>;

export interface Deployment {
  readonly kind: DeploymentKind;
  /** Where the Gateway's HTTP listener serves. */
  readonly origin: string;
  /** Creates or replaces objects. */
  put(objects: readonly Obj[]): Promise<void>;
  remove(objects: readonly Obj[]): Promise<void>;
  /** The processes that make up Portway here (controller, agent), for resource figures. */
  processes(): { name: string; pid: number }[];
  stop(): Promise<void>;
}

export interface DeployOptions {
  /** Objects present from the start (GatewayClass, Gateway, Services...). */
  base: readonly Obj[];
  workers: number;
  /** Gateway address on loopback; its listener port comes from the Gateway object. */
  address: string;
  port: number;
  /** Quiet time of the provider (file: debounce; kubernetes: batch window), the same for both. */
  debounceMs?: number;
}

function objectFile(o: Obj): string {
  const ns = (o.metadata?.namespace as string | undefined) ?? '_';
  return `${String(o.kind).toLowerCase()}-${ns}-${String(o.metadata?.name)}.yaml`;
}

/** One file per object, written atomically (a rename), as a careful editor or a GitOps tool does. */
class FolderWriter {
  constructor(readonly dir: string) {}
  put(objects: readonly Obj[]): void {
    for (const o of objects) {
      const file = join(this.dir, objectFile(o));
      writeFileSync(`${file}.tmp`, toYaml([o]));
      renameSync(`${file}.tmp`, file);
    }
  }
  remove(objects: readonly Obj[]): void {
    for (const o of objects) rmSync(join(this.dir, objectFile(o)), { force: true });
  }
}

/** Resolves once the listener answers anything over HTTP (404 without routes). */
async function waitListening(origin: string, children: Child[]): Promise<void> {
  for (const child of children) if (child.exited()) throw new Error(`${child.name} exited:\n${child.output()}`);
  await waitUntil(`${origin} to listen`, async () => {
    for (const child of children) if (child.exited()) throw new Error(`${child.name} exited:\n${child.output()}`);
    return (await getStatus(origin, '/', { host: 'probe.invalid' })) > 0 ? true : undefined;
  }, { timeoutMs: 120_000, everyMs: 100 });
}

export async function deploy(kind: DeploymentKind, o: DeployOptions): Promise<Deployment> {
  const origin = `http://${o.address}:${o.port}`;
  if (kind === 'standalone') {
    const writer = new FolderWriter(scratchDir('deploy-standalone'));
    writer.put(o.base);
    const admin = `${o.address}:19100`;
    const child = await startPortway(writer.dir, { workers: o.workers, address: o.address, admin, debounceMs: o.debounceMs ?? 5 });
    await waitListening(origin, [child]);
    return {
      kind,
      origin,
      put: async (objs) => writer.put(objs),
      remove: async (objs) => writer.remove(objs),
      processes: () => [{ name: 'portway run', pid: child.pid }],
      stop: () => child.stop(),
    };
  }

  ensureTools(['nats-server']);
  const natsPort = await freePort();
  const natsDir = scratchDir('nats');
  const nats = startProcess('nats-server', 'nats-server', ['-a', '127.0.0.1', '-p', String(natsPort), '-js', '-sd', natsDir]);
  const natsUrl = `nats://127.0.0.1:${natsPort}`;
  const children: Child[] = [nats];
  let api: ApiServer | null = null;
  const stopAll = async () => {
    for (const c of [...children].reverse()) await c.stop();
    await api?.close();
  };
  try {
    await waitUntil('nats-server', () => (/Server is ready/.test(nats.output()) ? true : undefined), { timeoutMs: 15_000, child: nats });
    let put: (objs: readonly Obj[]) => Promise<void>;
    let remove: (objs: readonly Obj[]) => Promise<void>;
    let controllerArgs: string[];
    if (kind === 'nats') {
      const writer = new FolderWriter(scratchDir('deploy-nats'));
      writer.put(o.base);
      put = async (objs) => writer.put(objs);
      remove = async (objs) => writer.remove(objs);
      controllerArgs = ['--provider', 'file', '-f', writer.dir, '--debounce-ms', String(o.debounceMs ?? 5)];
    } else {
      api = await startApiServer({ host: '127.0.0.1' });
      const client = new KubeObjects(api.url);
      await client.put(o.base);
      put = (objs) => client.put(objs);
      remove = (objs) => client.remove(objs);
      controllerArgs = ['--provider', 'kubernetes', '--kubeconfig', api.writeKubeconfig(), '--debounce-ms', String(o.debounceMs ?? 5)];
    }
    const controller = startProcess('portway controller', process.execPath, [
      PORTWAY_MAIN, 'controller', ...controllerArgs, '--nats', natsUrl, '--admin', `127.0.0.1:${await freePort()}`, '--log-level', 'warn',
    ]);
    children.push(controller);
    const agent = startProcess('portway agent', process.execPath, [
      PORTWAY_MAIN, 'agent', '--cluster', 'bench', '--nats', natsUrl, '--address', o.address, '--workers', String(o.workers), '--admin', `127.0.0.1:${await freePort()}`, '--log-level', 'warn',
    ]);
    children.push(agent);
    await waitListening(origin, children);
    return {
      kind,
      origin,
      put,
      remove,
      processes: () => [
        { name: 'portway controller', pid: controller.pid },
        { name: 'portway agent', pid: agent.pid },
      ],
      stop: stopAll,
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
