/**
 * `portway run` as a user runs it, for system tests: the built CLI (`apps/portway/dist/main.js`)
 * in its own process with proxy worker processes, over a temporary folder of YAML, with its
 * admin API read for status. Each test file picks its own loopback addresses and admin port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, waitFor } from '../hub/processes.js';

/** System tests need the build (`npm run build`); without it they are skipped. */
export { cli, cliBuilt as built, waitFor } from '../hub/processes.js';
/** The GatewayClass every system test uses. */
export { gatewayClass as GATEWAY_CLASS } from '../hub/manifests.js';
/** A TCP port that was free a moment ago on an address. */
export { freePort } from '@portway/testing';

export interface Condition {
  type: string;
  status: string;
  reason: string;
  message?: string;
  observedGeneration?: number;
}

export interface StatusObject {
  kind: string;
  metadata: { name: string; namespace?: string; generation?: number };
  status?: Record<string, unknown>;
}

export interface StatusBody {
  objects: StatusObject[];
  errors: { file: string; kind?: string; name?: string; path?: string; message: string; line?: number }[];
  [k: string]: unknown;
}


export class PortwayRun {
  readonly dir = mkdtempSync(join(tmpdir(), 'portway-system-'));
  private proc: ChildProcess | null = null;
  stderr = '';

  constructor(
    readonly o: { admin: string; addressPool: string; workers?: number; extraArgs?: string[] },
  ) {}

  /** Writes (or replaces) one file of the watched folder. */
  write(file: string, yaml: string): void {
    writeFileSync(join(this.dir, file), yaml);
  }

  async start(): Promise<void> {
    const args = [cli, 'run', '-f', this.dir, '--workers', String(this.o.workers ?? 2), '--address-pool', this.o.addressPool, '--admin', this.o.admin, '--log-level', 'warn', ...(this.o.extraArgs ?? [])];
    const proc = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc = proc;
    proc.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    await waitFor('portway /readyz', async () => ((await fetch(`http://${this.o.admin}/readyz`)).ok ? true : undefined), 20_000);
  }

  async status(): Promise<StatusBody> {
    const res = await fetch(`http://${this.o.admin}/status`);
    return (await res.json()) as StatusBody;
  }

  /** The object of that kind and name in `/status`. */
  async object(kind: string, name: string): Promise<StatusObject | undefined> {
    return (await this.status()).objects.find((o) => o.kind === kind && o.metadata.name === name);
  }

  /** Waits until a condition of the object (a route: of its first parent) has this type and status. */
  async waitCondition(kind: string, name: string, type: string, status: string, timeoutMs = 15_000): Promise<Condition> {
    return waitFor(`${kind} ${name} ${type}=${status}`, async () => {
      const o = await this.object(kind, name);
      return conditionsOf(o).find((c) => c.type === type && c.status === status);
    }, timeoutMs);
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    if (proc !== null && proc.exitCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Conditions of an object; for a route, those of its first parent. */
export function conditionsOf(o: StatusObject | undefined): Condition[] {
  return (o?.status?.conditions as Condition[] | undefined) ?? (o?.status?.parents as { conditions: Condition[] }[] | undefined)?.[0]?.conditions ?? [];
}

/** A Service with one port and an EndpointSlice listing `addresses` (ready unless listed in `notReady`). */
export function service(
  name: string,
  o: { port: number; targetPort: number; addresses: string[]; notReady?: string[]; protocol?: 'TCP' | 'UDP'; appProtocol?: string; namespace?: string },
): string {
  const ns = o.namespace ?? 'default';
  const protocol = o.protocol ?? 'TCP';
  const endpoints = o.addresses.map((a) => `{addresses: [${a}], conditions: {ready: ${!(o.notReady ?? []).includes(a)}}}`).join(', ');
  return `apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: ${ns}}
spec: {ports: [{name: p, port: ${o.port}, targetPort: ${o.targetPort}, protocol: ${protocol}${o.appProtocol ? `, appProtocol: ${o.appProtocol}` : ''}}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: ${name}-1, namespace: ${ns}, labels: {kubernetes.io/service-name: ${name}}}
addressType: IPv4
ports: [{name: p, port: ${o.targetPort}, protocol: ${protocol}}]
endpoints: [${endpoints}]
`;
}
