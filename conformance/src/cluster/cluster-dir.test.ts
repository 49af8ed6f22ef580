import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseManifests, type KubeObject } from '../manifests/yaml-docs.js';
import { ClusterDir } from './cluster-dir.js';

const tmp = await mkdtemp(join(tmpdir(), 'cluster-dir-test-'));
afterAll(() => rm(tmp, { recursive: true, force: true }));

const svc = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'ns' }, spec: { ports: [{ port: 80 }] } });
const deployment: KubeObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'ns' }, spec: {} };
const secret: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'ns' }, data: { 'tls.crt': Buffer.from('PEM').toString('base64') } };

describe('ClusterDir', () => {
  it('writes groups as YAML files, keeps Deployments in memory only, and reads Secret keys decoded', async () => {
    const dir = new ClusterDir(join(tmp, 'c'), join(tmp, 's'));
    await dir.init();
    await dir.put('test-a', [svc('one'), deployment, secret]);
    const files = await readdir(dir.dir);
    expect(files).toEqual(['test-a.yaml']);
    const written = parseManifests(await readFile(join(dir.dir, 'test-a.yaml'), 'utf8'), 'f');
    expect(written.map((o) => o.kind)).toEqual(['Service', 'Secret']);
    expect(dir.get('Deployment', 'ns', 'd')).toBeDefined();
    expect(dir.readKey('Secret', 'ns', 's', 'tls.crt')).toBe('PEM');
    expect(await readdir(join(tmp, 's'))).toEqual([]);
  });

  it('updates, deletes and removes objects and files', async () => {
    const dir = new ClusterDir(join(tmp, 'c2'), join(tmp, 's2'));
    await dir.init();
    await dir.put('g', [svc('one'), svc('two')]);
    await expect(dir.put('h', [svc('one')])).rejects.toThrow(/already defined in g/);
    await dir.update('Service', 'ns', 'one', (o) => {
      o.metadata.labels = { x: 'y' };
    });
    expect(parseManifests(await readFile(join(dir.dir, 'g.yaml'), 'utf8'), 'g')[0]!.metadata.labels).toEqual({ x: 'y' });
    expect(await dir.delete('Service', 'ns', 'one')).toBe(true);
    expect(parseManifests(await readFile(join(dir.dir, 'g.yaml'), 'utf8'), 'g').map((o) => o.metadata.name)).toEqual(['two']);
    await dir.delete('Service', 'ns', 'two');
    expect(await readdir(dir.dir)).toEqual([]);
    await expect(dir.update('Service', 'ns', 'gone', () => undefined)).rejects.toThrow(/does not exist/);
  });
});
