/**
 * deploy/: every kustomization renders offline with `kubectl kustomize`, and every rendered object
 * passes a schema check: Gateway API kinds through `admit` from `@portway/api` (the CRDs' schemas and
 * CEL rules, strict about unknown fields), Kubernetes kinds through the `kubernetes-models` validators
 * (the upstream OpenAPI schemas). Skipped, with a message, where kubectl is not installed.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { admit, formatFieldError } from '@portway/api';
import { kubectlAvailable } from '@portway/testing';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The built CLI, whose `--help` lists the flags a manifest may pass (`npm run build`). */
const CLI = `${ROOT}apps/portway/dist/main.js`;
const KUSTOMIZATIONS = ['deploy/hub', 'deploy/hub/overlays/dev', 'deploy/hub/overlays/ha', 'deploy/spoke', 'deploy/spoke/overlays/dev'];
const PORTWAY_GROUPS = new Set(['gateway.networking.k8s.io', 'gateway.networking.x-k8s.io', 'multicluster.x-k8s.io']);
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'GatewayClass', 'CustomResourceDefinition']);

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } } & Record<string, unknown>;

function render(dir: string): Promise<Obj[]> {
  return new Promise((resolve, reject) => {
    execFile('kubectl', ['kustomize', dir], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`kubectl kustomize ${dir}: ${stderr || err.message}`));
      resolve(parseAllDocuments(stdout).map((d) => d.toJS() as Obj).filter(Boolean));
    });
  });
}

/** Problems of one object: [] when it is valid. */
async function check(o: Obj): Promise<string[]> {
  const group = o.apiVersion.includes('/') ? o.apiVersion.slice(0, o.apiVersion.lastIndexOf('/')) : '';
  if (PORTWAY_GROUPS.has(group)) {
    const r = admit(o, { fieldValidation: 'Strict' });
    return r.ok ? r.warnings.map(formatFieldError) : r.errors.map(formatFieldError);
  }
  const version = o.apiVersion.slice(o.apiVersion.lastIndexOf('/') + 1);
  let Model: new (data: unknown) => { validate(): void };
  try {
    const mod = (await import(`kubernetes-models/${group ? `${group}/` : ''}${version}/${o.kind}`)) as Record<string, new (data: unknown) => { validate(): void }>;
    Model = mod[o.kind]!;
  } catch {
    return [`no schema for ${o.apiVersion} ${o.kind}`];
  }
  try {
    new Model(o).validate();
    return [];
  } catch (e) {
    return [String((e as Error).message)];
  }
}

describe.skipIf(!kubectlAvailable())('deploy/ manifests (skipped: kubectl is not installed)', () => {
  for (const dir of KUSTOMIZATIONS) {
    it(`${dir} renders offline and every object is schema-valid`, async () => {
      const objects = await render(dir);
      expect(objects.length).toBeGreaterThan(5);
      const problems: string[] = [];
      for (const o of objects) {
        for (const p of await check(o)) problems.push(`${o.kind} ${o.metadata.name}: ${p}`);
        const clusterScoped = CLUSTER_SCOPED.has(o.kind);
        if (clusterScoped && o.metadata.namespace) problems.push(`${o.kind} ${o.metadata.name}: cluster-scoped but has a namespace`);
        if (!clusterScoped && o.metadata.namespace !== 'portway-system') problems.push(`${o.kind} ${o.metadata.name}: not in portway-system`);
      }
      expect(problems).toEqual([]);
    });
  }

  it('the hub runs the controller in Kubernetes mode with least-privilege RBAC', async () => {
    const objects = await render('deploy/hub');
    const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'portway-controller') as any;
    const container = deployment.spec.template.spec.containers[0];
    expect(container.image).toBe('ghcr.io/portway-dev/portway:0.1.0');
    expect(container.args.slice(0, 5)).toEqual(['controller', '--provider', 'kubernetes', '--nats', 'nats://portway-nats:4222']);
    const role = objects.find((o) => o.kind === 'ClusterRole') as any;
    const verbs = new Set(role.rules.flatMap((r: any) => r.verbs));
    expect([...verbs].sort()).toEqual(['create', 'get', 'list', 'patch', 'update', 'watch']);
    // Writes only on status subresources (and events); nothing on pods.
    for (const r of role.rules) {
      if (r.verbs.some((v: string) => ['update', 'patch'].includes(v))) expect(r.resources.every((x: string) => x.endsWith('/status') || x === 'events')).toBe(true);
      expect(r.resources).not.toContain('pods');
    }
    const leaseRole = objects.find((o) => o.kind === 'Role') as any;
    expect(leaseRole.metadata.namespace).toBe('portway-system');
    expect(leaseRole.rules).toEqual([{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] }]);
    const gc = objects.find((o) => o.kind === 'GatewayClass') as any;
    expect(gc.spec.controllerName).toBe('portway.dev/gateway-controller');
    const nats = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'portway-nats-config') as any;
    expect(nats.data['nats.conf']).toMatch(/jetstream \{[\s\S]*leafnodes \{\s*port: 7422/);
  });

  it.skipIf(!existsSync(CLI))('every flag the manifests pass to portway exists in its --help (skipped: run npm run build first)', async () => {
    const used: string[] = [];
    const unknown: string[] = [];
    for (const dir of KUSTOMIZATIONS) {
      for (const o of (await render(dir)) as any[]) {
        for (const c of o.spec?.template?.spec?.containers ?? []) {
          if (!String(c.image).startsWith('ghcr.io/portway-dev/portway')) continue;
          const [command, ...args] = c.args as string[];
          const help = spawnSync(process.execPath, [CLI, command!, '--help'], { encoding: 'utf8' }).stdout;
          const known = new Set(help.match(/--[a-z][a-z-]*/g) ?? []);
          for (const flag of args.filter((a) => a.startsWith('--')).map((a) => a.split('=')[0]!)) {
            used.push(`${command} ${flag}`);
            if (!known.has(flag)) unknown.push(`${dir}: ${o.kind} ${o.metadata.name}: portway ${command} has no ${flag}`);
          }
        }
      }
    }
    expect(used).toEqual(expect.arrayContaining(['controller --provider', 'agent --cluster', 'agent --address']));
    expect(unknown).toEqual([]);
  });

  it('the schema check catches a broken manifest', async () => {
    const [deployment] = (await render('deploy/hub')).filter((o) => o.kind === 'Deployment') as any[];
    expect(await check({ ...deployment, spec: { ...deployment.spec, replicas: 'two' } })).not.toEqual([]);
    const gc = (await render('deploy/hub')).find((o) => o.kind === 'GatewayClass')!;
    expect(await check({ ...gc, spec: { controllerName: 'not a domain path' } })).not.toEqual([]);
  });
});
