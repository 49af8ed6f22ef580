/**
 * parseManifests: multi-document YAML, List expansion, errors per document naming the object (with
 * lines), duplicates, ignored kinds, and formatManifestError's one-line form.
 */
import { describe, expect, it } from 'vitest';
import { formatManifestError, parseManifests } from '../src/manifests.js';

const route = (name: string, path = '/') => `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: ${name}
spec:
  parentRefs: [{name: gw}]
  rules:
  - matches:
    - path: {type: PathPrefix, value: ${JSON.stringify(path)}}
    backendRefs: [{name: svc, port: 80}]
`;

describe('parseManifests', () => {
  it('loads every document, admitted and defaulted, with file and index', () => {
    const r = parseManifests(`${route('a')}---\n${route('b')}`, 'routes.yaml', { defaultNamespace: 'default' });
    expect(r.errors).toEqual([]);
    expect(r.objects.map((o) => [o.file, o.index, o.object.metadata.namespace, o.object.metadata.name])).toEqual([
      ['routes.yaml', 0, 'default', 'a'],
      ['routes.yaml', 1, 'default', 'b'],
    ]);
    expect((r.objects[0]!.object as any).spec.rules[0].backendRefs[0].weight).toBe(1);
  });

  it('an invalid object is an error naming it and its field; the other documents still load', () => {
    const r = parseManifests(`${route('bad', 'nope')}---\n${route('good')}`, 'routes.yaml', { defaultNamespace: 'default' });
    expect(r.objects.map((o) => o.object.metadata.name)).toEqual(['good']);
    expect(r.errors).toEqual([
      {
        file: 'routes.yaml',
        index: 0,
        kind: 'HTTPRoute',
        name: 'bad',
        namespace: 'default',
        line: 9,
        path: 'spec.rules[0].matches[0].path',
        message: "value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']",
      },
    ]);
    expect(formatManifestError(r.errors[0]!)).toBe(
      "routes.yaml: HTTPRoute default/bad: spec.rules[0].matches[0].path: value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']",
    );
  });

  it('malformed YAML is an error with its line, and no object from that document', () => {
    const text = `${route('a')}---\nkind: HTTPRoute\nmetadata: {name: [oops\n---\n${route('c')}`;
    const r = parseManifests(text, 'x.yaml', { defaultNamespace: 'default' });
    expect(r.objects.map((o) => o.object.metadata.name)).toEqual(['a', 'c']);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ file: 'x.yaml', index: 1 });
    expect(r.errors[0]!.line).toBeGreaterThanOrEqual(12);
    expect(formatManifestError(r.errors[0]!)).toMatch(/^x\.yaml:1\d: YAML: /);
  });

  it('duplicate keys in a mapping are a YAML error', () => {
    const r = parseManifests('apiVersion: v1\nkind: Namespace\nkind: Namespace\nmetadata: {name: a}\n', 'ns.yaml');
    expect(r.objects).toEqual([]);
    expect(r.errors[0]!.message).toMatch(/^YAML: /);
  });

  it('the same object twice is an error naming it; the first one loads', () => {
    const r = parseManifests(`${route('a')}---\n${route('a', '/x')}`, 'dup.yaml', { defaultNamespace: 'default' });
    expect(r.objects).toHaveLength(1);
    expect(r.errors).toEqual([
      {
        file: 'dup.yaml',
        index: 1,
        kind: 'HTTPRoute',
        name: 'a',
        namespace: 'default',
        line: 12,
        message: 'duplicate object: HTTPRoute default/a is already defined in document 0',
      },
    ]);
  });

  it('the same name in two namespaces, or in two kinds, is not a duplicate', () => {
    const text = `${route('a')}---\n${route('a').replace('name: a', 'name: a\n  namespace: other')}---\napiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {ports: [{port: 80}]}\n`;
    const r = parseManifests(text, 'f.yaml', { defaultNamespace: 'default' });
    expect(r.errors).toEqual([]);
    expect(r.objects).toHaveLength(3);
  });

  it('kind: List items are loaded, each with its item index', () => {
    const text = `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Namespace
  metadata: {name: apps}
- apiVersion: v1
  kind: Service
  metadata: {name: svc, namespace: apps}
  spec: {ports: [{port: 0}]}
`;
    const r = parseManifests(text, 'list.yaml');
    expect(r.objects.map((o) => [o.index, o.item, o.object.kind])).toEqual([[0, 0, 'Namespace']]);
    expect(r.errors.map((e) => [e.item, e.kind, e.name, e.path, e.line])).toEqual([
      [1, 'Service', 'svc', 'spec.ports[0].port', 10],
      [1, 'Service', 'svc', 'spec.ports[0].targetPort', 10],
    ]);
  });

  it('empty documents and comments are skipped', () => {
    const r = parseManifests(`---\n# nothing\n---\n\n---\n${route('a')}---\n`, 'e.yaml', { defaultNamespace: 'd' });
    expect(r.errors).toEqual([]);
    expect(r.objects).toHaveLength(1);
  });

  it('kinds Portway does not read are ignored, not errors', () => {
    const text = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec: {}
---
apiVersion: v1
kind: Pod
metadata: {name: p}
---
apiVersion: gateway.networking.x-k8s.io/v1alpha1
kind: XMesh
metadata: {name: m}
`;
    const r = parseManifests(text, 'other.yaml');
    expect(r.errors).toEqual([]);
    expect(r.ignored.map((o) => [o.index, o.object.kind])).toEqual([
      [0, 'Deployment'],
      [1, 'Pod'],
      [2, 'XMesh'],
    ]);
  });

  it('an unknown kind in a group Portway reads, or an unknown version, is an error naming the object', () => {
    const text = `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoot
metadata: {name: typo}
---
apiVersion: gateway.networking.k8s.io/v3
kind: HTTPRoute
metadata: {name: future, namespace: default}
---
apiVersion: v1
kind: Servise
metadata: {name: s}
`;
    const r = parseManifests(text, 'k.yaml');
    expect(r.errors.map(formatManifestError)).toEqual([
      'k.yaml: HTTPRoot typo: kind: unknown kind "HTTPRoot" in gateway.networking.k8s.io/v1',
      'k.yaml: HTTPRoute default/future: apiVersion: Unsupported value: "gateway.networking.k8s.io/v3": supported values: "gateway.networking.k8s.io/v1", "gateway.networking.k8s.io/v1beta1" (kind HTTPRoute)',
      'k.yaml: Servise s: kind: unknown kind "Servise" in v1',
    ]);
  });

  it('documents that are not objects are errors', () => {
    const r = parseManifests('just a string\n---\n- a\n- b\n---\nkind: Service\n', 's.yaml');
    expect(r.errors.map(formatManifestError)).toEqual([
      's.yaml:1: document is not a Kubernetes object (a mapping with apiVersion, kind and metadata)',
      's.yaml:3: document is not a Kubernetes object (a mapping with apiVersion, kind and metadata)',
      's.yaml:6: Service (document 2): apiVersion: Required value',
    ]);
  });

  it('admission warnings (unknown fields) are reported with the object', () => {
    const r = parseManifests(route('a').replace('spec:\n', 'spec:\n  colour: blue\n'), 'w.yaml', { defaultNamespace: 'default' });
    expect(r.objects).toHaveLength(1);
    expect(r.warnings.map(formatManifestError)).toEqual(['w.yaml: HTTPRoute default/a: spec.colour: unknown field "spec.colour"']);
  });
});
